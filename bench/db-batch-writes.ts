// Benchmark (not a test): what a finished turn's writes cost the embedded database, by batch size,
// with the hot writes prepared (PARLEY_DB_PREPARED_STATEMENTS=on, the default) and planned each
// time (off). Each turn writes its conversation, two messages and a ~3 KB trace (saveTurns) and its
// usage row (insertUsage), in batches as the group writers make them under load. Both databases are
// embedded, in this process, measured alternately; CPU is the whole process's (the database runs in
// a thread of it).
//
//   npx tsx bench/db-batch-writes.ts [--turns 512] [--batches 1,2,4,8,16,64] [--rounds 2]
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { insertUsage, type UsageRecord } from '../src/accounting/usage-store.js';
import { loadConfig } from '../src/config/index.js';
import { saveTurns, type TurnRecord } from '../src/orchestrator/conversation-store.js';
import { type Database, openDatabase } from '../src/storage/index.js';
import { createLogger } from '../src/telemetry/logger.js';

const { values: args } = parseArgs({
  options: {
    turns: { type: 'string', default: '512' },
    batches: { type: 'string', default: '1,2,4,8,16,64' },
    rounds: { type: 'string', default: '2' },
    prefill: { type: 'string', default: '0' },
    'plan-cache-mode': { type: 'string' },
  },
});
const TURNS = Number(args.turns);
const BATCHES = args.batches.split(',').map(Number);
const ROUNDS = Number(args.rounds);
const PREFILL = Number(args.prefill);

const root = await mkdtemp(path.join(os.tmpdir(), 'parley-bench-db-'));
const modes = ['on', 'off'] as const;
const dbs = new Map<(typeof modes)[number], Database>();
for (const mode of modes) {
  const config = loadConfig({
    PARLEY_DATA_DIR: path.join(root, mode),
    PARLEY_DB_PREPARED_STATEMENTS: mode,
  });
  const db = await openDatabase(config.storage, createLogger('silent'));
  await db.query(`insert into tenants(id, name) values ('bench', 'bench') on conflict (name) do nothing`);
  // The embedded database's one session: a setting holds for every connection.
  if (args['plan-cache-mode'] && mode === 'on')
    await db.query(`set plan_cache_mode = ${args['plan-cache-mode']}`);
  dbs.set(mode, db);
}

// A trace of the size a keyword-retrieval turn stores (about 3 KB of JSON).
const trace = {
  steps: Array.from({ length: 30 }, (_, i) => ({
    name: `step${i}`,
    ms: i * 1.5,
    detail: { text: 'x'.repeat(40), n: i, ok: true },
  })),
};

function turn(): { turn: TurnRecord; usage: UsageRecord } {
  const conversationId = randomUUID();
  const turnId = randomUUID();
  const at = new Date();
  return {
    turn: {
      tenantId: 'bench',
      botId: 'parley',
      conversationId,
      turnId,
      user: { id: randomUUID(), content: 'How do I hide passwords from the logs?', at },
      assistant: {
        id: randomUUID(),
        content: 'Set the logger’s redact option to the paths to hide. '.repeat(5),
        citations: [],
        usage: { inputTokens: 900, outputTokens: 30 },
        at,
      },
      trace,
      state: 'active',
    },
    usage: {
      tenantId: 'bench',
      keyId: null,
      botId: 'parley',
      conversationId,
      turnId,
      model: 'openai:stub',
      inputTokens: 900,
      cachedInputTokens: 0,
      outputTokens: 30,
      costUsd: 0.001,
      priced: true,
      savedUsd: 0,
    },
  };
}

const cpuMs = () => {
  const usage = process.cpuUsage();
  return (usage.user + usage.system) / 1000;
};

// Tables of a server that has run for a while (the writes of a batch probe conversations by id).
for (const db of dbs.values()) {
  for (let done = 0; done < PREFILL; done += 64) {
    const turns = Array.from({ length: 64 }, turn);
    await saveTurns(
      db,
      turns.map((t) => t.turn),
    );
  }
}

console.log(`| batch | prepared: CPU ms / turn | planned each time: CPU ms / turn |`);
console.log(`| ---: | ---: | ---: |`);
for (const batch of BATCHES) {
  const figures = new Map<string, number[]>(modes.map((mode) => [mode, []]));
  for (let round = 0; round < ROUNDS; round++) {
    for (const mode of modes) {
      const db = dbs.get(mode)!;
      const started = cpuMs();
      for (let done = 0; done < TURNS; done += batch) {
        const turns = Array.from({ length: batch }, turn);
        await saveTurns(
          db,
          turns.map((t) => t.turn),
        );
        await insertUsage(
          db,
          turns.map((t) => t.usage),
        );
      }
      figures.get(mode)!.push((cpuMs() - started) / TURNS);
    }
  }
  const show = (mode: string) =>
    figures
      .get(mode)!
      .map((ms) => ms.toFixed(3))
      .join(' / ');
  console.log(`| ${batch} | ${show('on')} | ${show('off')} |`);
}
for (const db of dbs.values()) await db.close();
await rm(root, { recursive: true, force: true });
