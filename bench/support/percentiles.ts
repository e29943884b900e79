// Percentiles and number formatting shared by the benchmarks' reports.

/** Nearest-rank percentile of an ascending list (NaN when empty). */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.ceil((p / 100) * sorted.length) - 1;
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank))]!;
}

export const PERCENTILES = [50, 90, 99] as const;
/** p50, p90 and p99 of a sample. */
export type Triple = [number, number, number];

export function triple(values: readonly number[]): Triple {
  const sorted = values.filter(Number.isFinite).sort((a, b) => a - b);
  return PERCENTILES.map((p) => percentile(sorted, p)) as Triple;
}

export const minus = (a: Triple, b: Triple): Triple => [a[0] - b[0], a[1] - b[1], a[2] - b[2]];

/** Milliseconds with one decimal, or `n/a`. */
export const fmt = (ms: number, digits = 1): string => (Number.isFinite(ms) ? ms.toFixed(digits) : 'n/a');
export const fmtTriple = (t: Triple): string => t.map((ms) => fmt(ms)).join(' / ');
