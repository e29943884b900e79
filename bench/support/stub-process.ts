// The parent's side of bench/support/stub-provider-process.ts: starts the stub model server in a
// child process of its own and talks to it over IPC (bench/support/stub-protocol.ts).
import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { Pacing } from '../../test/support/stub-provider/index.js';
import { REPO_ROOT } from './bench-paths.js';
import { captureOutput, ipcRequest, stopChild } from './child-processes.js';
import type { StubCommand, StubMessage, StubStats } from './stub-protocol.js';

const STUB_SCRIPT = fileURLToPath(new URL('./stub-provider-process.ts', import.meta.url));

/** The model name the benchmarks configure and ask for. */
export const STUB_MODEL = 'stub-model';

/** The stub's answer to every chat request: 49 word-sized tokens, with citation markers as Parley asks. */
export const STUB_REPLY =
  'Register the plugin with fastify.register and pass its options as the second argument [1]. ' +
  'Everything it declares stays encapsulated in its own context, so decorators and hooks added inside ' +
  'are invisible to the parent unless you wrap the function with fastify-plugin [2]. Await ' +
  'fastify.ready() before using them in tests.';
export const STUB_REPLY_TOKENS = STUB_REPLY.split(/\s+/).length;

/** The stub's reply, cut to its first `tokens` word-sized tokens when given. */
export const stubReply = (tokens?: number) =>
  tokens === undefined ? STUB_REPLY : STUB_REPLY.split(/\s+/).slice(0, tokens).join(' ');

export class StubProcess {
  readonly output: string[];
  url = '';
  private nextId = 1;

  private constructor(readonly child: ChildProcess) {
    this.output = captureOutput(child);
  }

  /** Starts the stub; `onSpawn` sees the process before it is ready (to clean it up on failure). */
  /** `replyTokens` cuts the reply to its first that many tokens (default: all of STUB_REPLY). */
  static async start(
    pacing: Pacing,
    onSpawn?: (stub: StubProcess) => void,
    replyTokens?: number,
  ): Promise<StubProcess> {
    // `--import tsx`: the stub is TypeScript under test/support, run from source as the tests do.
    const child = spawn(process.execPath, ['--import', 'tsx', STUB_SCRIPT], {
      cwd: REPO_ROOT,
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    });
    const stub = new StubProcess(child);
    onSpawn?.(stub);
    stub.url = await stub.request<string>(
      { type: 'start', pacing, reply: stubReply(replyTokens) },
      (message) => (message.type === 'ready' ? message.url : undefined),
    );
    return stub;
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  private request<T>(command: StubCommand, pick: (message: StubMessage) => T | undefined): Promise<T> {
    return ipcRequest(this.child, 'stub process', command, pick);
  }

  /** Forgets the requests recorded so far (they would pile up under load); resolves once done. */
  async reset(): Promise<void> {
    const id = this.nextId++;
    await this.request({ type: 'reset', id }, (message) =>
      message.type === 'reset-done' && message.id === id ? true : undefined,
    );
  }

  stats(): Promise<StubStats> {
    const id = this.nextId++;
    return this.request({ type: 'stats', id }, (message) =>
      message.type === 'stats' && message.id === id ? message.stats : undefined,
    );
  }

  stop(): Promise<void> {
    return stopChild(this.child, 'stub process', 5_000, () => {
      if (this.child.connected) this.child.send({ type: 'close' } satisfies StubCommand);
      else this.child.kill('SIGTERM');
    });
  }
}
