// The load generator of bench/load.ts, in a process of its own so that parsing hundreds of SSE
// streams does not share an event loop with the servers measured or with the orchestrator reading
// /proc. Closed loop: each virtual user holds a conversation of several turns, sends its next
// turn when the previous reply has ended (after an optional think time), then starts a new
// conversation. Started as `node --import tsx load-generator-process.ts` with an IPC channel; the
// protocol is in bench/support/load-protocol.ts. Exits when the parent goes away.
//
// HTTP is node:http with a keep-alive agent of its own without a socket limit (Node's default
// maxSockets is unlimited; set explicitly, as the benchmark's premise), so 500 users hold 500
// streams at once; the agent is destroyed at the end of a run, closing every connection.
import { Agent, request } from 'node:http';
import { createHistogram, monitorEventLoopDelay } from 'node:perf_hooks';
import type { Distribution, LoadCommand, LoadMessage, LoadResult, LoadSpec } from './load-protocol.js';
import { percentile } from './percentiles.js';
import { SseParser } from './sse-parser.js';

const SYSTEM_PROMPT = 'You answer questions about Fastify.';

interface TurnOutcome {
  /** When the first event of the response arrived (Parley's `meta`; a proxy's first chunk). */
  firstEventAt?: number;
  firstTokenAt?: number;
  /** `done.mode` (parley protocol) or `generated`. */
  mode: string;
  text: string;
  conversationId?: string;
}

class TurnError extends Error {}

interface ChatMessage {
  role: 'system' | 'user' | 'assistant';
  content: string;
}

const send = (message: LoadMessage) => process.send?.(message);

class LoadRun {
  readonly agent = new Agent({ keepAlive: true, maxSockets: Number.POSITIVE_INFINITY });
  stopping = false;
  windowStart: number | undefined;
  windowEnd: number | undefined;
  readonly inFlight = new Set<{
    abort: (reason: Error) => void;
    startedAt: number;
    outcome: TurnOutcome;
  }>();
  inFlightAtEnd = { total: 0, startedBeforeWindow: 0, oldestMs: 0 };
  ttftLowerBoundsMs: number[] = [];
  readonly users: Promise<void>[] = [];

  // Figures of the window.
  turnsCompleted = 0;
  turnsStarted = 0;
  turnsOk = 0;
  conversationsCompleted = 0;
  readonly ttftMs: number[] = [];
  /** Request start → the response's first event, same turns as `ttftMs`, in ms. */
  readonly firstEventMs: number[] = [];
  readonly turnMs: number[] = [];
  readonly ttftByTurn: number[][] = [];
  readonly gaps = createHistogram({ lowest: 1, highest: 600_000_000, figures: 3 });
  readonly errors: Record<string, number> = {};
  readonly modes: Record<string, number> = {};
  readonly clientLoop = monitorEventLoopDelay({ resolution: 10 });
  cpuAtStart = process.cpuUsage();
  clientCpuMs = 0;

  constructor(readonly spec: LoadSpec) {}

  inWindow(at: number): boolean {
    return this.windowStart !== undefined && at >= this.windowStart && (this.windowEnd ?? Infinity) > at;
  }

  start(): void {
    const { concurrency, rampMs } = this.spec;
    for (let user = 0; user < concurrency; user++) {
      this.users.push(this.user(user, (user * rampMs) / concurrency));
    }
  }

  async user(index: number, delayMs: number): Promise<void> {
    const { questions, turnsPerConversation, thinkMs } = this.spec;
    await sleep(delayMs);
    let asked = index * turnsPerConversation;
    while (!this.stopping) {
      const history: ChatMessage[] = [{ role: 'system', content: SYSTEM_PROMPT }];
      let conversationId: string | undefined;
      let turn = 0;
      for (; turn < turnsPerConversation && !this.stopping; turn++) {
        const question = questions[asked++ % questions.length]!;
        history.push({ role: 'user', content: question });
        const outcome = await this.turn(turn, history, question, conversationId);
        if (!outcome) {
          // A failed turn ends the conversation; a short pause keeps a failing server from being
          // flooded with instant retries.
          await sleep(100);
          break;
        }
        history.push({ role: 'assistant', content: outcome.text });
        conversationId ??= outcome.conversationId;
        if (thinkMs > 0 && !this.stopping) await sleep(thinkMs);
      }
      if (turn === turnsPerConversation) this.conversationsCompleted++;
    }
  }

