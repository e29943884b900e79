// The model chain: the primary model first, then each fallback in order. A model is skipped
// while its circuit breaker is open (cockatiel: opens after consecutive failures, half-opens
// to probe) or while it asked us to wait (Retry-After). The next model takes over on 429, 5xx,
// 529, a timeout, or a stream that breaks before its first token. Once a model has produced a
// token the chain is committed to it: a later break ends the stream with an error instead of
// silently restarting with another model's words.

import { APICallError } from 'ai';
import {
  BrokenCircuitError,
  type CircuitBreakerPolicy,
  CircuitState,
  ConsecutiveBreaker,
  circuitBreaker,
  ExponentialBackoff,
  handleWhen,
  type IPolicy,
  retry,
  wrap,
} from 'cockatiel';
import { isParleyError, ParleyError } from '../../errors/index.js';
import type { ChatModel, GenerationRequest, TokenUsage } from './types.js';

export interface ChainOptions {
  /** No first token within this time: give up on this model (default 10 s). */
  firstTokenTimeoutMs?: number;
  /** The whole generation must end within this time (default 120 s). */
  totalTimeoutMs?: number;
  /** Consecutive failures that open a model's circuit (default 3). */
  breakerThreshold?: number;
  /** How long an open circuit waits before a half-open probe (default 30 s). */
  halfOpenAfterMs?: number;
  /** Attempts for the last model in the chain, which has nothing to fall back to (default 2). */
  lastModelAttempts?: number;
  /**
   * After the answer's first piece of text, the pieces that arrive within this time of the last
   * one handed on are handed on together, as one piece (default 0: each as it comes). Everything
   * after the model (the output guard, the turn's record, the stream's events and writes) then runs
   * once per interval instead of once per token; the first piece, and the last, never wait.
   */
  paceMs?: number;
}

/** What a wait for the next piece of text returns when the interval ended first. */
const INTERVAL_OVER = Symbol('interval over');

/** One try of one model, for the trace and the metrics. */
export interface Attempt {
  model: string;
  outcome: 'answered' | 'failed' | 'skipped';
  error?: string;
  status?: number;
  ms: number;
  /** When the attempt began (epoch ms, sub-millisecond), for spans. */
  at: number;
}

export type ChainEvent =
  | { type: 'model'; model: string; attempts: Attempt[] }
  | { type: 'text'; text: string }
  | { type: 'done'; model: string; usage: TokenUsage; attempts: Attempt[] };

/** A model call whose caller cancelled it before its first token (not the model's failure). */
class CallerCancelled extends Error {
  constructor(cause: unknown) {
    super('cancelled by the caller', { cause });
  }
}

/** Every model failed before producing a token; `attempts` says how. */
export class ModelsUnavailableError extends ParleyError {
  constructor(readonly attempts: Attempt[]) {
    super(
      'PARLEY_ERR_DEPENDENCY',
      `no model answered: ${attempts.map((a) => `${a.model} ${a.error}`).join('; ')}`,
      {
        isRetryable: true,
      },
    );
  }
}

/**
 * One model as the whole process shares it: its client, its circuit breaker (per provider and
 * model, whichever chains and bots use it) and its Retry-After cool-down.
 */
export interface ModelSlot {
  model: ChatModel;
  breaker: CircuitBreakerPolicy;
  /** Epoch ms before which the provider asked not to be called again (Retry-After). */
  coolDownUntil: number;
}

/** A shared slot for `model`: its breaker opens after consecutive failures and half-opens to probe. */
export function modelSlot(
  model: ChatModel,
  options: Pick<ChainOptions, 'breakerThreshold' | 'halfOpenAfterMs'> = {},
): ModelSlot {
  // A call its caller cancelled (the client left, or the answer was refused meanwhile) says
  // nothing about the model: it does not count towards opening the circuit.
  const breaker = circuitBreaker(
    handleWhen((error) => !(error instanceof CallerCancelled)),
    {
      halfOpenAfter: options.halfOpenAfterMs ?? 30_000,
      breaker: new ConsecutiveBreaker(options.breakerThreshold ?? 3),
    },
  );
  return { model, breaker, coolDownUntil: 0 };
}

interface Entry {
  slot: ModelSlot;
  policy: IPolicy;
}

