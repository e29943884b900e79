// Retrieval evaluation on BEIR-format datasets.
export { type BeirDataset, readBeirDataset } from './beir-dataset.js';
export {
  corpusSource,
  ingestBeirCorpus,
  type RetrievalScores,
  scoreRetrieval,
} from './evaluate-retrieval.js';
export { type Judgements, mrrAt, ndcgAt, recallAt } from './ranking-metrics.js';
