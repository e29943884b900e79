// Choosing the classifier's threshold from out-of-fold scores: folds keep near-duplicates
// together (the public sets repeat one attack with small edits, and a copy in the training folds
// would make the held-out one look easy), and the threshold must keep every labelled set's
// false-positive rate within the limit while maximising their mean F1.

/** One training text scored by a model that never saw it. */
export interface HeldOutScore {
  /** The decision the detector would make at a threshold (rules, question threshold included). */
  isAttackAt: (threshold: number) => boolean;
  label: number;
  /** Which labelled set it came from; each set is scored on its own. */
  set: string;
}

export interface ThresholdChoice {
  threshold: number;
  /** Mean F1 over the sets at that threshold. */
  f1: number;
  /** Per set: F1 and false-positive rate at that threshold. */
  sets: Record<string, { f1: number; fpr: number }>;
}

/** The threshold with the best mean F1 over the sets among those keeping each set's FPR ≤ maxFpr. */
export function chooseThreshold(scored: HeldOutScore[], maxFpr: number): ThresholdChoice {
  const names = [...new Set(scored.map((s) => s.set))].sort();
  let best: ThresholdChoice = { threshold: 0.5, f1: -1, sets: {} };
  for (let step = 5; step <= 95; step++) {
    const threshold = step / 100;
    const sets = Object.fromEntries(
      names.map((name) => [
        name,
        confusion(
          scored.filter((s) => s.set === name),
          threshold,
        ),
      ]),
    );
    const metrics = Object.values(sets);
    // Sets without attacks (hand-written benign questions) count only through their FPR.
    const withAttacks = metrics.filter((m) => m.attacks > 0);
    const f1 = withAttacks.reduce((sum, m) => sum + m.f1, 0) / Math.max(1, withAttacks.length);
    if (metrics.every((m) => m.fpr <= maxFpr) && f1 > best.f1) {
      best = {
        threshold,
        f1,
        sets: Object.fromEntries(Object.entries(sets).map(([name, m]) => [name, { f1: m.f1, fpr: m.fpr }])),
      };
    }
  }
  return best;
}

function confusion(scored: HeldOutScore[], threshold: number) {
  let tp = 0;
  let fp = 0;
  let fn = 0;
  let negatives = 0;
  for (const item of scored) {
    const predicted = item.isAttackAt(threshold);
    if (item.label === 0) negatives++;
    if (predicted && item.label === 1) tp++;
    else if (predicted) fp++;
    else if (item.label === 1) fn++;
  }
  return {
    attacks: tp + fn,
    f1: tp === 0 ? 0 : (2 * tp) / (2 * tp + fp + fn),
    fpr: negatives === 0 ? 0 : fp / negatives,
  };
}

/**
 * Groups of near-duplicates: texts whose word sets overlap by half or more (Jaccard) share a
 * group, transitively. Returns a group id per text. Quadratic, which the few thousand training
 * texts afford (about a second).
 */
export function nearDuplicateGroups(texts: string[]): number[] {
  const words = texts.map((text) => new Set(text.match(/[\p{L}\p{N}]+/gu) ?? []));
  const parent = texts.map((_, i) => i);
  const root = (i: number): number => {
    while (parent[i] !== i) {
      parent[i] = parent[parent[i]!]!;
      i = parent[i]!;
    }
    return i;
  };
  for (let i = 0; i < words.length; i++) {
    const a = words[i]!;
    for (let j = i + 1; j < words.length; j++) {
      const b = words[j]!;
      if (Math.min(a.size, b.size) < Math.max(a.size, b.size) / 2) continue;
      let shared = 0;
      for (const word of a) if (b.has(word)) shared++;
      if (shared * 2 >= a.size + b.size - shared) parent[root(i)] = root(j);
    }
  }
  return texts.map((_, i) => root(i));
}
