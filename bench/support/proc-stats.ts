// What Linux's /proc says about a process (CPU time, memory, open descriptors, TCP connections)
// and about the whole machine's CPU, for the benchmarks. Every reader returns NaN or undefined
// when the process is gone rather than throwing.
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';

/** Clock ticks per second of /proc's CPU times (USER_HZ, 100 on Linux). */
const TICK_MS = 10;

/** Busy and total CPU time of the whole machine from /proc/stat, in ms. */
export function hostCpu(): { busyMs: number; totalMs: number } | undefined {
  try {
    const line = readFileSync('/proc/stat', 'utf8').split('\n')[0]!;
    const ticks = line.trim().split(/\s+/).slice(1).map(Number);
    const total = ticks.slice(0, 8).reduce((sum, n) => sum + n, 0);
    const idle = (ticks[3] ?? 0) + (ticks[4] ?? 0);
    return { busyMs: (total - idle) * TICK_MS, totalMs: total * TICK_MS };
  } catch {
    return undefined;
  }
}

/** CPU time (user + system, all threads) of a process from /proc/<pid>/stat, in ms. */
export function processCpuMs(pid: number | undefined): number {
  if (pid === undefined) return Number.NaN;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // utime and stime are fields 14 and 15 of stat.
    return (Number(fields[11]) + Number(fields[12])) * TICK_MS;
  } catch {
    return Number.NaN;
  }
}

/**
 * Time the threads of a process spent ready to run but waiting for a CPU (the second field of
 * /proc/<pid>/task/<tid>/schedstat, summed over its living threads), in ms. On a machine with more
 * runnable threads than cores, this is latency no profile of the process shows.
 */
export function processRunWaitMs(pid: number | undefined): number {
  if (pid === undefined) return Number.NaN;
  try {
    let ns = 0;
    for (const tid of readdirSync(`/proc/${pid}/task`)) {
      try {
        ns += Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').split(' ')[1]);
      } catch {
        // a thread gone while we looked
      }
    }
    return ns / 1e6;
  } catch {
    return Number.NaN;
  }
}

/** Run-queue wait of a process and its living descendants, in ms. */
export function processTreeRunWaitMs(pid: number | undefined): number {
  if (pid === undefined) return Number.NaN;
  return processTree(pid).reduce((sum, each) => sum + (processRunWaitMs(each) || 0), 0);
}

/** A process and its descendants (a `--workers` server's primary and its workers), from /proc. */
export function processTree(pid: number | undefined): number[] {
  if (pid === undefined) return [];
  const pids = [pid];
  for (let i = 0; i < pids.length; i++) {
    try {
      const children = readFileSync(`/proc/${pids[i]}/task/${pids[i]}/children`, 'utf8').trim();
      if (children) pids.push(...children.split(' ').map(Number));
    } catch {
      // gone while we looked
    }
  }
  return pids;
}

/** CPU time of a process and its living descendants, in ms. */
export function processTreeCpuMs(pid: number | undefined): number {
  if (pid === undefined) return Number.NaN;
  return processTree(pid).reduce((sum, each) => sum + (processCpuMs(each) || 0), 0);
}

/** Resident memory of a process and its descendants (peaks summed: an upper bound), in bytes. */
export function processTreeMemory(pid: number | undefined): { rss: number; hwm: number } {
  const each = processTree(pid).map(processMemory);
  if (each.length === 0) return { rss: Number.NaN, hwm: Number.NaN };
  return {
    rss: each.reduce((sum, m) => sum + m.rss, 0),
    hwm: each.reduce((sum, m) => sum + m.hwm, 0),
  };
}

/** Current and peak resident memory of a process from /proc/<pid>/status, in bytes. */
export function processMemory(pid: number | undefined): { rss: number; hwm: number } {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kib = (key: string) =>
      Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? Number.NaN) * 1024;
    return { rss: kib('VmRSS'), hwm: kib('VmHWM') };
  } catch {
    return { rss: Number.NaN, hwm: Number.NaN };
  }
}

/** Open file descriptors of a process, and how many of them are sockets (of any family). */
export function openDescriptors(pid: number | undefined): { fds: number; sockets: number } {
  try {
    const dir = `/proc/${pid}/fd`;
    let sockets = 0;
    const entries = readdirSync(dir);
    for (const fd of entries) {
      try {
        if (readlinkSync(`${dir}/${fd}`).startsWith('socket:')) sockets++;
      } catch {
        // closed while we looked
      }
    }
    return { fds: entries.length, sockets };
  } catch {
    return { fds: Number.NaN, sockets: Number.NaN };
  }
}

/**
 * TCP connections of the machine (IPv4 and IPv6) with `port` as their local port, by state:
 * `established` and the rest (TIME_WAIT, CLOSE_WAIT, …). The server's side of its clients'
 * connections; listening sockets are not counted.
 */
export function tcpConnectionsOnPort(port: number): { established: number; other: number } {
  let established = 0;
  let other = 0;
  for (const file of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text = '';
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const [, local, , state] = line.trim().split(/\s+/);
      if (!local || !state) continue;
      if (Number.parseInt(local.slice(local.lastIndexOf(':') + 1), 16) !== port) continue;
      if (state === '0A') continue; // LISTEN
      if (state === '01') established++;
      else other++;
    }
  }
  return { established, other };
}
