// Answer evaluation: SQuAD v2 and RGB's counterfactual set asked through the turn runner, scored
// for the answer, for "I don't know", and for each sentence's support in what it cites.
export * from './answer-scores.js';
export * from './answer-sets.js';
export * from './answer-text.js';
export * from './counterfactual.js';
export * from './evaluate-answers.js';
export * from './faithfulness.js';
export * from './prompt-passages.js';
export * from './refusal.js';
