// Prompt-injection and jailbreak detection for user messages, and instruction flagging for
// retrieved or ingested text.

export { detectInjection, type InjectionVerdict } from './detect-injection.js';
export { flagInstructions, type InstructionFlag } from './flag-instructions.js';
export { InjectionClassifier, type InjectionModel, injectionModelSchema } from './injection-classifier.js';
export { INJECTION_RULES, matchInjectionRules } from './injection-rules.js';
export { normalizeText } from './normalize-text.js';
export {
  defaultSemanticHead,
  isUnsure,
  type LoadedSemanticHead,
  parseSemanticHead,
  SEMANTIC_FEATURES,
  type SemanticHead,
  semanticHeadSchema,
} from './semantic-head.js';
export { semanticInjectionGuard } from './semantic-injection-guard.js';
export {
  loadSemanticHead,
  SemanticInjectionStage,
  type SemanticStageOptions,
  type StagedVerdict,
} from './semantic-injection-stage.js';
export { type LabelledText, type TrainOptions, trainInjectionModel } from './train-classifier.js';
