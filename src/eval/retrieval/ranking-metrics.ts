// Ranking metrics as BEIR computes them (pytrec_eval): nDCG@k with graded gains and a log2
// discount, Recall@k, and MRR@k (reciprocal rank of the first relevant result).

/** Relevance judgements of one query: document id -> grade (> 0 is relevant). */
export type Judgements = Map<string, number>;

export function ndcgAt(ranked: string[], relevant: Judgements, k: number): number {
  let dcg = 0;
  ranked.slice(0, k).forEach((id, index) => {
    const gain = relevant.get(id) ?? 0;
    if (gain > 0) dcg += gain / Math.log2(index + 2);
  });
  const ideal = [...relevant.values()]
    .filter((grade) => grade > 0)
    .sort((a, b) => b - a)
    .slice(0, k)
    .reduce((sum, gain, index) => sum + gain / Math.log2(index + 2), 0);
  return ideal === 0 ? 0 : dcg / ideal;
}

export function recallAt(ranked: string[], relevant: Judgements, k: number): number {
  const positives = [...relevant.entries()].filter(([, grade]) => grade > 0).map(([id]) => id);
  if (positives.length === 0) return 0;
  const top = new Set(ranked.slice(0, k));
  return positives.filter((id) => top.has(id)).length / positives.length;
}

export function mrrAt(ranked: string[], relevant: Judgements, k: number): number {
  const index = ranked.slice(0, k).findIndex((id) => (relevant.get(id) ?? 0) > 0);
  return index < 0 ? 0 : 1 / (index + 1);
}