  /** One turn; records it if it started in the window; undefined when it failed. */
  async turn(
    position: number,
    history: ChatMessage[],
    question: string,
    conversationId: string | undefined,
  ): Promise<TurnOutcome | undefined> {
    const startedAt = performance.now();
    const counted = this.inWindow(startedAt);
    if (counted) this.turnsStarted++;
    const tokenTimes: number[] = [];
    try {
      const outcome = await this.exchange(history, question, conversationId, tokenTimes);
      const endedAt = performance.now();
      if (this.inWindow(endedAt)) this.turnsCompleted++;
      if (counted) {
        this.turnsOk++;
        this.modes[outcome.mode] = (this.modes[outcome.mode] ?? 0) + 1;
        // Only answers the model generated have a model latency to add to (Parley answers
        // `not_found` without a model call when nothing relevant was retrieved).
        if (outcome.mode === 'generated' && outcome.firstTokenAt !== undefined) {
          const ttft = outcome.firstTokenAt - startedAt;
          this.ttftMs.push(ttft);
          if (outcome.firstEventAt !== undefined) this.firstEventMs.push(outcome.firstEventAt - startedAt);
          this.turnMs.push(endedAt - startedAt);
          this.ttftByTurn[position] ??= [];
          this.ttftByTurn[position].push(ttft);
          for (let i = 1; i < tokenTimes.length; i++) {
            this.gaps.record(Math.max(1, Math.round((tokenTimes[i]! - tokenTimes[i - 1]!) * 1000)));
          }
        }
      }
      return outcome;
    } catch (error) {
      if (counted) {
        const key = error instanceof TurnError ? error.message : `${(error as Error).message}`.slice(0, 120);
        this.errors[key] = (this.errors[key] ?? 0) + 1;
      }
      return undefined;
    }
  }

