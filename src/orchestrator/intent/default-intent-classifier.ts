// The classifier trained by `npm run train:intents`, shipped in intent-model.json with the word
// vectors it reads (intent-word-vectors.json): parsed on first use and shared after that (the
// weights are read-only).
import { IntentClassifier } from './intent-classifier.js';
import modelFile from './intent-model.json' with { type: 'json' };
import vectorsFile from './intent-word-vectors.json' with { type: 'json' };
import { WordVectors } from './word-vectors.js';

let shared: IntentClassifier | undefined;

/** The bundled classifier, loaded once per process. */
export function defaultIntentClassifier(): IntentClassifier {
  shared ??= new IntentClassifier(modelFile, { wordVectors: new WordVectors(vectorsFile) });
  return shared;
}
