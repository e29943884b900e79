// `POST /v1/rerank` as Cohere's v2 rerank API answers it (also what vLLM and Infinity serve):
// `{ model, query, documents, top_n }` in, `{ id, results: [{ index, relevance_score }], meta }`
// out, best first. A document scores the share of the query's word stems it holds, so a test can
// tell which passage a reranker should put first; errors are Cohere's `{ message }`.
import type { ServerResponse } from 'node:http';
import { z } from 'zod';
import type { Exchange } from './exchange.js';
import { wordStems } from './hashed-embedding.js';
import { sendJson } from './openai-wire.js';

const rerankRequest = z.object({
  model: z.string().min(1),
  query: z.string().min(1),
  documents: z.array(z.string()).min(1).max(1000),
  top_n: z.number().int().min(1).optional(),
  max_tokens_per_doc: z.number().int().min(1).optional(),
});

export function sendCohereError(
  response: ServerResponse,
  status: number,
  message: string,
  headers: Record<string, string> = {},
): void {
  sendJson(response, status, { message }, headers);
}

/** The share of the query's stems that `document` holds. */
export function stubRelevance(query: string, document: string): number {
  const asked = new Set(wordStems(query));
  if (asked.size === 0) return 0;
  const held = new Set(wordStems(document));
  let found = 0;
  for (const stem of asked) if (held.has(stem)) found += 1;
  return found / asked.size;
}

let served = 0;

export async function handleRerank(exchange: Exchange): Promise<void> {
  const parsed = rerankRequest.safeParse(exchange.body);
  if (!parsed.success) {
    sendCohereError(exchange.response, 400, `invalid rerank request: ${parsed.error.issues[0]?.message}`);
    return;
  }
  const { query, documents, top_n: topN = documents.length } = parsed.data;
  const results = documents
    .map((document, index) => ({ index, relevance_score: stubRelevance(query, document) }))
    .sort((a, b) => b.relevance_score - a.relevance_score || a.index - b.index)
    .slice(0, topN);
  await exchange.sendJson(200, {
    id: `rerank-${++served}`,
    results,
    meta: { api_version: { version: '2' }, billed_units: { search_units: 1 } },
  });
}
