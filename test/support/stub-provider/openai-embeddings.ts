// `POST /v1/embeddings` as OpenAI answers it, with hashed bag-of-words vectors.
import { z } from 'zod';
import type { Exchange } from './exchange.js';
import { hashedEmbedding, wordStems } from './hashed-embedding.js';
import { sendOpenAIError } from './openai-wire.js';

const embeddingsRequest = z.object({
  model: z.string().min(1),
  input: z.union([z.string(), z.array(z.string()).min(1)]),
  encoding_format: z.enum(['float', 'base64']).optional(),
  dimensions: z.number().int().min(1).max(4096).optional(),
  user: z.string().optional(),
});

/** OpenAI's base64 format: the float32 little-endian bytes of the vector. */
function toBase64(vector: number[]): string {
  const floats = Float32Array.from(vector);
  return Buffer.from(floats.buffer, floats.byteOffset, floats.byteLength).toString('base64');
}

export async function handleEmbeddings(exchange: Exchange, defaultDimensions: number): Promise<void> {
  const parsed = embeddingsRequest.safeParse(exchange.body);
  if (!parsed.success) {
    sendOpenAIError(exchange.response, 400, `invalid embeddings request: ${parsed.error.issues[0]?.message}`);
    return;
  }
  const { model, input, encoding_format: format = 'float', dimensions = defaultDimensions } = parsed.data;
  const texts = typeof input === 'string' ? [input] : input;
  const tokens = texts.reduce((sum, text) => sum + Math.max(1, wordStems(text).length), 0);
  await exchange.sendJson(200, {
    object: 'list',
    data: texts.map((text, index) => {
      const vector = hashedEmbedding(text, dimensions);
      return { object: 'embedding', index, embedding: format === 'base64' ? toBase64(vector) : vector };
    }),
    model,
    usage: { prompt_tokens: tokens, total_tokens: tokens },
  });
}
