// The parent's side of the load generator (bench/support/load-generator-process.ts): starts the
// process once, then runs one load after another through it.
import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { REPO_ROOT } from './bench-paths.js';
import { captureOutput, ipcRequest, stopChild } from './child-processes.js';
import type { LoadCommand, LoadMessage, LoadResult, LoadSpec } from './load-protocol.js';

const SCRIPT = fileURLToPath(new URL('./load-generator-process.ts', import.meta.url));

export class LoadGenerator {
  readonly output: string[];
  private nextId = 1;

  private constructor(readonly child: ChildProcess) {
    this.output = captureOutput(child);
  }

  static start(): LoadGenerator {
    const child = spawn(process.execPath, ['--import', 'tsx', SCRIPT], {
      cwd: REPO_ROOT,
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    });
    return new LoadGenerator(child);
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  private request<T>(
    command: LoadCommand,
    pick: (message: LoadMessage) => T | undefined,
    timeoutMs = 30_000,
  ): Promise<T> {
    return ipcRequest(this.child, 'load generator', command, pick, timeoutMs);
  }

  /** Starts the virtual users; resolves once they are on their way. */
  async run(spec: LoadSpec): Promise<void> {
    await this.request({ type: 'run', spec }, (message) => (message.type === 'running' ? true : undefined));
  }

  /** Opens (first call) or closes (second call) the measured window. */
  async mark(): Promise<void> {
    const id = this.nextId++;
    await this.request({ type: 'mark', id }, (message) =>
      message.type === 'marked' && message.id === id ? true : undefined,
    );
  }

  /** Stops starting turns, lets those in flight end (aborting them after `drainMs`), and reports. */
  stop(drainMs: number): Promise<LoadResult> {
    const id = this.nextId++;
    return this.request(
      { type: 'stop', id, drainMs },
      (message) => (message.type === 'result' && message.id === id ? message.result : undefined),
      drainMs + 60_000,
    );
  }

  close(): Promise<void> {
    return stopChild(this.child, 'load generator', 5_000, () => this.child.kill('SIGTERM'));
  }
}
