// Picks the text that the next chunk of a section repeats from the end of the previous one: whole
// units or sentences where they fit the overlap budget, else the last tokens of the final sentence.

import { countTokens } from './count-tokens.js';
import { tailByTokens } from './split-by-tokens.js';
import { splitSentences } from './split-sentences.js';
import type { Unit } from './types.js';

export function overlapTail(units: readonly Unit[], budget: number): Unit[] {
  const tail: Unit[] = [];
  let used = 0;
  for (let index = units.length - 1; index >= 0 && used < budget; index--) {
    const unit = units[index]!;
    const cost = unit.tokens + (tail.length > 0 ? 1 : 0);
    if (used + cost <= budget) {
      tail.unshift(unit);
      used += cost;
      continue;
    }
    // Part of a code block without its fences would read as prose; repeat code only whole.
    if (unit.code) break;
    const sentences = splitSentences(unit.text);
    for (let s = sentences.length - 1; s >= 0; s--) {
      const sentence = sentences[s]!;
      const text = sentence.text.trim();
      const tokens = countTokens(text);
      if (used + tokens + 1 > budget) break;
      tail.unshift({ text, tokens, separator: s === 0 ? unit.separator : sentence.separator, code: false });
      used += tokens + 1;
    }
    if (tail.length === 0) {
      const text = tailByTokens(unit.text, budget).trim();
      if (text !== '') tail.push({ text, tokens: countTokens(text), separator: unit.separator, code: false });
    }
    break;
  }
  return tail;
}
