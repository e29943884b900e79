// `parley eval export-feedback`, run as a user runs it: a tenant's rated answers written as JSONL
// (question, answer, rating, comment, citations, turn id), all or only those rated down, and a
// clear error for an unknown tenant.
import { randomUUID } from 'node:crypto';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/index.js';
import { openDatabase } from '../../src/storage/index.js';
import { createLogger } from '../../src/telemetry/index.js';
import { cliTestTimeout, runCli } from '../support/cli.js';
import { prepareDataDir } from '../support/test-backend.js';

/** A stored turn (question and cited answer) and its rating, written as a turn's write-behind does. */
const RATED = [
  { question: 'What causes the tides?', answer: 'The Moon [1].', rating: 'up', comment: null },
  { question: 'Can I return shoes?', answer: 'I could not find that.', rating: 'down', comment: 'Wrong.' },
];

describe('parley eval export-feedback', () => {
  let dataDir: string;
  let files: string;
  let env: Record<string, string>;
  const turnIds: string[] = [];
  beforeAll(async () => {
    dataDir = await prepareDataDir();
    files = await mkdtemp(path.join(tmpdir(), 'parley-feedback-'));
    env = { PARLEY_DATA_DIR: dataDir };
    const db = await openDatabase(loadConfig(env).storage, createLogger('silent'));
    try {
      const tenantId = randomUUID();
      await db.query(`insert into tenants(id, name) values ($1, 'shop')`, [tenantId]);
      const conversation = randomUUID();
      await db.query('insert into conversations(id, tenant_id) values ($1, $2)', [conversation, tenantId]);
      for (const [index, turn] of RATED.entries()) {
        const turnId = randomUUID();
        turnIds.push(turnId);
        const at = new Date(Date.UTC(2030, 0, 1, 12, index));
        await db.query(
          `insert into messages(id, tenant_id, conversation_id, turn_id, role, content, created_at)
           values ($1, $2, $3, $4, 'user', $5, $6)`,
          [randomUUID(), tenantId, conversation, turnId, turn.question, at],
        );
        await db.query(
          `insert into messages(id, tenant_id, conversation_id, turn_id, role, content, citations, created_at)
           values ($1, $2, $3, $4, 'assistant', $5, $6, $7)`,
          [
            randomUUID(),
            tenantId,
            conversation,
            turnId,
            turn.answer,
            JSON.stringify([{ document_id: 'd1', title: 'Tides', source: null, snippet: 'The Moon' }]),
            at,
          ],
        );
        await db.query(
          `insert into feedback(tenant_id, turn_id, conversation_id, bot_id, rating, comment, turn_at, updated_at)
           values ($1, $2, $3, 'parley', $4, $5, $6, $6)`,
          [tenantId, turnId, conversation, turn.rating, turn.comment, at],
        );
      }
    } finally {
      await db.close();
    }
  });

  it(
    "writes the tenant's rated answers as JSONL, all or those rated down",
    async () => {
      const all = path.join(files, 'all.jsonl');
      const first = await runCli(['eval', 'export-feedback', '--tenant', 'shop', '--out', all], env);
      expect(first.stderr).toBe('');
      expect(first.code).toBe(0);
      expect(first.stdout).toMatch(/2 rated answers \(1 up, 1 down\) of tenant shop written to/);
      const lines = (await readFile(all, 'utf8'))
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line));
      // The latest rating first.
      expect(lines).toEqual([
        {
          question: 'Can I return shoes?',
          answer: 'I could not find that.',
          rating: 'down',
          comment: 'Wrong.',
          citations: [{ document_id: 'd1', title: 'Tides', source: null, snippet: 'The Moon' }],
          turn_id: turnIds[1],
        },
        {
          question: 'What causes the tides?',
          answer: 'The Moon [1].',
          rating: 'up',
          comment: null,
          citations: [{ document_id: 'd1', title: 'Tides', source: null, snippet: 'The Moon' }],
          turn_id: turnIds[0],
        },
      ]);

      const down = path.join(files, 'down.jsonl');
      const second = await runCli(
        ['eval', 'export-feedback', '--tenant', 'shop', '--rating', 'down', '--out', down],
        env,
      );
      expect(second.code).toBe(0);
      const downLines = (await readFile(down, 'utf8'))
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line));
      expect(downLines.map((line) => line.turn_id)).toEqual([turnIds[1]]);
    },
    cliTestTimeout(2),
  );

  it(
    'exits non-zero with a clear message for an unknown tenant or rating',
    async () => {
      const out = path.join(files, 'none.jsonl');
      const unknown = await runCli(['eval', 'export-feedback', '--tenant', 'nobody', '--out', out], env);
      expect(unknown.code).toBe(1);
      expect(unknown.stderr).toBe('parley: no tenant named nobody\n');
      const rating = await runCli(
        ['eval', 'export-feedback', '--tenant', 'shop', '--rating', 'meh', '--out', out],
        env,
      );
      expect(rating.code).toBe(1);
      expect(rating.stderr).toBe('parley: --rating is up or down, not meh\n');
    },
    cliTestTimeout(2),
  );
});
