// Curated answers: operators' question -> answer pairs per bot, and the matcher a turn asks.
export {
  type CuratedAnswer,
  CuratedAnswers,
  type CuratedAnswersOptions,
  DEFAULT_CURATED_THRESHOLD,
  MAX_ANSWER_CHARS,
  MAX_CURATED_PER_BOT,
  MAX_QUESTION_CHARS,
} from './curated-answers.js';
export { type CuratedEntry, CuratedIndex, type CuratedMatch } from './curated-index.js';
export { normaliseQuestion, questionSimilarity } from './question-similarity.js';
