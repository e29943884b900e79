// Evaluation: the scorers behind `parley eval` — retrieval on BEIR datasets, citations and answers end to end
// through the turn runner, and the guard's detectors on labelled sets.
export * from './answers/index.js';
export * from './citations/evaluate-citations.js';
export * from './guard/index.js';
export * from './intent/index.js';
export * from './retrieval/index.js';
