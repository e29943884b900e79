// A comparison server of bench/load.ts (the bare proxy, the LangChain.js reference) in a child
// process: TypeScript run with tsx, the event-loop probe preloaded, an IPC channel on which the
// script sends `{type: 'ready', url}` once it listens.
import { type ChildProcess, spawn } from 'node:child_process';
import { REPO_ROOT } from './bench-paths.js';
import { captureOutput, ipcRequest, stopChild } from './child-processes.js';
import { EVENT_LOOP_PROBE } from './event-loop-probe-client.js';

export class ScriptServer {
  readonly output: string[];
  url = '';

  private constructor(
    readonly name: string,
    readonly child: ChildProcess,
  ) {
    this.output = captureOutput(child);
  }

  /** Starts `script` with `args` and waits (up to `timeoutMs`) until it listens. */
  static async start(
    name: string,
    script: string,
    args: string[],
    timeoutMs = 120_000,
  ): Promise<ScriptServer> {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', '--import', EVENT_LOOP_PROBE, script, ...args],
      {
        cwd: REPO_ROOT,
        stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      },
    );
    const server = new ScriptServer(name, child);
    try {
      server.url = await ipcRequest<{ type: string; url?: string }, string>(
        child,
        name,
        { type: 'hello' },
        (message) => (message.type === 'ready' ? message.url : undefined),
        timeoutMs,
      );
    } catch (error) {
      await server.stop();
      throw error;
    }
    return server;
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  stop(): Promise<void> {
    return stopChild(this.child, this.name, 10_000, () => this.child.kill('SIGTERM'));
  }
}
