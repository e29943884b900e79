// The toolbox: every tool call passes here, whichever source runs it. Before the call, the
// arguments are parsed and checked against the tool's schema (a call that fails never reaches
// the tool: the model reads why); around it, a per-tool concurrency limit with a short queue, a
// circuit breaker that opens after consecutive faults, and a timeout that aborts the call; after
// it, the result capped in size. The process shares one toolbox, so a tool that is down stops
// being called for every turn at once. cockatiel gives the breaker and the bulkhead (as it does
// for the model chain).

import {
  BrokenCircuitError,
  type BulkheadPolicy,
  BulkheadRejectedError,
  bulkhead,
  type CircuitBreakerPolicy,
  CircuitState,
  ConsecutiveBreaker,
  circuitBreaker,
  handleAll,
} from 'cockatiel';
import { LRUCache } from 'lru-cache';
import { schemaErrors, schemaValidator } from './json-schema.js';
import type { Tool, ToolCallContext } from './tool-types.js';

export interface ToolboxOptions {
  /** Longest a call may take when its tool sets no timeout (ms). */
  defaultTimeoutMs: number;
  /** Characters of a result the model reads; the rest is cut with a note. */
  maxResultChars: number;
  /** Calls of one tool at once in this process; more wait in a queue of `queue`, then are refused. */
  concurrency: number;
  queue: number;
  /** Consecutive faults (thrown, timed out) that open a tool's circuit. */
  breakerThreshold: number;
  /** How long an open circuit waits before one call may probe it (ms). */
  halfOpenAfterMs: number;
}

export const DEFAULT_TOOLBOX_OPTIONS: ToolboxOptions = {
  defaultTimeoutMs: 10_000,
  maxResultChars: 16_000,
  concurrency: 8,
  queue: 32,
  breakerThreshold: 5,
  halfOpenAfterMs: 30_000,
};

/**
 * How a call ended. `ok` and `tool_error` reached the tool (which may report a failure itself);
 * the rest did not finish there: arguments the schema refuses, an unknown tool, a timeout, a
 * fault of the tool or its transport, an open circuit, or no room.
 */
export type ToolOutcome =
  | 'ok'
  | 'tool_error'
  | 'invalid_arguments'
  | 'unknown_tool'
  | 'timeout'
  | 'failed'
  | 'circuit_open'
  | 'busy';

/** One call as run: what the model reads back, and for the trace how it went. */
export interface ToolRun {
  readonly outcome: ToolOutcome;
  /** What the model reads as the call's result. */
  readonly content: string;
  /** The parsed arguments (undefined when they were not JSON). */
  readonly args: Record<string, unknown> | undefined;
  /** Time from the call's start to its end, queueing included (ms). */
  readonly ms: number;
  /** Time inside the tool itself (its source's call), 0 when it was not called (ms). */
  readonly toolMs: number;
  /** Characters the result had before the cap. */
  readonly resultChars: number;
  readonly truncated: boolean;
  /** Why it failed, for the trace (never shown to the user). */
  readonly error?: string;
}

interface Guarded {
  breaker: CircuitBreakerPolicy;
  bulkhead: BulkheadPolicy;
}

class ToolTimeoutError extends Error {}

export class Toolbox {
  private readonly options: ToolboxOptions;
  /** Per tool (by source and name): bounded, a tool not called for long is forgotten. */
  private readonly guards = new LRUCache<string, Guarded>({ max: 10_000 });

  constructor(options: Partial<ToolboxOptions> = {}) {
    this.options = { ...DEFAULT_TOOLBOX_OPTIONS, ...options };
  }

  /** Whether `key`'s circuit is open (the tool is skipped until a probe succeeds). */
  isOpen(key: string): boolean {
    return this.guards.get(key)?.breaker.state === CircuitState.Open;
  }

