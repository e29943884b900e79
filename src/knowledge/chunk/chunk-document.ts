// Turns a parsed document into ordered, token-bounded chunks that keep their heading paths: the
// unit of retrieval. Pure and linear in the input: every piece of text is tokenised about twice.

import type { ParsedDocument } from '../parse/index.js';
import { resolveChunkLimits } from './chunk-limits.js';
import { countTokens } from './count-tokens.js';
import { groupSections, type MeasuredSection } from './group-sections.js';
import { measureUnits } from './measure-units.js';
import { joinUnits, packUnits } from './pack-units.js';
import { splitByTokens } from './split-by-tokens.js';
import type { Chunk, ChunkOptions } from './types.js';

export function chunkDocument(doc: ParsedDocument, options?: ChunkOptions): Chunk[] {
  const limits = resolveChunkLimits(options);
  const measured: MeasuredSection[] = [];
  for (const section of doc.sections) {
    const units = measureUnits(section.text, limits);
    if (units.length > 0) measured.push({ headingPath: section.headingPath, units });
  }
  const chunks: Chunk[] = [];
  const add = (headingPath: string[], text: string, tokenCount: number) => {
    chunks.push({ ordinal: chunks.length, headingPath: [...headingPath], text, tokenCount });
  };
  for (const group of groupSections(measured, limits)) {
    for (const units of packUnits(group.units, limits)) {
      const only = units.length === 1 ? units[0] : undefined;
      const text = only?.text ?? joinUnits(units).trim();
      const tokens = only?.tokens ?? countTokens(text);
      if (tokens <= limits.max) {
        add(group.headingPath, text, tokens);
        continue;
      }
      // Packing works on estimates; in the rare case the joined text tokenises larger, cut it.
      for (const piece of splitByTokens(text, limits.max)) {
        const trimmed = piece.trim();
        if (trimmed !== '') add(group.headingPath, trimmed, countTokens(trimmed));
      }
    }
  }
  return chunks;
}
