// Benchmark (not a test): how long one turn's write takes (saveTurns, the statement a turn's
// acknowledgement waits for after its answer), one at a time on PostgreSQL: a new conversation's
// first turn, then a follow-up in it. With --other, the same with another tree's saveTurns on the
// same schema, alternating, so two trees' statements are compared side by side.
//
//   npx tsx bench/turn-write.ts [--turns 500] [--other ../main]
//
// DATABASE_URL (default postgres://postgres@127.0.0.1:5432/test); a schema of its own, dropped at
// the end. Prints the median and p90 (ms) of each kind of turn, per tree.
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { loadConfig } from '../src/config/index.js';
import { saveTurns, type TurnRecord } from '../src/orchestrator/conversation-store.js';
import { openDatabase } from '../src/storage/index.js';
import { createLogger } from '../src/telemetry/index.js';

const { values } = parseArgs({
  options: { turns: { type: 'string', default: '500' }, other: { type: 'string' } },
});
const turns = Number(values.turns);
type Save = typeof saveTurns;
const trees: [string, Save][] = [['this tree', saveTurns]];
if (values.other) {
  const module = (await import(path.resolve(values.other, 'src/orchestrator/conversation-store.ts'))) as {
    saveTurns: Save;
  };
  trees.push([values.other, module.saveTurns]);
}

const log = createLogger('warn');
const config = loadConfig({
  DATABASE_URL: process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test',
});
const schema = `bench_${randomUUID().slice(0, 8)}`;
const db = await openDatabase(config.storage, log, { schema });
const tenantId = 'bench';
await db.query('insert into tenants(id, name) values ($1, $1)', [tenantId]);

const turn = (conversationId: string, existing: boolean): TurnRecord => ({
  tenantId,
  botId: 'parley',
  conversationId,
  turnId: randomUUID(),
  owner: 'alice',
  existing,
  user: { id: randomUUID(), content: 'What causes the tides?', at: new Date() },
  assistant: {
    id: randomUUID(),
    content: 'The Moon pulls on the oceans.',
    citations: [],
    usage: {},
    at: new Date(),
  },
  trace: { timings_ms: { total: 1 } },
  state: 'active',
});
const timed = async (save: Save, record: TurnRecord) => {
  const started = performance.now();
  await save(db, [record]);
  return performance.now() - started;
};
const times = new Map(trees.map(([name]) => [name, { first: [] as number[], followUp: [] as number[] }]));
for (let i = 0; i < turns; i++) {
  // Each tree goes first every other round.
  for (const [name, save] of i % 2 === 0 ? trees : [...trees].reverse()) {
    const conversationId = randomUUID();
    times.get(name)!.first.push(await timed(save, turn(conversationId, false)));
    times.get(name)!.followUp.push(await timed(save, turn(conversationId, true)));
  }
}
const at = (sorted: number[], q: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * q))]!;
for (const [name, { first, followUp }] of times) {
  for (const [kind, list] of [
    ['first turn', first],
    ['follow-up', followUp],
  ] as const) {
    const sorted = list.slice(100).sort((a, b) => a - b); // the first 100 warm up
    console.log(
      `${name} ${kind}: median ${at(sorted, 0.5).toFixed(3)} ms, p90 ${at(sorted, 0.9).toFixed(3)} ms`,
    );
  }
}
await db.query(`drop schema ${schema} cascade`);
await db.close();
