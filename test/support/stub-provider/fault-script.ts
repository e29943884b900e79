// The scripted misbehaviour of the stub: a queue of faults, each consumed by the next request it
// applies to.

/** Which requests a fault is meant for. */
export interface FaultTarget {
  /**
   * Only a request to this path takes the fault (e.g. `/v1/messages`); others pass it by, so a
   * test can fail the chat call of a turn without failing its query embedding. Default: any path.
   */
  path?: string;
}

/** Answer with an error status (and optionally the retry headers the providers send). */
export interface FailFault extends FaultTarget {
  kind: 'fail';
  status: number;
  /** Sent as `Retry-After` (seconds). */
  retryAfterSeconds?: number;
  /** Sent as `retry-after-ms`, which OpenAI also sends and the AI SDK prefers. */
  retryAfterMs?: number;
  message?: string;
}

/** Never answer, not even the headers: the request stays open until the client gives up (or the stub closes). */
export interface HangFault extends FaultTarget {
  kind: 'hang';
}

/** Answer normally, but only after a pause. */
export interface DelayFault extends FaultTarget {
  kind: 'delay';
  ms: number;
}

/**
 * Answer normally once the test releases the request (the event it waits for, instead of a guessed
 * delay): from the start, or after `afterTokens` tokens of a stream.
 */
export interface HoldFault extends FaultTarget {
  kind: 'hold';
  released: Promise<void>;
  afterTokens?: number;
  /** Called when a stream reaches its hold (its first `afterTokens` tokens written). */
  onReached?: () => void;
}

/**
 * Start answering, then destroy the socket: a stream after `afterTokens` tokens (no closing
 * events, no `[DONE]`); a JSON answer halfway through its body.
 */
export interface CutFault extends FaultTarget {
  kind: 'cut';
  afterTokens: number;
}

export type Fault = FailFault | HangFault | DelayFault | HoldFault | CutFault;

export class FaultScript {
  readonly #queue: Fault[] = [];

  add(fault: Fault, times: number): void {
    for (let i = 0; i < times; i += 1) this.#queue.push(fault);
  }

  /** The fault for a request to `path` that just arrived, if one is scripted for it. */
  take(path: string): Fault | undefined {
    const index = this.#queue.findIndex((fault) => fault.path === undefined || fault.path === path);
    return index === -1 ? undefined : this.#queue.splice(index, 1)[0];
  }

  clear(): void {
    this.#queue.length = 0;
  }
}