const epochNow = () => performance.timeOrigin + performance.now();

const isRetryable = (error: Error) => isParleyError(error) && error.isRetryable;

function apiCallErrorOf(error: unknown): APICallError | undefined {
  for (let current = error; current; current = (current as { cause?: unknown }).cause) {
    if (APICallError.isInstance(current)) return current;
    if (typeof current !== 'object') return undefined;
  }
  return undefined;
}

/** Milliseconds the provider asked us to wait (retry-after-ms, or Retry-After in seconds or as a date). */
export function retryAfterMs(error: unknown): number | undefined {
  const headers = apiCallErrorOf(error)?.responseHeaders ?? {};
  const ms = Number(headers['retry-after-ms']);
  if (Number.isFinite(ms) && ms > 0) return ms;
  const value = headers['retry-after'];
  if (!value) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now());
}

function timeoutError(model: string, what: string, ms: number): ParleyError {
  return new ParleyError('PARLEY_ERR_DEPENDENCY', `model ${model}: ${what} within ${ms} ms`, {
    isRetryable: true,
  });
}

export interface ModelState {
  model: string;
  state: 'closed' | 'open' | 'half-open' | 'isolated';
}

const STATE_NAMES = {
  [CircuitState.Closed]: 'closed',
  [CircuitState.Open]: 'open',
  [CircuitState.HalfOpen]: 'half-open',
  [CircuitState.Isolated]: 'isolated',
} as const;

export const slotState = (slot: ModelSlot): ModelState => ({
  model: slot.model.id,
  state: STATE_NAMES[slot.breaker.state],
});

export class ModelChain {
  private readonly entries: Entry[];
  private readonly firstTokenTimeoutMs: number;
  private readonly totalTimeoutMs: number;
  private readonly paceMs: number;

  /** `models`: shared slots (see ModelCatalog), or bare models that get slots of their own. */
  constructor(models: (ModelSlot | ChatModel)[], options: ChainOptions = {}) {
    this.firstTokenTimeoutMs = options.firstTokenTimeoutMs ?? 10_000;
    this.totalTimeoutMs = options.totalTimeoutMs ?? 120_000;
    this.paceMs = options.paceMs ?? 0;
    this.entries = models.map((item, index) => {
      const slot = 'breaker' in item ? item : modelSlot(item, options);
      const isLast = index === models.length - 1;
      // Only the last model retries (jittered exponential backoff): earlier ones hand over to
      // the next model at once, which is faster for the user than waiting.
      const policy = isLast
        ? wrap(
            retry(handleWhen(isRetryable), {
              maxAttempts: Math.max(0, (options.lastModelAttempts ?? 2) - 1),
              backoff: new ExponentialBackoff({ initialDelay: 250, maxDelay: 2_000 }),
            }),
            slot.breaker,
          )
        : slot.breaker;
      return { slot, policy };
    });
  }

  get models(): string[] {
    return this.entries.map((entry) => entry.slot.model.id);
  }

  /** Circuit state per model, for metrics and /readyz. */
  states(): ModelState[] {
    return this.entries.map((entry) => slotState(entry.slot));
  }

