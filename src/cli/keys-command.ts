// `parley keys create --tenant NAME [--publishable --bot BOT --origin URL...]`: creates an API key
// (a secret one, or a publishable one for the web widget); the key alone is the last stdout line.

import { createApiKey } from '../app/index.js';
import { validationError } from '../errors/index.js';
import { openDatabase } from '../storage/index.js';
import { commandContext } from './command-context.js';

export interface KeysCreateOptions {
  tenant: string;
  label?: string;
  publishable?: boolean;
  bot?: string;
  origin?: string[];
  rateLimit?: string;
}

export async function keysCreateCommand(options: KeysCreateOptions): Promise<void> {
  const tenant = options.tenant.trim();
  if (!tenant) throw new Error('--tenant must not be empty');
  if (!options.publishable && (options.bot || options.origin?.length || options.rateLimit))
    throw validationError('--bot, --origin and --rate-limit apply to publishable keys: add --publishable');
  if (options.publishable && !options.origin?.length)
    throw validationError('a publishable key needs at least one --origin (the site that embeds the widget)');
  const ratePerMinute = options.rateLimit === undefined ? undefined : Number(options.rateLimit);
  const publishable = options.publishable
    ? { bot: options.bot ?? 'parley', origins: options.origin ?? [], ratePerMinute }
    : undefined;
  const { config, log } = commandContext();
  const db = await openDatabase(config.storage, log);
  try {
    const created = await createApiKey(db, tenant, { label: options.label, publishable });
    process.stdout.write(`tenant: ${tenant} (${created.tenantId})\nkey id: ${created.keyId}\n`);
    if (publishable) {
      process.stdout.write(
        `publishable key for bot ${publishable.bot}: chat only, from ${publishable.origins.join(', ')}\n`,
      );
    }
    process.stdout.write('store this key now: it is not shown again\n');
    process.stdout.write(`${created.key}\n`);
  } finally {
    await db.close();
  }
}