  /**
   * Runs one call the model asked for. `key` names the tool across the process (its source and
   * name); `argumentsText` is the JSON the model wrote. Never throws: every failure is an outcome
   * whose content tells the model what happened.
   */
  async run(
    key: string,
    tool: Tool | undefined,
    call: { name: string; arguments: string },
    context: ToolCallContext,
  ): Promise<ToolRun> {
    const started = performance.now();
    let toolMs = 0;
    const ended = (
      run: Omit<ToolRun, 'ms' | 'toolMs' | 'resultChars' | 'truncated'> & {
        resultChars?: number;
        truncated?: boolean;
      },
    ): ToolRun => ({
      resultChars: run.content.length,
      truncated: false,
      ...run,
      ms: performance.now() - started,
      toolMs,
    });
    if (!tool) {
      return ended({
        outcome: 'unknown_tool',
        args: undefined,
        content: `There is no tool named ${JSON.stringify(call.name)}. Use only the tools offered.`,
        error: 'unknown tool',
      });
    }
    const parsed = parseArguments(call.arguments);
    if (typeof parsed === 'string') {
      return ended({
        outcome: 'invalid_arguments',
        args: undefined,
        content: `Invalid arguments for ${tool.name}: ${parsed}. Call it again with a JSON object matching its parameters.`,
        error: parsed,
      });
    }
    const validate = schemaValidator(tool.parameters);
    if (!validate(parsed)) {
      const why = schemaErrors(validate);
      return ended({
        outcome: 'invalid_arguments',
        args: parsed,
        content: `Invalid arguments for ${tool.name}: ${why}. Call it again with arguments matching its parameters.`,
        error: why,
      });
    }
    const guarded = this.guarded(key);
    const timeoutMs = tool.timeoutMs ?? this.options.defaultTimeoutMs;
    try {
      const output = await guarded.bulkhead.execute(() =>
        guarded.breaker.execute(async () => {
          const calling = performance.now();
          try {
            return await withTimeout(tool, parsed, context, timeoutMs);
          } finally {
            toolMs = performance.now() - calling;
          }
        }),
      );
      const { text, truncated } = capped(output.text, this.options.maxResultChars);
      return ended({
        outcome: output.isError ? 'tool_error' : 'ok',
        args: parsed,
        content: text,
        resultChars: output.text.length,
        truncated,
      });
    } catch (error) {
      if (error instanceof BrokenCircuitError) {
        return ended({
          outcome: 'circuit_open',
          args: parsed,
          content: `${tool.name} is unavailable right now (it failed repeatedly). Answer without it.`,
          error: 'circuit open',
        });
      }
      if (error instanceof BulkheadRejectedError) {
        return ended({
          outcome: 'busy',
          args: parsed,
          content: `${tool.name} is too busy right now. Answer without it.`,
          error: 'too many calls at once',
        });
      }
      if (error instanceof ToolTimeoutError) {
        return ended({
          outcome: 'timeout',
          args: parsed,
          content: `${tool.name} did not answer within ${timeoutMs} ms. Answer without it or try once more.`,
          error: `timed out after ${timeoutMs} ms`,
        });
      }
      const message = error instanceof Error ? error.message : String(error);
      return ended({
        outcome: 'failed',
        args: parsed,
        content: `${tool.name} failed. Answer without it or try once more.`,
        error: message,
      });
    }
  }

  private guarded(key: string): Guarded {
    let guarded = this.guards.get(key);
    if (!guarded) {
      guarded = {
        breaker: circuitBreaker(handleAll, {
          halfOpenAfter: this.options.halfOpenAfterMs,
          breaker: new ConsecutiveBreaker(this.options.breakerThreshold),
        }),
        bulkhead: bulkhead(this.options.concurrency, this.options.queue),
      };
      this.guards.set(key, guarded);
    }
    return guarded;
  }
}

/** The model's argument text as an object, or why it is not one. */
function parseArguments(text: string): Record<string, unknown> | string {
  let value: unknown;
  try {
    value = JSON.parse(text === '' ? '{}' : text);
  } catch {
    return 'the arguments are not valid JSON';
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    return 'the arguments are not a JSON object';
  return value as Record<string, unknown>;
}

/**
 * The call, aborted after `timeoutMs` or when the turn ends. A source that ignores its signal
 * still loses the race: the turn moves on and the late result is dropped.
 */
function withTimeout(
  tool: Tool,
  args: Record<string, unknown>,
  context: ToolCallContext,
  timeoutMs: number,
): Promise<{ text: string; isError: boolean }> {
  const controller = new AbortController();
  const signal = AbortSignal.any([controller.signal, context.signal]);
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const error = new ToolTimeoutError(`timed out after ${timeoutMs} ms`);
      controller.abort(error);
      reject(error);
    }, timeoutMs);
  });
  let onAbort: (() => void) | undefined;
  const aborted = new Promise<never>((_, reject) => {
    onAbort = () => reject(context.signal.reason);
    if (context.signal.aborted) onAbort();
    else context.signal.addEventListener('abort', onAbort, { once: true });
  });
  aborted.catch(() => {});
  return Promise.race([tool.call(args, { ...context, signal }), timedOut, aborted]).finally(() => {
    clearTimeout(timer);
    if (onAbort) context.signal.removeEventListener('abort', onAbort);
  });
}

/** At most `max` characters, with a note of how many were cut. */
function capped(text: string, max: number): { text: string; truncated: boolean } {
  if (text.length <= max) return { text, truncated: false };
  return {
    text: `${text.slice(0, max)}\n[truncated: ${text.length - max} more characters]`,
    truncated: true,
  };
}
