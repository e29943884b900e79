// The IPC protocol between the benchmarks and bench/support/stub-provider-process.ts (kept apart
// so the benchmark can import it without running the child's top-level code).
import type { Pacing } from '../../test/support/stub-provider/index.js';

/** Header a benchmark client sets to tell its requests apart in the stub's record. */
export const CLIENT_HEADER = 'x-bench-client';

export interface StubStats {
  /** Chat requests received, by the value of the `x-bench-client` header ('parley' when absent). */
  byClient: Record<string, { requests: number; promptChars: number[] }>;
  aborted: number;
  maxConcurrentRequests: number;
}

/** Parent → child. */
export type StubCommand =
  | { type: 'start'; pacing: Pacing; reply: string }
  | { type: 'stats'; id: number }
  | { type: 'reset'; id: number }
  | { type: 'close' };

/** Child → parent. */
export type StubMessage =
  | { type: 'ready'; url: string }
  | { type: 'stats'; id: number; stats: StubStats }
  | { type: 'reset-done'; id: number }
  | { type: 'error'; message: string };
