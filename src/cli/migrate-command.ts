// `parley migrate`: applies pending schema migrations and reports what it did.
import { openDatabase } from '../storage/index.js';
import { commandContext } from './command-context.js';

export async function migrateCommand(): Promise<void> {
  const { config, log } = commandContext();
  const db = await openDatabase(config.storage, log);
  try {
    const applied = db.appliedMigrations;
    process.stdout.write(
      applied.length ? `applied migrations ${applied.join(', ')}\n` : 'schema is up to date\n',
    );
  } finally {
    await db.close();
  }
}
