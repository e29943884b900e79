// Benchmark (not a test): time to first token added by the semantic injection stage in the turn
// (PARLEY_GUARD_SEMANTIC=on against off), one request in flight.
//
//   npm run build && npx tsx bench/semantic-guard-ttft.ts [--rounds 8] [--first-token-ms 300,0]
//
// Set-up. The stub model (test/support/stub-provider, in a child process, as bench/ttft.ts runs
// it) waits --first-token-ms before its first token. Two built Parley servers run side by side on
// the same documents, one with the stage off and one with it on (USE Lite in its worker, loaded at
// start-up, the default 1 s budget), and are asked in turn, the same message of each round one
// after the other, so that the machine's load changes both sides alike. Their default bot flags
// injection rather than refusing it (`guard.injection: "flag"`), so every message is answered by
// the model on both sides and has a first token to measure (the stage still decides each
// escalated message, and holds its first token as in a refusing bot).
//
// Messages: "grey", every message of the guard's evaluation sets (deepset train and test, the
// benign technical questions) whose fast verdict is in the semantic head's grey band, the only
// messages the stage is asked about; "plain", the first 16 benign technical questions outside it.
// The documents are the messages themselves (one Markdown file each), so retrieval finds each.
//
// Measured per turn: request start to the first `event: token` of POST /v1/chat (stream: true);
// for escalated turns, from the trace, the stage's own time (`guard.input.semantic.ms`) and how
// long the ready first token waited for it (`held_ms`).
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { defaultSemanticHead, detectInjection, isUnsure } from '../src/guard/index.js';
import { runBench } from './support/bench-main.js';
import { commitLine, REPO_ROOT } from './support/bench-paths.js';
import { freePort, log } from './support/child-processes.js';
import { ParleyProcess } from './support/parley-process.js';
import { fmt, percentile } from './support/percentiles.js';
import { readSse } from './support/sse-parser.js';
import { StubProcess } from './support/stub-process.js';

const { values: args } = parseArgs({
  options: {
    rounds: { type: 'string', default: '8' },
    'first-token-ms': { type: 'string', default: '300,0' },
  },
});
const ROUNDS = Number(args.rounds);
const FIRST_TOKEN_MS = args['first-token-ms'].split(',').map(Number);
const SIDES = ['off', 'on'] as const;
type Side = (typeof SIDES)[number];

const SETS = [
  path.resolve(REPO_ROOT, '../shared/data/prompt-injections/train.jsonl'),
  path.resolve(REPO_ROOT, '../shared/data/prompt-injections/test.jsonl'),
  path.join(REPO_ROOT, 'examples/eval/benign-technical-questions.jsonl'),
];

function messages(): { grey: string[]; plain: string[] } {
  const { band } = defaultSemanticHead();
  const grey: string[] = [];
  const plain: string[] = [];
  for (const file of SETS) {
    for (const line of readFileSync(file, 'utf8').split('\n')) {
      if (!line.trim()) continue;
      const { text } = JSON.parse(line) as { text: string };
      if (isUnsure(band, detectInjection(text))) grey.push(text);
      else if (file.endsWith('benign-technical-questions.jsonl') && plain.length < 16) plain.push(text);
    }
  }
  return { grey, plain };
}

interface Turn {
  side: Side;
  set: 'grey' | 'plain';
  ttftMs: number;
  turnId: string;
}

/** One streamed turn: its time to first token and id. */
async function ask(server: ParleyProcess, message: string): Promise<{ ttftMs: number; turnId: string }> {
  const started = performance.now();
  const response = await fetch(`${server.baseUrl}/v1/chat`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'text/event-stream' },
    body: JSON.stringify({ message, stream: true }),
  });
  if (!response.ok || !response.body) throw new Error(`chat answered ${response.status}`);
  let ttftMs: number | undefined;
  let turnId = '';
  for await (const event of readSse(response.body)) {
    if (event.event === 'meta') turnId = (JSON.parse(event.data) as { turn_id: string }).turn_id;
    if (event.event === 'token' && ttftMs === undefined) ttftMs = performance.now() - started;
    if (event.event === 'error') throw new Error(`turn failed: ${event.data}`);
  }
  if (ttftMs === undefined) throw new Error(`no token for ${JSON.stringify(message)}`);
  return { ttftMs, turnId };
}

interface Semantic {
  outcome: string;
  ms: number;
  held_ms: number;
}

async function traceOf(
  server: ParleyProcess,
  turnId: string,
): Promise<{ mode: string; semantic?: Semantic }> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const response = await fetch(`${server.baseUrl}/v1/turns/${turnId}/trace`);
    if (response.status === 200) {
      const trace = (await response.json()) as { mode: string; guard: { input: { semantic?: Semantic } } };
      return {
        mode: trace.mode,
        ...(trace.guard.input.semantic ? { semantic: trace.guard.input.semantic } : {}),
      };
    }
    await response.body?.cancel();
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`no trace for ${turnId}`);
}

