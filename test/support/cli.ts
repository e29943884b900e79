// Runs the built `parley` command as a user would, in a child process.
import { type ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';

export const BIN = path.resolve(import.meta.dirname, '../../bin/parley.js');

/**
 * How long one `parley` run may take before it counts as hung. A run starts Node and opens the
 * embedded database (seconds on an idle machine, tens of seconds on a loaded 2-core one); `eval`
 * even creates a database of its own. Generous, so that only a command that never ends fails.
 */
export const CLI_RUN_TIMEOUT_MS = 120_000;

/** A test's timeout for `runs` runs of `parley` one after another (plus a minute for its own work). */
export const cliTestTimeout = (runs: number) => runs * CLI_RUN_TIMEOUT_MS + 60_000;

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `parley` to its end; a run past `timeoutMs` is killed and fails with what it printed. */
export function runCli(
  args: string[],
  env: Record<string, string>,
  input?: string,
  timeoutMs = CLI_RUN_TIMEOUT_MS,
): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      env: { ...process.env, PARLEY_LOG_LEVEL: 'warn', ...env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    const hung = setTimeout(() => {
      child.kill('SIGKILL');
      reject(
        new Error(
          `parley ${args.join(' ')} did not exit within ${timeoutMs} ms\nstdout: ${stdout}\nstderr: ${stderr}`,
        ),
      );
    }, timeoutMs);
    child.stdout.on('data', (data) => {
      stdout += data;
    });
    child.stderr.on('data', (data) => {
      stderr += data;
    });
    child.on('error', (error) => {
      clearTimeout(hung);
      reject(error);
    });
    child.on('close', (code) => {
      clearTimeout(hung);
      resolve({ code, stdout, stderr });
    });
    child.stdin.end(input ?? '');
  });
}

/** Starts a long-running command and resolves once its stderr matches `ready`. */
export function startCli(
  args: string[],
  env: Record<string, string>,
  ready: RegExp,
): Promise<{ child: ChildProcess; match: RegExpMatchArray; output: () => string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      env: { ...process.env, PARLEY_LOG_LEVEL: 'warn', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    const onData = (data: Buffer) => {
      output += data;
      const match = output.match(ready);
      if (match) resolve({ child, match, output: () => output });
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('error', reject);
    child.on('exit', (code) => reject(new Error(`exited with ${code} before it was ready:\n${output}`)));
  });
}
