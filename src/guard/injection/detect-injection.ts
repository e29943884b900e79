// Prompt-injection and jailbreak detection: hand-written rules for the unambiguous shapes, and
// the trained classifier for everything else. Either one is enough to call a text an attack.
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

// A single short question ("why do models forget earlier instructions?") talks about the words
// attacks use without giving an order; the classifier must be surer before calling it an attack
// (0.7, chosen by 5-fold cross-validation on the training splits).
const PLAIN_QUESTION =
  /^(?:what|why|how|when|where|which|who|is|are|can|could|should|do|does|did|was|wie|was|warum|wann|wo|welche[rs]?|kann|ist|sind)\b[^.!?:;\n]{0,200}\?$/;
const PLAIN_QUESTION_THRESHOLD = 0.7;

export function detectInjection(text: string, classifier = defaultClassifier): InjectionVerdict {
  const normalized = normalizeText(text);
  const rules = matchInjectionRules(normalized);
  const probability = classifier.score(normalized);
  const threshold = PLAIN_QUESTION.test(normalized)
    ? Math.max(classifier.threshold, PLAIN_QUESTION_THRESHOLD)
    : classifier.threshold;
  const reasons = probability >= threshold ? [...rules, 'classifier'] : rules;
  return { attack: reasons.length > 0, score: rules.length > 0 ? 1 : round(probability), reasons };
}

const round = (value: number) => Math.round(value * 1000) / 1000;
