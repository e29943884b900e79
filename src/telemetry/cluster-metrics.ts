// Metrics of a `parley serve --workers N` server, one scrape for the whole server. Each worker
// process keeps its own registry; a scrape reaches one worker (the cluster's port is shared), which
// asks the primary for the sum over every worker. prom-client's AggregatorRegistry does the
// gathering and adding over the cluster's IPC channel (counters and histograms summed, gauges by
// their `aggregator`); this file only carries the request from the scraped worker to the primary.
import cluster from 'node:cluster';
import { AggregatorRegistry, type Registry } from 'prom-client';

const REQUEST = 'parley:metrics-request';
const REPLY = 'parley:metrics-reply';
/** Longest a scrape waits for the primary before answering with this worker's own metrics. */
const PRIMARY_WAIT_MS = 6_000;

interface MetricsRequest {
  type: typeof REQUEST;
  id: number;
}

interface MetricsReply {
  type: typeof REPLY;
  id: number;
  text?: string;
  error?: string;
}

const isMessage = <T extends { type: string }>(message: unknown, type: T['type']): message is T =>
  typeof message === 'object' && message !== null && (message as { type?: unknown }).type === type;

/**
 * In a cluster worker: offers `registry` to the primary's aggregation and returns the exposition
 * a scrape of this worker serves (every worker's metrics, summed by the primary). If the primary
 * does not answer in time, the scrape gets this worker's own metrics, which `onFallback` is told.
 */
export function clusterExposition(
  registry: Registry,
  onFallback: (error: Error) => void,
): () => Promise<string> {
  AggregatorRegistry.setRegistries([registry]);
  // Constructing one adds the worker's listener for the primary's collection requests.
  new AggregatorRegistry();
  let next = 0;
  const waiting = new Map<number, (reply: MetricsReply) => void>();
  process.on('message', (message: unknown) => {
    if (isMessage<MetricsReply>(message, REPLY)) waiting.get(message.id)?.(message);
  });
  return async () => {
    const id = next++;
    const reply = await new Promise<MetricsReply>((resolve) => {
      const timer = setTimeout(
        () => resolve({ type: REPLY, id, error: 'the primary did not answer' }),
        PRIMARY_WAIT_MS,
      );
      waiting.set(id, (message) => {
        clearTimeout(timer);
        resolve(message);
      });
      process.send?.({ type: REQUEST, id } satisfies MetricsRequest);
    }).finally(() => waiting.delete(id));
    if (reply.text !== undefined) return reply.text;
    onFallback(new Error(`cluster metrics: ${reply.error ?? 'no answer'}; serving this worker's own`));
    return registry.metrics();
  };
}

/** In the cluster's primary: answers the workers' scrape requests with the sum over all workers. */
export function serveClusterMetrics(): void {
  const aggregator = new AggregatorRegistry();
  cluster.on('message', (worker, message: unknown) => {
    if (!isMessage<MetricsRequest>(message, REQUEST)) return;
    const answer = (reply: MetricsReply) => {
      if (worker.isConnected()) worker.send(reply);
    };
    aggregator.clusterMetrics().then(
      (text) => answer({ type: REPLY, id: message.id, text }),
      (error: Error) => answer({ type: REPLY, id: message.id, error: error.message }),
    );
  });
}
