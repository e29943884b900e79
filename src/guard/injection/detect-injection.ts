// Prompt-injection and jailbreak detection: hand-written rules for the unambiguous shapes, and
// the trained classifier for everything else. Either one is enough to call a text an attack.
import { hiddenReadings } from '../decode-hidden-text.js';
import { thresholdFor } from './decision-threshold.js';
import { InjectionClassifier, injectionModelSchema } from './injection-classifier.js';
import modelFile from './injection-model.json' with { type: 'json' };
import { matchInjectionRules } from './injection-rules.js';
import { normalizeText } from './normalize-text.js';

/** The verdict on one text. `reasons` names rules (`override:ignore-previous`) or `classifier`. */
export interface InjectionVerdict {
  attack: boolean;
  /** 0 (benign) to 1 (attack): the classifier's probability, or 1 when a rule fired. */
  score: number;
  reasons: string[];
}

/** Parsed once per process; the file is part of the package. */
const defaultClassifier = new InjectionClassifier(injectionModelSchema.parse(modelFile));

export function detectInjection(text: string, classifier = defaultClassifier): InjectionVerdict {
  const normalized = normalizeText(text);
  const rules = matchInjectionRules(normalized);
  if (rules.length === 0) rules.push(...hiddenRules(text));
  const probability = classifier.score(normalized);
  const reasons =
    probability >= thresholdFor(normalized, classifier.threshold) ? [...rules, 'classifier'] : rules;
  return { attack: reasons.length > 0, score: rules.length > 0 ? 1 : round(probability), reasons };
}

/**
 * The rules that fire on a reading an encoding hid (base64, rot13, reversed), each prefixed by
 * the encoding (`encoded:base64`), or none.
 */
function hiddenRules(text: string): string[] {
  for (const reading of hiddenReadings(text)) {
    const names = matchInjectionRules(normalizeText(reading.text));
    if (names.length > 0) return [`encoded:${reading.encoding}`, ...names];
  }
  return [];
}

const round = (value: number) => Math.round(value * 1000) / 1000;
