// Benchmark (not a test): the CPU a turn's write costs on the embedded database, in the shape the
// load benchmark's turns have: group commits of --batch turns (saveTurns, then insertUsage, as the
// write-behind queue sends them), each turn with a trace the size of a real one (its prompt: the
// grounded user message with five passages of the Fastify docs, about 9 KB). The database runs
// in its worker thread behind the PostgreSQL socket, as `parley serve` runs it.
//
//   [DATABASE_URL=postgres://...] npx tsx bench/turn-batch-write.ts [--turns 3000] [--batch 50] [--rounds 3]
//     [--sql 'alter table ...'] [--no-prompt] [--no-usage] [--passage-refs]
//
// --passage-refs stores the prompt as turn traces do since 2026-12-08 (trace-prompt.ts): each
// passage cut out and kept as a reference to its chunk; the cutting runs inside the timed loop,
// charged to the write.
//
// Prints per round: wall ms and CPU µs per turn (this process, every thread: the database's
// worker, the client's serialising, garbage collection), and the bytes a trace row takes.
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { insertUsage } from '../src/accounting/usage-store.js';
import { loadConfig } from '../src/config/index.js';
import { saveTurns, type TurnRecord } from '../src/orchestrator/conversation-store.js';
import { escapePromptText } from '../src/orchestrator/grounded-prompt.js';
import { compactPrompt, type SentPrompt } from '../src/orchestrator/trace-prompt.js';
import { openDatabase } from '../src/storage/index.js';
import { createLogger } from '../src/telemetry/index.js';

const { values } = parseArgs({
  options: {
    turns: { type: 'string', default: '3000' },
    batch: { type: 'string', default: '50' },
    rounds: { type: 'string', default: '3' },
    /** SQL run once before the rounds (e.g. a storage setting to compare). */
    sql: { type: 'string' },
    'no-prompt': { type: 'boolean', default: false },
    'no-usage': { type: 'boolean', default: false },
    'passage-refs': { type: 'boolean', default: false },
  },
});
const turns = Number(values.turns);
const batch = Number(values.batch);

const docsDir = path.resolve(import.meta.dirname, '../../shared/data/fastify-docs');
const docs = readdirSync(docsDir)
  .filter((name) => name.endsWith('.md'))
  .map((name) => readFileSync(path.join(docsDir, name), 'utf8'));
/** text.slice(start, end), moved off the halves of a surrogate pair (PostgreSQL refuses a lone one). */
function cut(text: string, start: number, end: number): string {
  const low = (at: number) => /[\uDC00-\uDFFF]/.test(text[at] ?? '');
  return text.slice(low(start) ? start + 1 : start, low(end) ? end - 1 : end);
}

/** Five passages of about 1,800 characters from the docs, different for each turn. */
const passageTexts = (i: number) =>
  Array.from({ length: 5 }, (_, n) => {
    const doc = docs[(i * 5 + n) % docs.length]!;
    const start = (i * 997) % Math.max(1, doc.length - 1_800);
    return { chunkId: i * 8 + n, text: cut(doc, start, start + 1_800) };
  });
/** The passages as the grounded prompt quotes them. */
const passages = (i: number) =>
  passageTexts(i)
    .map(
      ({ text }, n) =>
        `<passage n="${n + 1}" source="Reference › Guide">\n${escapePromptText(text)}\n</passage>`,
    )
    .join('\n');

const SYSTEM =
  "You are a helpful assistant that answers questions about the user's documents.\nAnswer only from the numbered passages you are given, in the language of the question.";

