// `parley curated import --bot ID --file FILE [--tenant NAME]`: adds a file of question -> answer
// pairs (CSV or JSONL) to a bot's curated answers, replacing the answers of questions it has
// already; all or nothing. The bot must exist (the default bot `parley` always does).
import { createRuntime, DEFAULT_TENANT, ensureTenant } from '../app/index.js';
import { validationError } from '../errors/index.js';
import { commandContext } from './command-context.js';
import { readCuratedFile } from './curated-file.js';

export interface CuratedImportOptions {
  bot: string;
  file: string;
  tenant?: string;
}

export async function curatedImportCommand(options: CuratedImportOptions): Promise<void> {
  const tenant = (options.tenant ?? DEFAULT_TENANT).trim();
  if (!tenant) throw validationError('--tenant must not be empty');
  const pairs = await readCuratedFile(options.file);
  if (pairs.length === 0) throw validationError(`${options.file}: no question and answer in it`);
  const { config, log } = commandContext();
  const runtime = await createRuntime(config, log);
  try {
    const tenantId = await ensureTenant(runtime.db, tenant);
    const { imported, updated } = await runtime.curated.import(tenantId, options.bot, pairs);
    process.stdout.write(
      `bot ${options.bot} of tenant ${tenant}: ${imported} curated answers added, ${updated} updated\n`,
    );
  } finally {
    await runtime.close();
  }
}
