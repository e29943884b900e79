// Headless Chromium for the browser tests: Debian's `chromium` driven by playwright-core, a real
// Parley server listening on a port (the web build served from dist/web), and tiny static sites
// on other ports to embed the widget from another origin.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Browser, chromium, type Page } from 'playwright-core';
import type { TestServer } from './test-backend.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const SCREENSHOT_DIR = path.join(ROOT, 'docs/screenshots');
/** Screenshots are written only on request (`npm run screenshots`), never by a plain test run. */
export const TAKE_SCREENSHOTS = process.env.PARLEY_SCREENSHOTS === '1';

/** Builds the web assets once if this checkout has not built them yet. */
export function ensureWebBuild() {
  if (
    ['index.html', 'dashboard.html', 'widget.js'].every((file) =>
      existsSync(path.join(ROOT, 'dist/web', file)),
    )
  )
    return;
  execFileSync('npm', ['run', 'build:web'], { cwd: ROOT, stdio: 'inherit' });
}

export async function launchChromium(): Promise<Browser> {
  const executablePath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
  if (!existsSync(executablePath)) {
    throw new Error(`browser tests need Chromium at ${executablePath} (apt-get install -y chromium)`);
  }
  return chromium.launch({ executablePath, args: ['--no-sandbox', '--disable-gpu'] });
}

/** Makes the test server listen on a loopback port; returns its origin. */
export async function listen(server: TestServer): Promise<string> {
  const address = await server.parley.app.listen({ port: 0, host: '127.0.0.1' });
  return address.replace('localhost', '127.0.0.1');
}

/** A one-page site on its own port (its own origin); `html` may be given once the origin is known. */
export async function serveHtml(
  html: string | (() => string),
): Promise<{ origin: string; close(): Promise<void> }> {
  const server: Server = createServer((request, response) => {
    if (request.url === '/' || request.url?.startsWith('/?')) {
      response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      response.end(typeof html === 'string' ? html : html());
    } else {
      response.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export async function screenshot(page: Page, name: string) {
  if (!TAKE_SCREENSHOTS) return;
  await mkdir(SCREENSHOT_DIR, { recursive: true });
  await page.screenshot({ path: path.join(SCREENSHOT_DIR, `${name}.png`) });
}

/** One paint-latency sample as the page records it (web/src/chat/paint-probe.ts). */
export interface PaintSample {
  first: boolean;
  arrivedAt: number;
  paintedAt: number;
  ms: number;
}

export function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}