function record(i: number): TurnRecord {
  const question = `How do I register plugin number ${i} with options?`;
  const answer =
    'Register the plugin with fastify.register and pass its options as the second argument [1]. Everything it declares stays encapsulated in its own context [2].';
  const citations = Array.from({ length: 4 }, (_, n) => ({
    document_id: randomUUID(),
    title: 'Reference-Plugins',
    snippet: cut(docs[(i + n) % docs.length]!, 0, 300),
    chunk_id: i * 4 + n,
    score: 7.5 - n,
  }));
  const retrieved = Array.from({ length: 8 }, (_, n) => ({
    score: 7.5 - n / 2,
    title: 'Reference-Plugins',
    signals: { bm25: { rank: n + 1, score: 7.5 - n / 2 } },
    chunk_id: i * 8 + n,
    document_id: randomUUID(),
    heading_path: 'Plugins > Register > Options',
  }));
  const trace = {
    turn_id: `t${i}`,
    mode: 'generated',
    bot: 'parley',
    prompt_version: '273d0617ae645c86',
    intent: { name: 'question', score: 0.93, handler: 'knowledge' },
    retrieved,
    relevance: { coverage: 0.8, threshold: 0.3 },
    timings_ms: { total: 900, first_token: 310, retrieval: 1.2 },
    usage: { prompt_tokens: 1198, completion_tokens: 30, cost_usd: 0 },
    attempts: [{ model: 'openai:stub-model', outcome: 'ok' }],
    prompt: values['no-prompt']
      ? null
      : {
          system: SYSTEM,
          messages: [{ role: 'user', content: `Passages:\n${passages(i)}\n\nQuestion: ${question}` }],
        },
  };
  const at = new Date();
  return {
    tenantId: 'default',
    botId: 'parley',
    conversationId: randomUUID(),
    turnId: randomUUID(),
    user: { id: randomUUID(), content: question, at },
    assistant: { id: randomUUID(), content: answer, citations: citations as never, usage: trace.usage, at },
    trace,
    state: 'active',
  };
}

const dataDir = mkdtempSync(path.join(os.tmpdir(), 'parley-batch-write-'));
const log = createLogger('warn');
// DATABASE_URL set: PostgreSQL, in a schema of its own (dropped at the end).
const serverUrl = process.env.DATABASE_URL;
const schema = serverUrl ? `bench_${randomUUID().slice(0, 8)}` : undefined;
const config = loadConfig(serverUrl ? { DATABASE_URL: serverUrl } : { PARLEY_DATA_DIR: dataDir }, dataDir);
const db = await openDatabase(config.storage, log, schema ? { schema } : {});
try {
  if (values.sql) await db.query(values.sql);
  await db.query("insert into tenants(id, name) values ('default', 'default') on conflict do nothing");
  for (let round = 1; round <= Number(values.rounds); round++) {
    const records = Array.from({ length: turns }, (_, i) => record(round * turns + i));
    const cpu0 = process.cpuUsage();
    const wall0 = performance.now();
    for (let i = 0; i < records.length; i += batch) {
      const group = records.slice(i, i + batch);
      if (values['passage-refs'])
        for (const [n, r] of group.entries()) {
          const trace = r.trace as { prompt: SentPrompt | null };
          if (trace.prompt) trace.prompt = compactPrompt(trace.prompt, passageTexts(round * turns + i + n));
        }
      await saveTurns(db, group);
      if (!values['no-usage'])
        await insertUsage(
          db,
          group.map((r) => ({
            tenantId: r.tenantId,
            keyId: null,
            botId: r.botId,
            conversationId: r.conversationId,
            turnId: r.turnId,
            model: 'openai:stub-model',
            inputTokens: 1198,
            cachedInputTokens: 0,
            outputTokens: 30,
            costUsd: 0,
            priced: true,
            savedUsd: 0,
          })),
        );
    }
    const cpu = process.cpuUsage(cpu0);
    const wallMs = performance.now() - wall0;
    const [size] = await db.query<{ bytes: string }>(
      'select (pg_total_relation_size($1) / greatest(count(*), 1))::bigint as bytes from turn_traces',
      ['turn_traces'],
    );
    console.log(
      JSON.stringify({
        round,
        turns,
        batch,
        wallMsPerTurn: +(wallMs / turns).toFixed(3),
        cpuUsPerTurn: Math.round((cpu.user + cpu.system) / turns),
        traceRowBytes: Number(size?.bytes),
      }),
    );
  }
} finally {
  if (schema) await db.query(`drop schema ${schema} cascade`);
  await db.close();
  rmSync(dataDir, { recursive: true, force: true });
}
