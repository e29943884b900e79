// Resumable streams: in this process, or shared by the replicas through Redis when configured.
import type { RedisConnection } from '../../storage/index.js';
import type { Logger } from '../../telemetry/index.js';
import { MemoryStreamLog } from './memory-stream-log.js';
import { RedisStreamLog } from './redis-stream-log.js';
import type { StreamLog, StreamLogLimits } from './stream-log.js';

export { MemoryStreamLog } from './memory-stream-log.js';
export { RedisStreamLog } from './redis-stream-log.js';
export * from './stream-log.js';

/** A stream larger than this (1 MiB of events) is not kept for resumption. */
export const MAX_STREAM_BYTES = 1024 * 1024;
/** What one process keeps for resumption at most (64 MiB); the oldest streams go first. */
export const MAX_TOTAL_BYTES = 64 * 1024 * 1024;

export function createStreamLog(
  redis: RedisConnection | undefined,
  lifetimeMs: number,
  log: Logger,
): StreamLog {
  const limits: StreamLogLimits = {
    lifetimeMs,
    maxStreamBytes: MAX_STREAM_BYTES,
    maxTotalBytes: MAX_TOTAL_BYTES,
  };
  const local = new MemoryStreamLog(limits);
  return redis ? new RedisStreamLog(redis, local, limits, log) : local;
}
