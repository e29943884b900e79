// The parent's side of bench/support/event-loop-probe.mjs: a child started with
// `node --import <probe>` and an IPC channel answers `reset` and `snapshot` over that channel.
import type { ChildProcess } from 'node:child_process';

/** PROBE's URL, for `node --import`. */
export const EVENT_LOOP_PROBE = new URL('./event-loop-probe.mjs', import.meta.url).href;

/** The probe's histogram since its last reset, in ms, and the GC pauses meanwhile. */
export interface ProbeSnapshot {
  resolutionMs: number;
  count: number;
  minMs: number;
  meanMs: number;
  p50Ms: number;
  p90Ms: number;
  p99Ms: number;
  p999Ms: number;
  maxMs: number;
  gc: {
    count: number;
    totalMs: number;
    maxMs: number;
    byKind: Record<string, { count: number; totalMs: number; maxMs: number }>;
  };
}

let nextProbeId = 1;

interface ProbeReply {
  probeReply?: number;
  snapshot?: ProbeSnapshot;
  memory?: NodeJS.MemoryUsage;
}

function askProbe(child: ChildProcess, command: 'reset' | 'snapshot' | 'memory'): Promise<ProbeReply> {
  const id = nextProbeId++;
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.off('message', onMessage);
      reject(new Error(`event-loop probe did not answer ${command}`));
    }, 10_000);
    const onMessage = (message: unknown) => {
      const reply = message as ProbeReply | undefined;
      if (reply?.probeReply !== id) return;
      clearTimeout(timer);
      child.off('message', onMessage);
      resolve(reply);
    };
    child.on('message', onMessage);
    child.send({ probe: command, id });
  });
}

/** Starts the probe's histogram (and GC sums) afresh. */
export async function resetProbe(child: ChildProcess): Promise<void> {
  await askProbe(child, 'reset');
}

export async function probeSnapshot(child: ChildProcess): Promise<ProbeSnapshot> {
  const { snapshot } = await askProbe(child, 'snapshot');
  if (!snapshot) throw new Error('event-loop probe sent no snapshot');
  return snapshot;
}

/** The server's process.memoryUsage(): heapUsed and external are its main (HTTP) thread's. */
export async function probeMemory(child: ChildProcess): Promise<NodeJS.MemoryUsage> {
  const { memory } = await askProbe(child, 'memory');
  if (!memory) throw new Error('event-loop probe sent no memory figures');
  return memory;
}
