// Resolves a worker script next to the calling module. Under the TypeScript sources (tests,
// `tsx`) the worker is a .ts file and is started through tsx's loader (Node 20 workers do not
// inherit the parent's loader hooks); the built package runs the plain .js file.
import type { WorkerOptions } from 'node:worker_threads';

export function workerScript(baseUrl: string, name: string): { url: URL | string; options: WorkerOptions } {
  if (!baseUrl.endsWith('.ts')) return { url: new URL(`./${name}.js`, baseUrl), options: {} };
  const target = new URL(`./${name}.ts`, baseUrl).href;
  const bootstrap = `import('tsx/esm/api').then((api) => { api.register(); return import(${JSON.stringify(target)}); })`;
  return { url: bootstrap, options: { eval: true } };
}
