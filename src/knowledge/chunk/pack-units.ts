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
  for (const unit of units) {
    const total = tokens + costIn(chunk, unit);
    // A chunk still below the minimum may grow past the target, up to the maximum.
    const fits = total <= limits.target || (tokens < limits.min && total <= limits.max);
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

function estimate(units: readonly Unit[]): number {
  return units.reduce((sum, unit, index) => sum + unit.tokens + (index > 0 ? 1 : 0), 0);
}
