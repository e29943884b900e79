// Finds personal data and secrets in a text: every detector runs, then overlapping matches are
// resolved in favour of the more specific rule (secrets first, phone numbers last).

import { foldWithOffsets } from '../fold-text.js';
import { PERSONAL_DETECTORS } from './personal-patterns.js';
import type { PiiDetector } from './pii-detector.js';
import type { PiiFinding } from './pii-types.js';
import { SECRET_DETECTORS } from './secret-patterns.js';

/** Every detector in priority order. */
export const PII_DETECTORS: readonly PiiDetector[] = [...SECRET_DETECTORS, ...PERSONAL_DETECTORS];

/**
 * The findings in `text`, sorted by position, never overlapping. Offsets only, no values. The
 * detectors read the guards' folded text (full-width digits, invisible characters inside a
 * number or an address); the offsets are into `text` itself.
 */
export function detectPii(text: string): PiiFinding[] {
  const folded = foldWithOffsets(text);
  const taken: PiiFinding[] = [];
  for (const detector of PII_DETECTORS) collect(detector, folded.text, taken);
  if (taken.length === 0) return taken;
  return taken
    .sort((a, b) => a.start - b.start)
    .map((finding) => ({ ...finding, ...folded.original(finding.start, finding.end) }));
}

/**
 * Adds the detector's findings that overlap none taken before. A plain loop, not a generator:
 * this runs for every detector on every chunk of a streamed answer, and most find nothing.
 */
function collect(detector: PiiDetector, text: string, taken: PiiFinding[]): void {
  if (detector.hint && !detector.hint.test(text)) return;
  // matchAll iterates over a copy of the regex, so the shared pattern keeps no state.
  for (const match of text.matchAll(detector.pattern)) {
    const value = match[0];
    if (value.length === 0) continue;
    const start = match.index;
    const end = start + value.length;
    let finding: PiiFinding | undefined;
    if (detector.classify) {
      const type = detector.classify(value, text, start);
      if (type) finding = { type, rule: `${type}:${detector.rule}`, start, end };
    } else if (!detector.accept || detector.accept(value, text, start)) {
      finding = { type: detector.type, rule: detector.rule, start, end };
    }
    if (finding && !taken.some((other) => other.start < end && start < other.end)) taken.push(finding);
  }
}
