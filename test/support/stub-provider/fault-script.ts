// The scripted misbehaviour of the stub: a queue of faults, each consumed by the next request.

/** Answer with an error status (and optionally the retry headers OpenAI sends). */
export interface FailFault {
  kind: 'fail';
  status: number;
  /** Sent as `Retry-After` (seconds). */
  retryAfterSeconds?: number;
  /** Sent as `retry-after-ms`, which OpenAI also sends and the AI SDK prefers. */
  retryAfterMs?: number;
  message?: string;
}

/** Never answer: the request stays open until the client gives up (or the stub closes). */
export interface HangFault {
  kind: 'hang';
}

/** Answer normally, but only after a pause. */
export interface DelayFault {
  kind: 'delay';
  ms: number;
}

export type Fault = FailFault | HangFault | DelayFault;

export class FaultScript {
  readonly #queue: Fault[] = [];

  add(fault: Fault, times: number): void {
    for (let i = 0; i < times; i += 1) this.#queue.push(fault);
  }

  /** The fault for the request that just arrived, if any is scripted. */
  take(): Fault | undefined {
    return this.#queue.shift();
  }

  clear(): void {
    this.#queue.length = 0;
  }
}
