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
  for (const detector of PII_DETECTORS) {
    for (const finding of runDetector(detector, folded.text)) {
      if (!taken.some((other) => other.start < finding.end && finding.start < other.end)) taken.push(finding);
    }
  }
  return taken
    .sort((a, b) => a.start - b.start)
    .map((finding) => ({ ...finding, ...folded.original(finding.start, finding.end) }));
}

function* runDetector(detector: PiiDetector, text: string): Generator<PiiFinding> {
  if (detector.hint && !detector.hint.test(text)) return;
  // matchAll iterates over a copy of the regex, so the shared pattern keeps no state.
  for (const match of text.matchAll(detector.pattern)) {
    const value = match[0];
    if (value.length === 0) continue;
    const end = match.index + value.length;
    if (detector.classify) {
      const type = detector.classify(value, text, match.index);
      if (type) yield { type, rule: `${type}:${detector.rule}`, start: match.index, end };
      continue;
    }
    if (detector.accept && !detector.accept(value, text, match.index)) continue;
    yield { type: detector.type, rule: detector.rule, start: match.index, end };
  }
}
