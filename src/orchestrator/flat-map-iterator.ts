// A hand-written async iterator that turns each item of a source into none, one or more items,
// synchronously. Every token of an answer passes through the turn's stages; an async generator
// per stage costs several promise ticks per token where this costs the source's own `next()`
// and one `then` (measured: docs/benchmarks.md, "Turn runner").

/** What a stage does with its source's items. */
export interface FlatMapStep<S, T> {
  /** What one item of the source becomes. */
  each(item: S): readonly T[];
  /** Checked after each item: true when the source is to be read no further (it is closed). */
  stop?(): boolean;
  /** What follows once the source has ended or was stopped (not when it threw). */
  end(): readonly T[];
}

/**
 * `source` read one `next()` at a time through `step`. A source that throws rejects the read
 * (and ends the stage); `return()` closes the source. Callers read one item at a time, as
 * `for await` does.
 */
export function flatMapIterator<S, T>(
  source: AsyncIterator<S>,
  step: FlatMapStep<S, T>,
): AsyncIterableIterator<T> {
  let queue: readonly T[] = [];
  let at = 0;
  let reading = true;
  const finished: IteratorResult<T> = { value: undefined, done: true };
  const close = () => {
    reading = false;
    void source.return?.()?.catch(() => {});
  };
  /** The next item in hand, the end, or a read of the source (the then-callbacks below). */
  const next = (): IteratorResult<T> | Promise<IteratorResult<T>> => {
    if (at < queue.length) return { value: queue[at++]!, done: false };
    if (!reading) return finished;
    return source.next().then(took, failed);
  };
  // Returning the result itself from a then-callback, not a promise of it, saves the promise
  // ticks of adopting one: most reads of the source give an item at once.
  const took = (result: IteratorResult<S>): IteratorResult<T> | Promise<IteratorResult<T>> => {
    if (!reading) return finished; // closed while the read was on its way
    if (result.done) {
      reading = false;
      queue = step.end();
    } else {
      queue = step.each(result.value);
      if (step.stop?.()) {
        close();
        queue = [...queue, ...step.end()];
      }
    }
    at = 0;
    return next();
  };
  const failed = (error: unknown): never => {
    reading = false;
    queue = [];
    throw error;
  };
  const read = (): Promise<IteratorResult<T>> => {
    const result = next();
    return result instanceof Promise ? result : Promise.resolve(result);
  };
  const iterator: AsyncIterableIterator<T> = {
    next: read,
    return: () => {
      queue = [];
      if (reading) close();
      return Promise.resolve(finished);
    },
    [Symbol.asyncIterator]: () => iterator,
  };
  return iterator;
}
