// Measuring the intent classifier: dataset readers and the scorer behind `parley eval intents`.

export {
  CLINC_SPLITS,
  type ClincSplit,
  isHeldOut,
  type LabelledIntent,
  looksLikeClinc,
  messageKey,
  parseClinc,
  parseIntentJsonl,
  parseUnlabelledJsonl,
} from './intent-datasets.js';
export { findLeaks, type Leak, type NamedSet, withoutLeaks } from './intent-leakage.js';
export {
  findNearDuplicates,
  isNearDuplicate,
  NEAR_DUPLICATE_RULE,
  type NearDuplicate,
  type NearDuplicateReason,
  nearDuplicateReason,
  normaliseMessage,
} from './near-duplicate.js';
export { type IntentScore, type IntentSetScore, scoreIntents } from './score-intents.js';
