// What a trace keeps of the prompt the model was sent. The retrieved passages are most of a
// prompt's text (a turn over the Fastify docs: ~9.5 KB of its ~10 KB) and are already stored, as
// chunks; the trace keeps each passage as a reference to its chunk (the chunk's id, where its text
// stood, its length and a hash of it) and the rest of the prompt as sent. Reading a trace puts the
// passages' text back from the chunks. So a turn's write moves about a tenth of the bytes
// (docs/benchmarks.md, "The trace's passages by reference"), and a deleted document's text leaves
// the traces with it: a passage whose chunk is gone, or no longer holds the text that was sent
// (the hash differs), is read back as a marker naming the chunk, listed in `passages_removed`.
//
// Only text found verbatim is cut out (a passage shortened to fit the context stays in place), and
// only from the last user message, where the grounded prompt puts the passages
// (grounded-prompt.ts); a trace stored before this change has no `passages` and reads as it was.

import { LRUCache } from 'lru-cache';
import type { ChatMessage } from '../models/generation/types.js';
import { escapedPassageText, escapePromptText } from './grounded-prompt.js';

/** A passage cut out of a stored prompt: its text is chunk `chunk_id`'s, escaped as the prompt quotes it. */
export interface PassageRef {
  chunk_id: number;
  /** The message it was cut from (an index into `messages`). */
  message: number;
  /** Where it goes back: an offset into that message's content as stored (without the passages). */
  at: number;
  /** The length of the passage's text as sent (escaped). */
  length: number;
  /** FNV-1a (32 bits) of that text: a chunk's text is never changed in place, so this catches a stale reference, not an attack. */
  hash: number;
}

/** The prompt as the model was sent it. */
export interface SentPrompt {
  system: string;
  messages: ChatMessage[];
}

/** The prompt as a trace stores it; as read, `passages` is gone and any passage no longer stored is listed. */
export interface TracePrompt extends SentPrompt {
  passages?: PassageRef[];
  /** As read: chunks whose text was sent but is no longer stored (their document deleted or re-ingested). */
  passages_removed?: number[];
}

/** A passage's text as sent in place of one whose chunk is gone. */
export const removedPassage = (chunkId: number) =>
  `[passage not kept: chunk ${chunkId} was deleted or re-ingested since this turn]`;

// The hashes of passages as sent, keyed by the escaped text (the same strings turn after turn).
const hashes = new LRUCache<string, number>({
  max: 4_000,
  maxSize: 8 * 2 ** 20,
  sizeCalculation: (_, key) => key.length + 16,
  memoMethod: (text) => textHash(text),
});

/** FNV-1a over UTF-16 code units: a consistency check, microseconds for a passage. */
export function textHash(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

/**
 * The prompt as a trace stores it: each of `passages` whose (escaped) text is found in the last
 * user message, in order, is cut out and kept as a reference to its chunk.
 */
export function compactPrompt(
  prompt: SentPrompt,
  passages: readonly { chunkId: number; text: string }[],
): TracePrompt {
  let index = -1;
  for (let i = prompt.messages.length - 1; i >= 0; i--) {
    if (prompt.messages[i]!.role === 'user') {
      index = i;
      break;
    }
  }
  if (index < 0 || passages.length === 0) return prompt;
  const content = prompt.messages[index]!.content;
  const refs: PassageRef[] = [];
  const kept: string[] = [];
  let cursor = 0;
  let storedLength = 0;
  for (const passage of passages) {
    const text = escapedPassageText(passage.text);
    if (text.length === 0) continue;
    const found = content.indexOf(text, cursor);
    if (found < 0) continue;
    kept.push(content.slice(cursor, found));
    storedLength += found - cursor;
    refs.push({
      chunk_id: passage.chunkId,
      message: index,
      at: storedLength,
      length: text.length,
      hash: hashes.memo(text),
    });
    cursor = found + text.length;
  }
  if (refs.length === 0) return prompt;
  kept.push(content.slice(cursor));
  const messages = prompt.messages.slice();
  messages[index] = { ...messages[index]!, content: kept.join('') };
  return { system: prompt.system, messages, passages: refs };
}

/** Reads the text of chunks by id (tenant-scoped by the caller); missing ids are left out. */
export type ChunkTexts = (ids: number[]) => Promise<Map<number, string>>;

/** The chunk ids a stored prompt refers to. */
export const promptChunkIds = (prompt: TracePrompt | null | undefined): number[] =>
  prompt?.passages?.map((ref) => ref.chunk_id) ?? [];

/** The prompt as sent, its passages put back from `texts` (a removed one as a marker, listed). */
export function expandPrompt(prompt: TracePrompt, texts: ReadonlyMap<number, string>): TracePrompt {
  const { passages, ...sent } = prompt;
  if (!passages?.length) return prompt;
  const removed: number[] = [];
  const messages = sent.messages.slice();
  const byMessage = new Map<number, PassageRef[]>();
  for (const ref of passages) {
    const refs = byMessage.get(ref.message);
    if (refs) refs.push(ref);
    else byMessage.set(ref.message, [ref]);
  }
  for (const [index, refs] of byMessage) {
    const message = messages[index];
    if (!message) continue;
    const parts: string[] = [];
    let cursor = 0;
    for (const ref of refs.sort((a, b) => a.at - b.at)) {
      parts.push(message.content.slice(cursor, ref.at));
      cursor = ref.at;
      const stored = texts.get(ref.chunk_id);
      const text = stored === undefined ? undefined : escapePromptText(stored);
      if (text !== undefined && text.length === ref.length && textHash(text) === ref.hash) parts.push(text);
      else {
        parts.push(removedPassage(ref.chunk_id));
        removed.push(ref.chunk_id);
      }
    }
    parts.push(message.content.slice(cursor));
    messages[index] = { ...message, content: parts.join('') };
  }
  return { ...sent, messages, ...(removed.length ? { passages_removed: removed } : {}) };
}

/** Traces as read: every stored prompt's passages put back, with one look-up of their chunks. */
export async function expandTracePrompts<T>(traces: T[], read: ChunkTexts): Promise<T[]> {
  const promptOf = (trace: T) => (trace as { prompt?: TracePrompt | null } | null)?.prompt;
  const ids = [...new Set(traces.flatMap((trace) => promptChunkIds(promptOf(trace))))];
  if (ids.length === 0) return traces;
  const texts = await read(ids);
  return traces.map((trace) => {
    const prompt = promptOf(trace);
    return prompt?.passages?.length ? { ...trace, prompt: expandPrompt(prompt, texts) } : trace;
  });
}