const row = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return `${fmt(percentile(sorted, 50))} / ${fmt(percentile(sorted, 90))} / ${fmt(percentile(sorted, 99))}`;
};

const children: { stop(): Promise<void>; child: { kill(): boolean } }[] = [];
let tempRoot = '';

async function main(): Promise<void> {
  const { grey, plain } = messages();
  log(`${grey.length} grey-band messages, ${plain.length} plain ones; ${ROUNDS} rounds`);
  tempRoot = await mkdtemp(path.join(os.tmpdir(), 'parley-semantic-bench-'));
  const docs = path.join(tempRoot, 'docs');
  mkdirSync(docs);
  [...grey, ...plain].forEach((text, i) => {
    writeFileSync(path.join(docs, `note-${i}.md`), `# Note ${i}\n\n${text}\n`);
  });
  const lines = [
    `# Semantic injection stage: time to first token, on vs off (1 in flight)`,
    '',
    commitLine(),
    `host: ${os.cpus().length} CPUs, load average ${os
      .loadavg()
      .map((l) => l.toFixed(1))
      .join(' ')}`,
    `messages: ${grey.length} grey-band, ${plain.length} plain; ${ROUNDS} rounds`,
    '',
    '| stub first token | set | TTFT off p50 / p90 / p99 (ms) | TTFT on p50 / p90 / p99 (ms) | on − off p50 | stage ms p50 / p90 / p99 | held ms p50 / p90 / p99 | escalated (on) |',
    '| --- | --- | --- | --- | --- | --- | --- | --- |',
  ];
  for (const firstTokenMs of FIRST_TOKEN_MS) {
    const stub = await StubProcess.start({ firstTokenDelayMs: firstTokenMs, tokenIntervalMs: 0 });
    children.push(stub as never);
    const servers = {} as Record<Side, ParleyProcess>;
    for (const side of SIDES) {
      const root = path.join(tempRoot, `${firstTokenMs}-${side}`);
      mkdirSync(root);
      const server = ParleyProcess.start({
        tempRoot: root,
        port: await freePort(),
        stubUrl: stub.url,
        docsDir: docs,
        env: { PARLEY_GUARD_SEMANTIC: side, PARLEY_RETRIEVAL_CACHE_SECONDS: '0' },
        name: `parley-${side}`,
      });
      children.push(server as never);
      servers[side] = server;
    }
    for (const side of SIDES) {
      await servers[side].waitReady(120_000);
      const patched = await fetch(`${servers[side].baseUrl}/v1/bots/parley`, {
        method: 'PATCH',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ settings: { guard: { injection: 'flag' } } }),
      });
      if (!patched.ok) throw new Error(`PATCH /v1/bots/parley answered ${patched.status}`);
    }
    // Warm-up: every message once on each side (the encoder loaded, code paths compiled).
    for (const message of [...grey, ...plain]) for (const side of SIDES) await ask(servers[side], message);
    const turns: Turn[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      for (const [set, list] of [
        ['grey', grey],
        ['plain', plain],
      ] as const) {
        for (const message of list) {
          // Alternate which side goes first, so neither always follows the other.
          const order = (round + turns.length) % 2 === 0 ? SIDES : ([...SIDES].reverse() as Side[]);
          for (const side of order) turns.push({ side, set, ...(await ask(servers[side], message)) });
        }
      }
    }
    for (const set of ['grey', 'plain'] as const) {
      const of = (side: Side) => turns.filter((turn) => turn.side === side && turn.set === set);
      const traces = await Promise.all(of('on').map((turn) => traceOf(servers.on, turn.turnId)));
      const semantic = traces.flatMap((trace) => (trace.semantic ? [trace.semantic] : []));
      const off = of('off').map((turn) => turn.ttftMs);
      const on = of('on').map((turn) => turn.ttftMs);
      const p50 = (values: number[]) =>
        percentile(
          [...values].sort((a, b) => a - b),
          50,
        );
      lines.push(
        `| ${firstTokenMs} ms | ${set} | ${row(off)} | ${row(on)} | ${fmt(p50(on) - p50(off))} | ${
          semantic.length ? row(semantic.map((s) => s.ms)) : '–'
        } | ${semantic.length ? row(semantic.map((s) => s.held_ms)) : '–'} | ${semantic.length} of ${on.length} |`,
      );
      log(lines.at(-1)!);
    }
    for (const side of SIDES) await servers[side].stop();
    await stub.stop();
  }
  process.stdout.write(`${lines.join('\n')}\n`);
}

void runBench(main, {
  async tidyUp() {
    for (const child of children.reverse()) await child.stop().catch(() => {});
    if (tempRoot) await rm(tempRoot, { recursive: true, force: true });
  },
  killNow() {
    for (const child of children) child.child.kill();
  },
});
