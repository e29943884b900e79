// Reading one metric's value from /metrics, as a Prometheus scrape would see it.
import type { FastifyInstance } from 'fastify';
import { call } from './http.js';

/** The value of one series of /metrics (summed over the series that match; 0 when absent). */
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
