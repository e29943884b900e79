// Helpers for gateway tests: a tenant with a key and one document to answer from, stub-provider
// model settings, and reading one metric's value from /metrics.
import type { FastifyInstance } from 'fastify';
import { createApiKey, type Runtime } from '../../src/app/index.js';
import { ensureKnowledgeBase } from '../../src/knowledge/index.js';
import { call } from './http.js';

export const TIDES =
  '# Tides\n\nTides are caused mainly by the gravitational pull of the Moon on the oceans.';
export const QUESTION = 'What causes the tides?';

/** Settings that point the OpenAI and Anthropic clients at the stub provider. */
export const stubModels = (url: string, models: string) => ({
  PARLEY_MODELS: models,
  OPENAI_BASE_URL: url,
  OPENAI_API_KEY: 'test',
  ANTHROPIC_BASE_URL: url,
  ANTHROPIC_API_KEY: 'test',
});

/** A new tenant with an API key and the Tides document. */
export async function tenantWithKey(runtime: Runtime, name: string) {
  const created = await createApiKey(runtime.db, name);
  await ingestTides(runtime, created.tenantId);
  return { ...created, headers: { authorization: `Bearer ${created.key}` } };
}

export async function ingestTides(runtime: Runtime, tenantId: string): Promise<void> {
  const kbId = await ensureKnowledgeBase(runtime.db, tenantId);
  await runtime.ingestion.ingestNow({
    tenantId,
    kbId,
    bytes: Buffer.from(TIDES),
    format: 'markdown',
    title: 'Tides',
  });
}

/** The value of one series of /metrics (0 when absent). */
export async function metricValue(
  app: FastifyInstance,
  name: string,
  labels: Record<string, string> = {},
  /** An Authorization header, once keys exist. */
  headers: Record<string, string> = {},
): Promise<number> {
  const { raw, status } = await call(app, { method: 'GET', url: '/metrics', headers });
  if (status !== 200) throw new Error(`/metrics answered ${status}`);
  const wanted = Object.entries(labels).map(([key, value]) => `${key}="${value}"`);
  let total = 0;
  for (const line of raw.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    if (wanted.every((label) => line.includes(label))) total += Number(line.split(' ').at(-1));
  }
  return total;
}
