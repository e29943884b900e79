// Running the benchmarks' child processes: their output kept for diagnosis, a polite stop with a
// deadline, a free port, and the benchmarks' log line.
import type { ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
export const log = (message: string) => process.stderr.write(`[bench] ${message}\n`);

/** Lines of a child's stdout and stderr (those that are pipes), the last 400 kept. */
export function captureOutput(child: ChildProcess, onLine?: (line: string) => void): string[] {
  const output: string[] = [];
  for (const stream of [child.stdout, child.stderr]) {
    let rest = '';
    stream?.setEncoding('utf8');
    stream?.on('data', (data: string) => {
      const lines = (rest + data).split('\n');
      rest = lines.pop() ?? '';
      for (const line of lines) {
        if (!line.trim()) continue;
        output.push(line);
        if (output.length > 400) output.shift();
        onLine?.(line);
      }
    });
  }
  return output;
}

/** Asks a child to stop (`polite`), and kills it if it has not exited within `graceMs`. */
export async function stopChild(child: ChildProcess, name: string, graceMs: number, polite: () => void) {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  polite();
  const timedOut = await Promise.race([exited.then(() => false), sleep(graceMs).then(() => true)]);
  if (timedOut) {
    log(`${name} did not stop within ${graceMs} ms; killing it`);
    child.kill('SIGKILL');
    await exited;
  }
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/**
 * Sends `command` to a child over IPC and resolves with the first reply `pick` accepts; a reply
 * `{type: 'error', message}`, the child's exit or `timeoutMs` rejects.
 */
export function ipcRequest<M extends { type: string }, T>(
  child: ChildProcess,
  name: string,
  command: { type: string },
  pick: (message: M) => T | undefined,
  timeoutMs = 30_000,
): Promise<T> {
  return new Promise((resolve, reject) => {
    const done = (error?: Error, value?: T) => {
      clearTimeout(timer);
      child.off('message', onMessage);
      child.off('exit', onExit);
      if (error) reject(error);
      else resolve(value as T);
    };
    const timer = setTimeout(() => done(new Error(`${name} did not answer ${command.type}`)), timeoutMs);
    const onMessage = (message: M) => {
      if (message.type === 'error') {
        return done(new Error(`${name}: ${(message as { message?: string }).message ?? 'error'}`));
      }
      const value = pick(message);
      if (value !== undefined) done(undefined, value);
    };
    const onExit = (code: number | null) => done(new Error(`${name} exited (${code})`));
    child.on('message', onMessage);
    child.on('exit', onExit);
    child.send(command);
  });
}
