// Breaks a section's text into units no larger than the limits allow, counting each unit's tokens
// once: paragraphs and code blocks whole where they fit, else sentences, then lines, then tokens.

import { closesFence, openFence } from './code-fence.js';
import { countTokens } from './count-tokens.js';
import { splitBlocks } from './split-blocks.js';
import { splitByTokens } from './split-by-tokens.js';
import { type Piece, splitLines, splitSentences } from './split-sentences.js';
import type { ChunkLimits, Unit } from './types.js';

const BLOCK_SEPARATOR = '\n\n';
// Ever finer ways to split prose that is too long; past the last one, text is cut by tokens.
const PROSE_SPLITTERS: readonly ((text: string) => Piece[])[] = [splitSentences, splitLines];

export function measureUnits(text: string, limits: ChunkLimits): Unit[] {
  const units: Unit[] = [];
  for (const block of splitBlocks(text)) {
    const separator = units.length === 0 ? '' : BLOCK_SEPARATOR;
    const tokens = countTokens(block.text);
    // A paragraph larger than the target is split into sentences so chunks stay near the target;
    // a code block is kept whole up to the hard maximum.
    if (tokens <= (block.code ? limits.max : limits.target)) {
      units.push({ text: block.text, tokens, separator, code: block.code });
    } else if (block.code) {
      units.push(...splitCode(block.text, separator, limits));
    } else {
      units.push(...splitProse(block.text, separator, limits, 0));
    }
  }
  return units;
}

function splitProse(text: string, separator: string, limits: ChunkLimits, level: number): Unit[] {
  const splitter = PROSE_SPLITTERS[level];
  if (splitter === undefined) {
    return splitByTokens(text, limits.target).map((piece, index) => ({
      text: piece,
      tokens: countTokens(piece),
      separator: index === 0 ? separator : '',
      code: false,
    }));
  }
  const units: Unit[] = [];
  splitter(text).forEach((piece, index) => {
    const pieceSeparator = index === 0 ? separator : piece.separator;
    const pieceText = piece.text.trim();
    const tokens = countTokens(pieceText);
    if (tokens <= limits.max) units.push({ text: pieceText, tokens, separator: pieceSeparator, code: false });
    else units.push(...splitProse(pieceText, pieceSeparator, limits, level + 1));
  });
  return units;
}

/** Splits an oversized code block between lines, re-wrapping every part in the block's fences. */
function splitCode(text: string, separator: string, limits: ChunkLimits): Unit[] {
  const lines = text.split('\n');
  const open = lines[0] ?? '';
  const fence = openFence(open) ?? { char: '`', length: 3 };
  const last = lines.at(-1) ?? '';
  const closed = lines.length > 1 && closesFence(last, fence);
  const close = closed ? last.trim() : fence.char.repeat(fence.length);
  const body = lines.slice(1, closed ? -1 : undefined);
  const budget = Math.max(1, limits.target - countTokens(`${open}\n${close}`) - 2);

  const units: Unit[] = [];
  const emit = (part: string[]) => {
    const code = `${open}\n${part.join('\n')}\n${close}`;
    units.push({
      text: code,
      tokens: countTokens(code),
      separator: units.length === 0 ? separator : BLOCK_SEPARATOR,
      code: true,
    });
  };
  let part: string[] = [];
  let used = 0;
  for (const line of body) {
    const tokens = countTokens(line) + 1;
    if (part.length > 0 && used + tokens > budget) {
      emit(part);
      part = [];
      used = 0;
    }
    if (tokens > budget) {
      for (const piece of splitByTokens(line, budget)) emit([piece]);
    } else {
      part.push(line);
      used += tokens;
    }
  }
  if (part.length > 0) emit(part);
  return units;
}
