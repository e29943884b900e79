// A record that tests can await, so they wait for the stub to see something instead of sleeping.

export class AwaitableList<T> {
  /** The entries so far, in order; tests read it directly. */
  readonly items: T[] = [];
  readonly #waiters: { count: number; resolve: (item: T) => void }[] = [];

  push(item: T): void {
    this.items.push(item);
    for (const waiter of this.#waiters.filter((w) => this.items.length >= w.count)) {
      this.#waiters.splice(this.#waiters.indexOf(waiter), 1);
      waiter.resolve(this.items[waiter.count - 1] as T);
    }
  }

  /** Resolves with the `count`-th entry (1-based) once there is one. */
  waitFor(count: number): Promise<T> {
    if (this.items.length >= count) return Promise.resolve(this.items[count - 1] as T);
    return new Promise((resolve) => {
      this.#waiters.push({ count, resolve });
    });
  }

  /** Forgets the entries; pending waiters keep waiting for new ones. */
  clear(): void {
    this.items.length = 0;
  }
}
