// The classifier trained by `npm run train:intents`, shipped in intent-model.json: parsed on
// first use and shared after that (the weights are read-only).
import { IntentClassifier } from './intent-classifier.js';
import modelFile from './intent-model.json' with { type: 'json' };

let shared: IntentClassifier | undefined;

/** The bundled classifier, loaded once per process. */
export function defaultIntentClassifier(): IntentClassifier {
  shared ??= new IntentClassifier(modelFile);
  return shared;
}
