// The chunks of a database kept by `parley eval citations --keep` or `parley eval retrieval --keep`
// (its data directory), with their document's source and title, in id order; and the settings that
// database was opened with. For benches that rank those chunks again without ingesting them again.
import { createRuntime } from '../../src/app/index.js';
import { commandContext } from '../../src/cli/command-context.js';
import type { Config } from '../../src/config/slices.js';

export interface KeptChunk {
  id: number;
  source: string | null;
  title: string;
  heading_path: string;
  text: string;
  /** What keyword search indexes: title, heading path, text and field boost, as ingestion wrote it. */
  search_text: string;
}

export async function readKeptChunks(dataDir: string): Promise<{ config: Config; rows: KeptChunk[] }> {
  const { config, log } = commandContext({ PARLEY_DATA_DIR: dataDir, DATABASE_URL: '' });
  const runtime = await createRuntime(config, log, { keywordIndex: 'database' });
  try {
    const rows = await runtime.db.query<KeptChunk>(
      `select c.id, d.source, d.title, c.heading_path, c.text, c.search_text
       from chunks c join documents d on d.id = c.document_id order by c.id`,
    );
    process.stderr.write(`${rows.length} chunks\n`);
    return { config, rows };
  } finally {
    await runtime.close();
  }
}
