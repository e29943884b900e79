// Retrieval evaluation on BEIR-format datasets.
export { type BeirDataset, readBeirDataset } from './beir-dataset.js';
export {
  beirFiles,
  CLASSIC_COLLECTIONS,
  type ClassicCollectionName,
  convertClassicCollection,
  parseSmartRecords,
} from './classic-collection.js';
export {
  corpusSource,
  ingestBeirCorpus,
  type RetrievalScores,
  scoreRetrieval,
} from './evaluate-retrieval.js';
export { type Judgements, mrrAt, ndcgAt, recallAt } from './ranking-metrics.js';