  /** `exclude`: models not to try this time (one that already broke off in this turn). */
  async *stream(
    request: GenerationRequest,
    options: { exclude?: readonly string[] } = {},
  ): AsyncGenerator<ChainEvent> {
    const attempts: Attempt[] = [];
    for (const entry of this.entries) {
      const { slot } = entry;
      const id = slot.model.id;
      if (options.exclude?.includes(id)) continue;
      if (slot.coolDownUntil > Date.now()) {
        attempts.push({
          model: id,
          outcome: 'skipped',
          error: 'waiting for Retry-After',
          ms: 0,
          at: epochNow(),
        });
        continue;
      }
      const started = performance.now();
      let controller = new AbortController();
      let generator: AsyncGenerator<string, TokenUsage> | undefined;
      let first: IteratorResult<string, TokenUsage>;
      try {
        first = await entry.policy.execute(async () => {
          await generator?.return(undefined as never).catch(() => {});
          // A fresh controller per attempt: an earlier attempt's timeout must not cancel this one.
          controller = new AbortController();
          const signal = request.signal
            ? AbortSignal.any([request.signal, controller.signal])
            : controller.signal;
          generator = slot.model.stream({ ...request, signal });
          const timer = setTimeout(
            () => controller.abort(timeoutError(id, 'no first token', this.firstTokenTimeoutMs)),
            this.firstTokenTimeoutMs,
          );
          try {
            return await generator.next();
          } catch (error) {
            if (request.signal?.aborted) throw new CallerCancelled(error);
            throw controller.signal.aborted ? controller.signal.reason : error;
          } finally {
            clearTimeout(timer);
          }
        });
      } catch (error) {
        if (request.signal?.aborted) throw request.signal.reason;
        const wait = retryAfterMs(error);
        if (wait) slot.coolDownUntil = Date.now() + wait;
        attempts.push({
          model: id,
          outcome: error instanceof BrokenCircuitError ? 'skipped' : 'failed',
          error: error instanceof BrokenCircuitError ? 'circuit open' : (error as Error).message,
          status: apiCallErrorOf(error)?.statusCode,
          ms: performance.now() - started,
          at: performance.timeOrigin + started,
        });
        continue;
      }

      attempts.push({
        model: id,
        outcome: 'answered',
        ms: performance.now() - started,
        at: performance.timeOrigin + started,
      });
      yield { type: 'model', model: id, attempts };
      const total = setTimeout(
        () => controller.abort(timeoutError(id, 'generation did not finish', this.totalTimeoutMs)),
        this.totalTimeoutMs,
      );
      let read = false;
      try {
        const usage = yield* this.paced(generator!, first);
        read = true;
        yield { type: 'done', model: id, usage, attempts };
        return;
      } catch (error) {
        if (request.signal?.aborted) throw request.signal.reason;
        const cause = controller.signal.aborted ? controller.signal.reason : error;
        throw new ParleyError(
          'PARLEY_ERR_DEPENDENCY',
          `the answer from ${id} broke off: ${(cause as Error).message}`,
          {
            cause,
            isRetryable: true,
          },
        );
      } finally {
        clearTimeout(total);
        // A reader that stopped early may leave a read in flight (see `paced`): the request is
        // cancelled first, so that closing the model's stream does not wait for its next piece.
        if (!read && !controller.signal.aborted) {
          controller.abort(new CallerCancelled(new Error('the answer was closed')));
        }
        await generator?.return(undefined as never).catch(() => {});
      }
    }
    throw new ModelsUnavailableError(attempts);
  }

  /**
   * The model's text from `first` on, paced (see `paceMs`): a piece arriving less than the
   * interval after the last one handed on waits, with those after it, until the interval is over
   * or the answer ends. Returns the model's usage. Text received before the stream broke is handed
   * on before the error.
   */
  private async *paced(
    generator: AsyncGenerator<string, TokenUsage>,
    first: IteratorResult<string, TokenUsage>,
  ): AsyncGenerator<ChainEvent, TokenUsage> {
    let step = first;
    let held = '';
    let handedAt = Number.NEGATIVE_INFINITY;
    let next: Promise<IteratorResult<string, TokenUsage>> | undefined;
    while (!step.done) {
      held += step.value;
      const wait = handedAt + this.paceMs - performance.now();
      if (held && wait <= 0) {
        yield { type: 'text', text: held };
        held = '';
        handedAt = performance.now();
      }
      next = generator.next();
      // Left unread when the reader stops while it is in flight: its failure (the cancelled
      // request) is expected then, not unhandled.
      next.catch(() => {});
      if (!held) {
        step = await next;
        continue;
      }
      let timer: NodeJS.Timeout | undefined;
      let raced: IteratorResult<string, TokenUsage> | typeof INTERVAL_OVER;
      try {
        raced = await Promise.race([
          next,
          new Promise<typeof INTERVAL_OVER>((resolve) => {
            timer = setTimeout(resolve, Math.max(0, wait), INTERVAL_OVER);
          }),
        ]);
      } catch (error) {
        yield { type: 'text', text: held };
        throw error;
      } finally {
        clearTimeout(timer);
      }
      if (raced === INTERVAL_OVER) {
        yield { type: 'text', text: held };
        held = '';
        handedAt = performance.now();
        step = await next;
      } else {
        step = raced;
      }
    }
    if (held) yield { type: 'text', text: held };
    return step.value;
  }
}