  /** Sends one turn and reads its stream to the end. */
  exchange(
    history: ChatMessage[],
    question: string,
    conversationId: string | undefined,
    tokenTimes: number[],
  ): Promise<TurnOutcome> {
    const { target, turnTimeoutMs } = this.spec;
    const openai = target.protocol === 'openai';
    const url = new URL(openai ? `${target.baseUrl}/chat/completions` : `${target.baseUrl}/v1/chat`);
    const body = JSON.stringify(
      openai
        ? { model: target.model, stream: true, messages: history }
        : { message: question, stream: true, ...(conversationId ? { conversation_id: conversationId } : {}) },
    );
    return new Promise<TurnOutcome>((resolve, reject) => {
      const outcome: TurnOutcome = { mode: openai ? 'generated' : '', text: '' };
      let finished = false;
      let abortedBy: Error | undefined;
      const handle = {
        startedAt: performance.now(),
        outcome,
        abort: (reason: Error) => {
          abortedBy = reason;
          req.destroy(reason);
        },
      };
      this.inFlight.add(handle);
      const timer = setTimeout(() => handle.abort(new TurnError('timeout')), turnTimeoutMs);
      const settle = (error?: Error) => {
        clearTimeout(timer);
        this.inFlight.delete(handle);
        if (error) reject(abortedBy ?? error);
        else resolve(outcome);
      };
      const req = request(
        url,
        {
          method: 'POST',
          agent: this.agent,
          headers: {
            'content-type': 'application/json',
            'content-length': Buffer.byteLength(body),
            accept: 'text/event-stream',
            ...target.headers,
          },
        },
        (response) => {
          if (response.statusCode !== 200) {
            const chunks: Buffer[] = [];
            response.on('data', (chunk: Buffer) => chunks.push(chunk));
            response.on('end', () => {
              const text = Buffer.concat(chunks).toString('utf8');
              const code = /"code"\s*:\s*"([^"]+)"/.exec(text)?.[1] ?? '';
              const message = /"message"\s*:\s*"([^"]{0,80})/.exec(text)?.[1] ?? '';
              settle(new TurnError(`HTTP ${response.statusCode} ${code} ${message}`.trim()));
            });
            return;
          }
          const parser = new SseParser();
          response.on('data', (chunk: Buffer) => {
            const at = performance.now();
            for (const event of parser.push(chunk, at)) {
              outcome.firstEventAt ??= at;
              if (openai) {
                if (event.data === '[DONE]') {
                  finished = true;
                  continue;
                }
                const delta = (
                  JSON.parse(event.data) as { choices?: { delta?: { content?: string | null } }[] }
                ).choices?.[0]?.delta?.content;
                if (delta) {
                  outcome.firstTokenAt ??= at;
                  outcome.text += delta;
                  tokenTimes.push(at);
                }
              } else if (event.event === 'token') {
                outcome.firstTokenAt ??= at;
                outcome.text += (JSON.parse(event.data) as { text: string }).text;
                tokenTimes.push(at);
              } else if (event.event === 'meta') {
                outcome.conversationId = (
                  JSON.parse(event.data) as { conversation_id?: string }
                ).conversation_id;
              } else if (event.event === 'done') {
                finished = true;
                outcome.mode = (JSON.parse(event.data) as { mode?: string }).mode ?? 'unknown';
              } else if (event.event === 'error') {
                const code = /"code"\s*:\s*"([^"]+)"/.exec(event.data)?.[1] ?? 'error';
                const message = /"message"\s*:\s*"([^"]{0,80})/.exec(event.data)?.[1] ?? '';
                response.destroy(new TurnError(`error event ${code} ${message}`.trim()));
              }
            }
          });
          response.on('end', () => settle(finished ? undefined : new TurnError('stream ended early')));
          response.on('error', (error) => settle(error));
          response.on('close', () => {
            if (!response.complete) settle(new TurnError('connection closed'));
          });
        },
      );
      req.on('error', (error) =>
        settle(error instanceof TurnError ? error : new TurnError(errorKind(error))),
      );
      req.end(body);
    });
  }

  mark(): void {
    const now = performance.now();
    if (this.windowStart === undefined) {
      this.windowStart = now;
      this.clientLoop.enable();
      this.cpuAtStart = process.cpuUsage();
    } else {
      this.windowEnd = now;
      this.clientLoop.disable();
      const starts = [...this.inFlight].map((handle) => handle.startedAt);
      for (const handle of this.inFlight) {
        if (handle.startedAt < (this.windowStart ?? now) && handle.outcome.firstTokenAt === undefined)
          this.ttftLowerBoundsMs.push(now - handle.startedAt);
      }
      this.inFlightAtEnd = {
        total: starts.length,
        startedBeforeWindow: starts.filter((at) => at < (this.windowStart ?? now)).length,
        oldestMs: starts.length > 0 ? now - Math.min(...starts) : 0,
      };
      const cpu = process.cpuUsage(this.cpuAtStart);
      this.clientCpuMs = (cpu.user + cpu.system) / 1000;
    }
  }

  async stop(drainMs: number): Promise<LoadResult> {
    this.stopping = true;
    const drained = Promise.all(this.users);
    const timer = setTimeout(() => {
      for (const handle of this.inFlight) handle.abort(new TurnError('timeout'));
    }, drainMs);
    await drained;
    clearTimeout(timer);
    this.agent.destroy();
    return this.result();
  }

  result(): LoadResult {
    const gaps = this.gaps;
    const ms = (us: number) => us / 1000;
    const gapMs: Distribution = {
      count: gaps.count,
      p50: ms(gaps.percentile(50)),
      p90: ms(gaps.percentile(90)),
      p99: ms(gaps.percentile(99)),
      max: ms(gaps.max),
    };
    const windowMs = (this.windowEnd ?? performance.now()) - (this.windowStart ?? performance.now());
    return {
      windowMs,
      turnsCompleted: this.turnsCompleted,
      turnsStarted: this.turnsStarted,
      turnsOk: this.turnsOk,
      ttftMs: this.ttftMs,
      firstEventMs: this.firstEventMs,
      turnMs: this.turnMs,
      ttftP50ByTurn: this.ttftByTurn.map((list) =>
        percentile(
          [...list].sort((a, b) => a - b),
          50,
        ),
      ),
      gapMs,
      errors: this.errors,
      modes: this.modes,
      conversationsCompleted: this.conversationsCompleted,
      clientLoopP99Ms: this.clientLoop.percentile(99) / 1e6,
      clientCpuMs: this.clientCpuMs,
      inFlightAtEnd: this.inFlightAtEnd,
      ttftLowerBoundsMs: this.ttftLowerBoundsMs,
    };
  }
}

function errorKind(error: Error): string {
  const code = (error as NodeJS.ErrnoException).code;
  return code ?? error.message.slice(0, 80);
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

if (typeof process.send !== 'function') {
  process.stderr.write('load-generator-process: start me with an IPC channel (bench/load.ts does)\n');
  process.exit(2);
}

let run: LoadRun | undefined;
process.on('message', (command: LoadCommand) => {
  if (command.type === 'run') {
    run = new LoadRun(command.spec);
    run.start();
    send({ type: 'running' });
  } else if (command.type === 'mark') {
    run?.mark();
    send({ type: 'marked', id: command.id });
  } else if (command.type === 'stop') {
    const current = run;
    run = undefined;
    if (!current) return send({ type: 'error', message: 'stop without a run' });
    current
      .stop(command.drainMs)
      .then((result) => send({ type: 'result', id: command.id, result }))
      .catch((error: Error) => send({ type: 'error', message: error.stack ?? error.message }));
  }
});
process.on('disconnect', () => process.exit(0));
