// An in-memory BM25 index over typed arrays: per term, the documents holding it and how often
// (postings), per document its length; a query adds each of its terms' contributions into a
// reused score buffer and keeps the best k in a small heap. Its cost is one multiply-add per
// posting of the query's terms, with no allocation per matching document, which is what lets it
// run on the event loop. MiniSearch (tried first) allocates a result object per matching document
// and sorts them all, which was two orders of magnitude slower per query over the same chunks
// (docs/architecture.md, "Hand-written where a library exists").
// Removal marks the document dead (its postings are skipped, its terms' document frequencies
// drop at once) and the postings are compacted once a quarter of their entries are dead.

/** A growable array of 32-bit integers. */
class IntList {
  data: Int32Array;
  length = 0;

  constructor(capacity = 4) {
    this.data = new Int32Array(capacity);
  }

  push(value: number): void {
    if (this.length === this.data.length) {
      const grown = new Int32Array(this.data.length * 2);
      grown.set(this.data);
      this.data = grown;
    }
    this.data[this.length++] = value;
  }
}

/** One term's postings: document slots and term frequencies, in insertion order. */
interface Postings {
  docs: IntList;
  tfs: IntList;
  /** Live documents holding the term. */
  df: number;
}

export interface Bm25Parameters {
  k1: number;
  b: number;
}

export interface ScoredDoc {
  id: number;
  score: number;
}

export class Bm25Index {
  private readonly terms = new Map<string, Postings>();
  /** Per document slot: its external id, length in terms, and unique terms (for removal). */
  private ids: number[] = [];
  private lengths: number[] = [];
  private docTerms: (Postings[] | undefined)[] = [];
  private readonly slotOf = new Map<number, number>();
  private liveDocs = 0;
  private totalLength = 0;
  private deadPostings = 0;
  private livePostings = 0;
  private scores = new Float64Array(0);
  private touched = new Int32Array(0);

  constructor(private readonly params: Bm25Parameters) {}

  get size(): number {
    return this.liveDocs;
  }

  has(id: number): boolean {
    return this.slotOf.has(id);
  }

  /** Adds a document by its terms (repeats count as term frequency); an id already held is replaced. */
  add(id: number, terms: readonly string[]): void {
    if (this.slotOf.has(id)) this.remove(id);
    const slot = this.ids.length;
    const counts = new Map<string, number>();
    for (const term of terms) counts.set(term, (counts.get(term) ?? 0) + 1);
    const held: Postings[] = [];
    for (const [term, tf] of counts) {
      let postings = this.terms.get(term);
      if (!postings) {
        postings = { docs: new IntList(), tfs: new IntList(), df: 0 };
        this.terms.set(term, postings);
      }
      postings.docs.push(slot);
      postings.tfs.push(tf);
      postings.df += 1;
      held.push(postings);
    }
    this.ids.push(id);
    this.lengths.push(terms.length);
    this.docTerms.push(held);
    this.slotOf.set(id, slot);
    this.liveDocs += 1;
    this.totalLength += terms.length;
    this.livePostings += held.length;
  }

  remove(id: number): void {
    const slot = this.slotOf.get(id);
    if (slot === undefined) return;
    const held = this.docTerms[slot] ?? [];
    for (const postings of held) postings.df -= 1;
    this.slotOf.delete(id);
    this.docTerms[slot] = undefined;
    this.liveDocs -= 1;
    this.totalLength -= this.lengths[slot] ?? 0;
    this.livePostings -= held.length;
    this.deadPostings += held.length;
    if (this.deadPostings > 1_000 && this.deadPostings > this.livePostings / 3) this.compact();
  }

  /** How many live documents hold the term. */
  documentFrequency(term: string): number {
    return this.terms.get(term)?.df ?? 0;
  }

  /** The best `k` live documents for these query terms (each term counted once), best first. */
  search(queryTerms: readonly string[], k: number, accept?: (id: number) => boolean): ScoredDoc[] {
    return this.searchWeighted(new Map(queryTerms.map((term) => [term, 1])), k, accept);
  }

