// Turns acknowledged to their clients survive a crash: a real `parley serve` on the embedded
// database answers concurrent conversations (JSON, SSE and the OpenAI stream; first turns and
// follow-ups), is killed with SIGKILL while they run, and restarted on the same data; every turn
// a client received in full (a JSON 200, an SSE `done`, the OpenAI stream's last chunk) is there.
// Twice, on the same data.
import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliTestTimeout, startCli } from '../support/cli.js';
import { parseSse } from '../support/http.js';
import { prepareDataDir } from '../support/test-backend.js';

const CLIENTS = 24;
/** Acknowledged turns to wait for before the kill (the kill lands while clients are mid-turn). */
const ACKS_BEFORE_KILL = 120;

describe('turns acknowledged before a SIGKILL', () => {
  let dataDir: string;
  let server: { child: ChildProcess; match: RegExpMatchArray } | undefined;
  beforeAll(async () => {
    dataDir = await prepareDataDir();
  });
  afterAll(async () => {
    if (server && server.child.exitCode === null) server.child.kill('SIGKILL');
    await rm(path.dirname(dataDir), { recursive: true, force: true });
  });

  const env = () => ({
    PARLEY_DATA_DIR: dataDir,
    PARLEY_RATE_REQUESTS_PER_MINUTE_IP: '0',
    PARLEY_RATE_REQUESTS_PER_MINUTE_KEY: '0',
    ...(process.env.DURABLE_TEST_ACK_WAIT_MS
      ? { PARLEY_ACK_WAIT_MS: process.env.DURABLE_TEST_ACK_WAIT_MS }
      : {}),
  });
  const start = async () => {
    server = await startCli(['serve', '--port', '0'], env(), /serving on (http:\/\/\S+)/);
    return server.match[1]!;
  };

  /** How a client asks, and what acknowledges its turn to it. */
  const SHAPES = ['json', 'sse', 'openai'] as const;
  /** Turns acknowledged, by shape. */
  const ackedBy = new Map<(typeof SHAPES)[number], number>();

  /**
   * One client: asks again and again (a follow-up every other turn, where its shape has
   * conversations), as a JSON request (acknowledged by the 200), an SSE stream (by `done`) or an
   * OpenAI stream (by its last chunk, `[DONE]`), until stopped.
   */
  async function client(base: string, index: number, acked: string[], onAck: () => void, stop: AbortSignal) {
    const shape = SHAPES[index % SHAPES.length]!;
    let conversation: string | undefined;
    for (let turn = 0; !stop.aborted; turn++) {
      const message = `question ${index}.${turn} about the tides`;
      const body =
        shape === 'openai'
          ? { model: 'parley', messages: [{ role: 'user', content: message }], stream: true }
          : {
              message,
              ...(conversation && turn % 2 === 1 ? { conversation_id: conversation } : {}),
              ...(shape === 'sse' ? { stream: true } : {}),
            };
      try {
        const response = await fetch(`${base}${shape === 'openai' ? '/v1/chat/completions' : '/v1/chat'}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(body),
        });
        const text = await response.text();
        if (response.status !== 200) continue;
        if (shape === 'openai') {
          // Received in full only with its last chunk; the chunks' id names the turn.
          const first = /^data: (\{.*\})$/m.exec(text)?.[1];
          if (!first || !/^data: \[DONE\]$/m.test(text)) continue;
          acked.push((JSON.parse(first) as { id: string }).id.replace(/^chatcmpl-/, ''));
        } else if (shape === 'sse') {
          const events = parseSse(text);
          const meta = events.find((event) => event.event === 'meta')?.data as {
            turn_id: string;
            conversation_id: string;
          };
          // Received in full only with its `done`.
          if (!meta || !events.some((event) => event.event === 'done')) continue;
          acked.push(meta.turn_id);
          conversation = meta.conversation_id;
        } else {
          const answer = JSON.parse(text) as { turn_id: string; conversation_id: string };
          acked.push(answer.turn_id);
          conversation = answer.conversation_id;
        }
        ackedBy.set(shape, (ackedBy.get(shape) ?? 0) + 1);
        onAck();
      } catch {
        return; // the server is gone
      }
    }
  }

  it(
    'loses none of them, kill after kill',
    async () => {
      const acked: string[] = [];
      for (let round = 0; round < 2; round++) {
        const base = await start();
        const stop = new AbortController();
        let reached!: () => void;
        const enough = new Promise<void>((resolve) => {
          reached = resolve;
        });
        const before = acked.length;
        const clients = Array.from({ length: CLIENTS }, (_, index) =>
          client(
            base,
            index,
            acked,
            () => {
              if (acked.length - before >= ACKS_BEFORE_KILL) reached();
            },
            stop.signal,
          ),
        );
        await enough;
        const child = server!.child;
        child.kill('SIGKILL');
        await once(child, 'exit');
        stop.abort();
        await Promise.all(clients);
      }
      // Started again on the same data: every acknowledged turn is stored.
      const base = await start();
      const missing: string[] = [];
      for (const turnId of acked) {
        const response = await fetch(`${base}/v1/turns/${turnId}/trace`);
        if (response.status !== 200) missing.push(turnId);
      }
      expect(acked.length).toBeGreaterThanOrEqual(2 * ACKS_BEFORE_KILL);
      for (const shape of SHAPES) expect(ackedBy.get(shape), shape).toBeGreaterThan(0);
      expect(missing).toEqual([]);
    },
    cliTestTimeout(4),
  );
});
