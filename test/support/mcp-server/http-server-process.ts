// Starts the test MCP server over streamable HTTP in a child process and waits for its URL.
import { type ChildProcess, spawn } from 'node:child_process';
import { EventEmitter, once } from 'node:events';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

export const STDIO_SERVER_PATH = fileURLToPath(new URL('./stdio-server.mjs', import.meta.url));
const HTTP_SERVER_PATH = fileURLToPath(new URL('./http-server.mjs', import.meta.url));

export interface HttpMcpServer {
  readonly url: string;
  readonly child: ChildProcess;
  /** Resolves when the server has let go of a call to `tool` (answered, cancelled or cut). */
  callClosed(tool: string): Promise<void>;
  stop(): Promise<void>;
}

export async function startHttpMcpServer(): Promise<HttpMcpServer> {
  const child = spawn(process.execPath, [HTTP_SERVER_PATH], { stdio: ['ignore', 'pipe', 'inherit'] });
  const lines = new EventEmitter();
  createInterface({ input: child.stdout! }).on('line', (line: string) => lines.emit('line', line));
  const url = await new Promise<string>((resolve, reject) => {
    const onLine = (line: string) => {
      const match = /^listening (\S+)$/.exec(line);
      if (match?.[1]) resolve(match[1]);
    };
    lines.on('line', onLine);
    child.once('exit', (code) => reject(new Error(`the test MCP server exited (${code}) before listening`)));
  });
  return {
    url,
    child,
    callClosed: (tool) =>
      new Promise((resolve) => {
        const onLine = (line: string) => {
          if (line !== `call closed ${tool}`) return;
          lines.off('line', onLine);
          resolve();
        };
        lines.on('line', onLine);
      }),
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const gone = once(child, 'exit');
      child.kill();
      await gone;
    },
  };
}