  /** As `search`, each query term's contribution multiplied by its weight (a query expanded with weighted terms). */
  searchWeighted(
    query: ReadonlyMap<string, number>,
    k: number,
    accept?: (id: number) => boolean,
  ): ScoredDoc[] {
    const slots = this.ids.length;
    if (this.scores.length < slots) {
      this.scores = new Float64Array(Math.max(slots, this.scores.length * 2));
      this.touched = new Int32Array(this.scores.length);
    }
    const { k1, b } = this.params;
    const n = this.liveDocs;
    const averageLength = n > 0 ? this.totalLength / n : 0;
    const scores = this.scores;
    const touched = this.touched;
    const lengths = this.lengths;
    const docTerms = this.docTerms;
    let touchedCount = 0;
    for (const [term, weight] of query) {
      const postings = this.terms.get(term);
      if (!postings || postings.df === 0 || weight <= 0) continue;
      const idf = weight * Math.log(1 + (n - postings.df + 0.5) / (postings.df + 0.5));
      const docs = postings.docs.data;
      const tfs = postings.tfs.data;
      for (let i = 0; i < postings.docs.length; i++) {
        const slot = docs[i]!;
        if (docTerms[slot] === undefined) continue;
        const tf = tfs[i]!;
        const norm = averageLength > 0 ? 1 - b + (b * lengths[slot]!) / averageLength : 1;
        if (scores[slot] === 0) touched[touchedCount++] = slot;
        scores[slot] = scores[slot]! + (idf * tf * (k1 + 1)) / (tf + k1 * norm);
      }
    }
    const best = new TopK(k);
    for (let i = 0; i < touchedCount; i++) {
      const slot = touched[i]!;
      const score = scores[slot]!;
      scores[slot] = 0;
      const id = this.ids[slot]!;
      if (score > 0 && (!accept || accept(id))) best.offer(id, score);
    }
    return best.sorted();
  }

  /** Drops dead documents' postings and slots. */
  private compact(): void {
    const remap = new Int32Array(this.ids.length).fill(-1);
    const ids: number[] = [];
    const lengths: number[] = [];
    const docTerms: (Postings[] | undefined)[] = [];
    for (let slot = 0; slot < this.ids.length; slot++) {
      if (this.docTerms[slot] === undefined) continue;
      remap[slot] = ids.length;
      this.slotOf.set(this.ids[slot]!, ids.length);
      ids.push(this.ids[slot]!);
      lengths.push(this.lengths[slot]!);
      docTerms.push(this.docTerms[slot]);
    }
    for (const [term, postings] of this.terms) {
      if (postings.df === 0) {
        this.terms.delete(term);
        continue;
      }
      const docs = new IntList(postings.df);
      const tfs = new IntList(postings.df);
      for (let i = 0; i < postings.docs.length; i++) {
        const slot = remap[postings.docs.data[i]!]!;
        if (slot < 0) continue;
        docs.push(slot);
        tfs.push(postings.tfs.data[i]!);
      }
      postings.docs = docs;
      postings.tfs = tfs;
    }
    this.ids = ids;
    this.lengths = lengths;
    this.docTerms = docTerms;
    this.deadPostings = 0;
  }
}

/** The k highest scores offered (ties: the lower id first), in a min-heap. */
class TopK {
  private readonly ids: number[] = [];
  private readonly scores: number[] = [];

  constructor(private readonly k: number) {}

  /** true when (id, score) ranks below (otherId, otherScore). */
  private static below(score: number, id: number, otherScore: number, otherId: number): boolean {
    return score < otherScore || (score === otherScore && id > otherId);
  }

  offer(id: number, score: number): void {
    if (this.k <= 0) return;
    if (this.ids.length < this.k) {
      this.ids.push(id);
      this.scores.push(score);
      this.up(this.ids.length - 1);
      return;
    }
    if (!TopK.below(this.scores[0]!, this.ids[0]!, score, id)) return;
    this.ids[0] = id;
    this.scores[0] = score;
    this.down(0);
  }

  sorted(): ScoredDoc[] {
    return this.ids
      .map((id, i) => ({ id, score: this.scores[i]! }))
      .sort((a, b) => b.score - a.score || a.id - b.id);
  }

  private swap(i: number, j: number): void {
    [this.ids[i], this.ids[j]] = [this.ids[j]!, this.ids[i]!];
    [this.scores[i], this.scores[j]] = [this.scores[j]!, this.scores[i]!];
  }

  private up(index: number): void {
    let i = index;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!TopK.below(this.scores[i]!, this.ids[i]!, this.scores[parent]!, this.ids[parent]!)) return;
      this.swap(i, parent);
      i = parent;
    }
  }

  private down(index: number): void {
    let i = index;
    for (;;) {
      const left = 2 * i + 1;
      const right = left + 1;
      let lowest = i;
      for (const child of [left, right]) {
        if (
          child < this.ids.length &&
          TopK.below(this.scores[child]!, this.ids[child]!, this.scores[lowest]!, this.ids[lowest]!)
        ) {
          lowest = child;
        }
      }
      if (lowest === i) return;
      this.swap(i, lowest);
      i = lowest;
    }
  }
}
