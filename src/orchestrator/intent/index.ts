// Intent classification: the intents a chat message can have, CLINC150's mapping onto them, and
// the fast local classifier (hashed n-grams + softmax regression) with its trainer.

export { defaultIntentClassifier } from './default-intent-classifier.js';
export {
  IntentClassifier,
  type IntentModel,
  type IntentResult,
  intentModelSchema,
} from './intent-classifier.js';
export { INTENT_FEATURE_SET, intentFeatures } from './intent-features.js';
export { CLINC_INTENTS, INTENTS, type Intent, isIntent, mapClincIntent } from './intent-labels.js';
export { type IntentExample, type IntentTrainOptions, trainIntentModel } from './train-intent-model.js';
