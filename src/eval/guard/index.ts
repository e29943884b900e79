// Measuring the guard: labelled-set readers and scorers used by `parley eval guard|pii`.

export { formatOf, parseLabelledTexts } from './labelled-texts.js';
export { type DetectorScore, percentile, scoreDetector } from './score-detector.js';
export {
  type PassageRecord,
  type PassageScore,
  parsePassageRecords,
  scorePassageFlagger,
} from './score-passage-flagger.js';
export {
  PRESIDIO_LABELS,
  parsePresidioRecords,
  type SpanRecord,
  scorePii,
  type TypeScore,
} from './score-pii.js';
export { type StagedScore, scoreStagedDetector } from './score-staged-detector.js';
