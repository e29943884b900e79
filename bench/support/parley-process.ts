// A built Parley server (`node bin/parley.js serve --docs <dir>`) in a child process, configured
// to answer with the stub model, for the benchmarks.
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { FASTIFY_DOCS_DIR, REPO_ROOT } from './bench-paths.js';
import { captureOutput, sleep, stopChild } from './child-processes.js';
import { STUB_MODEL } from './stub-process.js';

/**
 * The Node flags Parley is shipped to run with, read from `npm start` (the Dockerfile's ENTRYPOINT and
 * the bin's shebang carry the same: test/ops/deploy-files.test.ts), so that the benchmarks measure the
 * server as it is run.
 */
export function shippedNodeFlags(): string[] {
  const { scripts } = JSON.parse(readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as {
    scripts: Record<string, string>;
  };
  const words = scripts.start!.split(/\s+/);
  return words.slice(1, words.indexOf('bin/parley.js')).filter((word) => word.startsWith('--'));
}

export interface ParleyStartOptions {
  /** Working directory (so no parley.config.json of the checkout is picked up); holds `data/`. */
  tempRoot: string;
  port: number;
  stubUrl: string;
  /** Ingested before serving (default: the Fastify docs). */
  docsDir?: string;
  /** Settings over the benchmark's defaults; `undefined` removes a variable. */
  env?: Record<string, string | undefined>;
  /** Node options before the script (after the shipped ones), e.g. `--import <probe>` or `--cpu-prof`. */
  nodeArgs?: string[];
  /** Open an IPC channel (for the event-loop probe). */
  ipc?: boolean;
  /** What the benchmark calls this server, for its report (default `parley`). */
  name?: string;
}

/** Where Parley listens and what each request to it carries (the API key, if any). */
export interface ParleyTarget {
  baseUrl: string;
  headers: Record<string, string>;
}

export class ParleyProcess implements ParleyTarget {
  readonly output: string[];
  headers: Record<string, string> = {};
  ingestLine = '';
  exited: { code: number | null; signal: string | null } | undefined;
  /** Warn and error lines logged once `countProblems` is set (start-up warnings are expected). */
  countProblems = false;
  warnLines = 0;
  errorLines = 0;
  readonly problems: string[] = [];

  private constructor(
    readonly child: ChildProcess,
    readonly baseUrl: string,
    readonly env: NodeJS.ProcessEnv,
    private readonly cwd: string,
    readonly name: string,
  ) {
    this.output = captureOutput(child, (line) => {
      if (line.startsWith('parley: ingested')) this.ingestLine = line.replace(/^parley: /, '');
      this.notice(line);
    });
    child.on('exit', (code, signal) => {
      this.exited = { code, signal };
    });
  }

  private notice(line: string): void {
    const level = /"level":(\d+)/.exec(line)?.[1];
    if (!this.countProblems || level === undefined || Number(level) < 40) return;
    if (level === '40') this.warnLines++;
    else this.errorLines++;
    this.problems.push(line);
    if (this.problems.length > 20) this.problems.shift();
  }

  static start(options: ParleyStartOptions): ParleyProcess {
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      PARLEY_DATA_DIR: path.join(options.tempRoot, 'data'),
      PARLEY_MODELS: `openai:${STUB_MODEL}`,
      OPENAI_BASE_URL: options.stubUrl,
      OPENAI_API_KEY: 'test',
      PARLEY_LOG_LEVEL: 'warn',
      PARLEY_HOST: '127.0.0.1',
      // The benchmarks measure answering: a question asked again would skip the model entirely.
      PARLEY_ANSWER_CACHE_SECONDS: '0',
    };
    // The embedded database, keyword retrieval and the defaults: nothing from the caller's setup.
    for (const name of ['DATABASE_URL', 'PARLEY_CONFIG', 'PARLEY_EMBEDDINGS', 'REDIS_URL']) delete env[name];
    for (const [name, value] of Object.entries(options.env ?? {})) {
      if (value === undefined) delete env[name];
      else env[name] = value;
    }
    const child = spawn(
      process.execPath,
      [
        ...shippedNodeFlags(),
        ...(options.nodeArgs ?? []),
        path.join(REPO_ROOT, 'bin', 'parley.js'),
        'serve',
        '--port',
        String(options.port),
        '--docs',
        options.docsDir ?? FASTIFY_DOCS_DIR,
      ],
      {
        cwd: options.tempRoot,
        env,
        stdio: ['ignore', 'pipe', 'pipe', ...(options.ipc ? (['ipc'] as const) : [])],
      },
    );
    const baseUrl = `http://127.0.0.1:${options.port}`;
    return new ParleyProcess(child, baseUrl, env, options.tempRoot, options.name ?? 'parley');
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  /**
   * Waits for the "serving on" line (after the docs are ingested), then for /readyz (which wants the
   * API key once one exists: set `headers` first when restarting on a data directory with a key).
   */
  async waitReady(timeoutMs: number): Promise<unknown> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (this.exited) throw new Error(`Parley exited during start-up (${JSON.stringify(this.exited)})`);
      if (this.output.some((line) => line.includes('serving on'))) {
        try {
          const response = await fetch(`${this.baseUrl}/readyz`, {
            headers: this.headers,
            signal: AbortSignal.timeout(2000),
          });
          if (response.status === 200) return response.json();
          await response.body?.cancel();
        } catch {
          // not answering yet
        }
      }
      await sleep(200);
    }
    throw new Error(`Parley not ready after ${timeoutMs} ms`);
  }

  /**
   * Creates an API key for `tenant` with the CLI, which reaches the running server's embedded
   * database through its socket (or the PostgreSQL server directly), and sends it from now on.
   * Once a key exists, Parley requires one on every request.
   */
  createKey(tenant = 'default'): void {
    const stdout = execFileSync(
      process.execPath,
      [path.join(REPO_ROOT, 'bin', 'parley.js'), 'keys', 'create', '--tenant', tenant],
      { cwd: this.cwd, env: this.env, encoding: 'utf8', timeout: 60_000 },
    );
    const key = stdout.trim().split('\n').at(-1)?.trim() ?? '';
    if (!key.startsWith('parley_')) throw new Error(`parley keys create printed no key: ${stdout}`);
    this.headers = { authorization: `Bearer ${key}` };
  }

  stop(): Promise<void> {
    return stopChild(this.child, 'Parley', 25_000, () => this.child.kill('SIGTERM'));
  }
}
