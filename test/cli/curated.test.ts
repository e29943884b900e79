// `parley curated import`, run as a user runs it: CSV and JSONL files into a bot's curated
// answers, and clear errors with a non-zero exit for a missing file, a bad line or an unknown bot.
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/index.js';
import { openDatabase } from '../../src/storage/index.js';
import { createLogger } from '../../src/telemetry/index.js';
import { cliTestTimeout, runCli } from '../support/cli.js';
import { prepareDataDir } from '../support/test-backend.js';

describe('parley curated import', () => {
  let dataDir: string;
  let files: string;
  let env: Record<string, string>;
  beforeAll(async () => {
    dataDir = await prepareDataDir();
    files = await mkdtemp(path.join(tmpdir(), 'parley-curated-'));
    env = { PARLEY_DATA_DIR: dataDir };
  });

  it(
    'imports CSV, then JSONL replacing a known question’s answer, into the tenant’s bot',
    async () => {
      const csv = path.join(files, 'faq.csv');
      await writeFile(
        csv,
        'question,answer\n"Do you ship abroad, too?","Yes, to the EU."\nWhat are your opening hours?,"9 to 5,\nMonday to Friday."\n',
      );
      const first = await runCli(
        ['curated', 'import', '--bot', 'parley', '--file', csv, '--tenant', 'shop'],
        env,
      );
      expect(first.stderr).toBe('');
      expect(first.code).toBe(0);
      expect(first.stdout).toMatch(/2 curated answers added, 0 updated/);

      const jsonl = path.join(files, 'more.jsonl');
      await writeFile(
        jsonl,
        '{"question":"what are your opening hours","answer":"9 to 6."}\n{"question":"Can I pay by card?","answer":"Yes."}\n',
      );
      const second = await runCli(
        ['curated', 'import', '--bot', 'parley', '--file', jsonl, '--tenant', 'shop'],
        env,
      );
      expect(second.code).toBe(0);
      expect(second.stdout).toMatch(/1 curated answers added, 1 updated/);

      const db = await openDatabase(loadConfig({ PARLEY_DATA_DIR: dataDir }).storage, createLogger('silent'));
      try {
        const rows = await db.query<{ question: string; answer: string }>(
          `select c.question, c.answer from curated_answers c join tenants t on t.id = c.tenant_id
            where t.name = 'shop' and c.bot_id = 'parley' order by c.seq`,
        );
        expect(rows).toEqual([
          { question: 'Do you ship abroad, too?', answer: 'Yes, to the EU.' },
          { question: 'what are your opening hours', answer: '9 to 6.' },
          { question: 'Can I pay by card?', answer: 'Yes.' },
        ]);
      } finally {
        await db.close();
      }
    },
    cliTestTimeout(2),
  );

  it(
    'exits non-zero with a clear message for a missing file, a bad line and an unknown bot',
    async () => {
      const missing = await runCli(
        ['curated', 'import', '--bot', 'parley', '--file', path.join(files, 'nope.csv')],
        env,
      );
      expect(missing.code).toBe(1);
      expect(missing.stderr).toMatch(/^parley: cannot read .*nope\.csv: no such file\n$/);

      const bad = path.join(files, 'bad.jsonl');
      await writeFile(bad, '{"question":"a?","answer":"b"}\n\n{"question":"c?"}\n');
      const badLine = await runCli(['curated', 'import', '--bot', 'parley', '--file', bad], env);
      expect(badLine.code).toBe(1);
      expect(badLine.stderr).toMatch(/bad\.jsonl:3: answer is missing or not text/);

      const good = path.join(files, 'good.jsonl');
      await writeFile(good, '{"question":"a?","answer":"b"}\n');
      const noBot = await runCli(['curated', 'import', '--bot', 'nobody', '--file', good], env);
      expect(noBot.code).toBe(1);
      expect(noBot.stderr).toMatch(/parley: bot not found/);
    },
    cliTestTimeout(3),
  );
});
