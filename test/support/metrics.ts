// Reading one metric's value from /metrics, as a Prometheus scrape would see it.
import type { FastifyInstance } from 'fastify';
import { call } from './http.js';
import { OPERATOR_HEADERS } from './test-backend.js';

/**
 * The value of one series of /metrics (summed over the series that match; 0 when absent), read
 * with the operator's metrics token of a test server (a tenant's key never opens /metrics).
 */
export async function metricValue(
  app: FastifyInstance,
  name: string,
  labels: Record<string, string> = {},
): Promise<number> {
  const { raw, status } = await call(app, { method: 'GET', url: '/metrics', headers: OPERATOR_HEADERS });
  if (status !== 200) throw new Error(`/metrics answered ${status}`);
  const wanted = Object.entries(labels).map(([key, value]) => `${key}="${value}"`);
  let total = 0;
  for (const line of raw.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    if (wanted.every((label) => line.includes(label))) total += Number(line.split(' ').at(-1));
  }
  return total;
}
