// The API reference page at `/docs` in headless Chromium, with every request to another origin
// refused: the page draws Swagger UI from the server's own files, under its content security
// policy, reads the OpenAPI document and lists the API's operations, with no CDN and no key.
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiKey } from '../../src/app/index.js';
import { launchChromium, listen } from '../support/browser.js';
import { startTestServer, type TestServer } from '../support/test-backend.js';

describe('the API reference page', () => {
  let server: TestServer;
  let browser: Browser;
  let origin: string;
  beforeAll(async () => {
    server = await startTestServer('pglite');
    // With a key in existence, the API refuses keyless calls: the page needs none.
    await createApiKey(server.runtime.db, 'docs-reader');
    origin = await listen(server);
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it('lists the operations from its own files alone, without a key or a console error', async () => {
    const page = await browser.newPage();
    const elsewhere: string[] = [];
    const errors: string[] = [];
    await page.route('**/*', (route) => {
      const url = route.request().url();
      if (url.startsWith(origin) || url.startsWith('data:')) return route.continue();
      elsewhere.push(url);
      return route.abort();
    });
    page.on('console', (message) => {
      if (message.type() === 'error') errors.push(message.text());
    });
    page.on('pageerror', (error) => errors.push(error.message));

    await page.goto(`${origin}/docs`);
    await page.locator('.opblock').first().waitFor({ timeout: 15_000 });
    const operations = await page.locator('.opblock-summary-path').allTextContents();
    expect(operations.map((text) => text.replace(/\u200b/g, ''))).toEqual(
      expect.arrayContaining(['/v1/documents', '/v1/bots/{id}', '/v1/chat', '/openapi.json']),
    );
    expect(await page.locator('.info .title').textContent()).toContain('Parley');
    expect(elsewhere).toEqual([]);
    expect(errors).toEqual([]);
    await page.close();
  });
});
