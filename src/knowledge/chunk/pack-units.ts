// Packs one section's units, in order, into chunks of about the target size, never above the
// maximum, starting each chunk after the first with the overlap from the end of the one before.

import { overlapTail } from './overlap-tail.js';
import type { ChunkLimits, Unit } from './types.js';

/** Estimated tokens a unit adds to a chunk: its own, plus one for its separator if not first. */
const costIn = (chunk: readonly Unit[], unit: Unit) => unit.tokens + (chunk.length > 0 ? 1 : 0);

export function packUnits(units: readonly Unit[], limits: ChunkLimits): Unit[][] {
  const chunks: Unit[][] = [];
  let chunk: Unit[] = [];
  let tokens = 0;
  let fresh = 0; // units in `chunk` that are not overlap from the previous chunk
  const remaining = suffixTotals(units);
  for (const [index, unit] of units.entries()) {
    const total = tokens + costIn(chunk, unit);
    const rest = remaining[index] ?? 0;
    // Past the target, up to the maximum, a chunk still below the minimum may grow, and so may one
    // whose section has less than the minimum left (rather than end in a tiny, mostly-overlap chunk).
    const fits =
      total <= limits.target ||
      (tokens < limits.min && total <= limits.max) ||
      (rest < limits.min && tokens + rest + 1 <= limits.max);
    if (fresh > 0 && !fits) {
      chunks.push(chunk);
      chunk = overlapTail(chunk, Math.min(limits.overlap, Math.floor(tokens / 2)));
      tokens = estimate(chunk);
      fresh = 0;
    }
    if (fresh === 0 && tokens + costIn(chunk, unit) > limits.max) {
      chunk = [];
      tokens = 0;
    }
    tokens += costIn(chunk, unit);
    chunk.push(unit);
    fresh++;
  }
  if (fresh > 0) chunks.push(chunk);
  return chunks;
}

export function joinUnits(units: readonly Unit[]): string {
  return units.map((unit, index) => (index === 0 ? unit.text : unit.separator + unit.text)).join('');
}

/** For each unit, the estimated tokens of it and all units after it. */
function suffixTotals(units: readonly Unit[]): number[] {
  const totals = new Array<number>(units.length);
  let sum = 0;
  for (let index = units.length - 1; index >= 0; index--) {
    sum += units[index]!.tokens + (index > 0 ? 1 : 0);
    totals[index] = sum;
  }
  return totals;
}

function estimate(units: readonly Unit[]): number {
  return units.reduce((sum, unit, index) => sum + unit.tokens + (index > 0 ? 1 : 0), 0);
}
