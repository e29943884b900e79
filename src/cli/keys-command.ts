// `parley keys create --tenant NAME`: creates an API key; the key alone is the last stdout line.
import { createApiKey } from '../server/index.js';
import { openDatabase } from '../storage/index.js';
import { commandContext } from './command-context.js';

export async function keysCreateCommand(options: { tenant: string; label?: string }): Promise<void> {
  const tenant = options.tenant.trim();
  if (!tenant) throw new Error('--tenant must not be empty');
  const { config, log } = commandContext();
  const db = await openDatabase(config, log);
  try {
    const created = await createApiKey(db, tenant, options.label);
    process.stdout.write(`tenant: ${tenant} (${created.tenantId})\nkey id: ${created.keyId}\n`);
    process.stdout.write('store this key now: it is not shown again\n');
    process.stdout.write(`${created.key}\n`);
  } finally {
    await db.close();
  }
}
