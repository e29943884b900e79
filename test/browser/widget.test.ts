// The embeddable widget in headless Chromium: one script tag on a page of another origin (a second
// local HTTP server, with hostile CSS) opens a chat bubble that streams answers from Parley through
// a publishable key; the conversation survives a reload, another visitor cannot load it, an answer
// whose connection drops is resumed, and a page on an origin the key does not list is refused.
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiKey } from '../../src/app/index.js';
import {
  ensureWebBuild,
  launchChromium,
  listen,
  type PaintSample,
  screenshot,
  serveHtml,
} from '../support/browser.js';
import { type ChatFixture, startChatFixture } from '../support/chat-fixture.js';
import { RETURNS } from '../support/documents.js';
import { call } from '../support/http.js';
import type { StubProvider } from '../support/stub-provider/index.js';
import { eventually, type TestServer } from '../support/test-backend.js';

const REPLY = 'Items can be returned within 30 days [1], with the receipt, at any shop or by post.';

/** A host page whose CSS tries hard to break whatever it embeds. */
const hostPage = (parley: string, key: string) => `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Shop</title>
<style>
  * { font-family: "Comic Sans MS", cursive !important; color: #f0f !important; letter-spacing: 4px !important; }
  button { display: none !important; }
  textarea, input { visibility: hidden !important; }
  body { background: #fafaf0; }
</style></head>
<body><h1>A shop</h1><p>Our returns policy is in the chat.</p>
<script src="${parley}/widget.js" data-bot="parley" data-key="${key}"></script>
</body></html>`;

describe('the widget', () => {
  let fixture: ChatFixture;
  let stub: StubProvider;
  let server: TestServer;
  let browser: Browser;
  let parley: string;
  let site: Awaited<ReturnType<typeof serveHtml>>;
  let stranger: Awaited<ReturnType<typeof serveHtml>>;
  let context: BrowserContext;
  let page: Page;

  beforeAll(async () => {
    ensureWebBuild();
    fixture = await startChatFixture({
      stub: { pacing: { firstTokenDelayMs: 120, tokenIntervalMs: 40 } },
      models: 'openai:small-model',
      documents: [{ ...RETURNS, title: 'Returns policy', source: 'policies/returns.md' }],
    });
    ({ stub, server } = fixture);
    parley = await listen(server);
    // The key names the site's origin, so the site starts first and gets its page once the key exists.
    let html = '';
    site = await serveHtml(() => html);
    const { key } = await createApiKey(server.runtime.db, 'default', {
      publishable: { bot: 'parley', origins: [site.origin] },
    });
    html = hostPage(parley, key);
    stranger = await serveHtml(html);
    stub.setReply(REPLY);
    browser = await launchChromium();
    context = await browser.newContext({ viewport: { width: 1000, height: 760 } });
    page = await context.newPage();
  });
  afterAll(async () => {
    await browser?.close();
    await site?.close();
    await stranger?.close();
    await fixture?.close();
  });

  it('opens from one script tag on another origin, unharmed by its CSS, and streams an answer', async () => {
    await page.goto(`${site.origin}/`);
    const bubble = page.getByRole('button', { name: 'Open chat with parley' });
    await bubble.waitFor({ state: 'visible' });
    await bubble.click();
    const input = page.getByLabel('Your message');
    await expect(input.isVisible()).resolves.toBe(true);
    // The host page's `* { ... !important }` rules do not reach into the Shadow DOM.
    const style = (await page.evaluate(
      `(() => { const s = getComputedStyle(document.querySelector('[data-parley-widget]').shadowRoot.querySelector('.chat-title')); return { font: s.fontFamily, spacing: s.letterSpacing, color: s.color }; })()`,
    )) as { font: string; spacing: string; color: string };
    expect(style.font).not.toContain('Comic Sans');
    expect(style.spacing).toBe('normal');
    expect(style.color).not.toBe('rgb(255, 0, 255)');

    // The stub stops after a few tokens until the page has shown them streaming.
    const held = stub.holdNext(1, { path: '/v1/chat/completions', afterTokens: 3 });
    await input.fill('How long do I have to return items?');
    await input.press('Enter');
    const answer = page.locator('article.message.assistant').last();
    await page
      .locator('article.message.assistant[data-status="streaming"] .answer-text:not(:empty)')
      .waitFor();
    held.release();
    await page.locator('article.message.assistant[data-status="done"]').waitFor();
    await expect(answer.locator('.answer-text').textContent()).resolves.toBe(REPLY);
    await answer.locator('a.cite-marker').first().click();
    await expect(answer.locator('.cite-snippet').first().textContent()).resolves.toContain('30 days');
    await expect(answer.locator('.cite-source').first().textContent()).resolves.toBe('policies/returns.md');

    const samples = (await page.evaluate('window.__parleyPaint')) as PaintSample[];
    const first = samples.find((sample) => sample.first)!;
    console.log(`widget paint latency: first token ${first.ms.toFixed(1)} ms over ${samples.length} tokens`);
    // Every token is painted after it arrives; the figures are reported, not bounded (see chat-page.test.ts).
    for (const sample of samples) expect(sample.paintedAt).toBeGreaterThanOrEqual(sample.arrivedAt);

    await screenshot(page, 'widget-light');
    await page.emulateMedia({ colorScheme: 'dark' });
    await screenshot(page, 'widget-dark');
    await page.emulateMedia({ colorScheme: 'light' });
  });

  it('keeps the conversation across a reload, and another visitor cannot load it', async () => {
    const saved = (await page.evaluate(
      `Object.fromEntries(Object.entries(localStorage).filter(([name]) => name.startsWith('parley.widget.')))`,
    )) as Record<string, string>;
    const conversationName = Object.keys(saved).find((name) => name.endsWith('.conversation'))!;
    const conversationId = saved[conversationName]!;
    await eventually(async () => {
      const stored = await call<{ messages: unknown[] }>(server.parley.app, {
        method: 'GET',
        url: `/v1/conversations/${conversationId}`,
      });
      return stored.body.messages?.length === 2 ? true : undefined;
    });
    await page.reload();
    // The panel was left open, so it opens again with the conversation.
    await page.locator('article.message.assistant').waitFor();
    await expect(page.locator('article.message.user').textContent()).resolves.toContain('return items');
    await expect(page.locator('article.message.assistant .answer-text').textContent()).resolves.toBe(REPLY);

    // A second visitor (another browser profile) who learns the conversation id gets nothing.
    const other = await browser.newContext();
    try {
      const intruder = await other.newPage();
      await intruder.goto(`${site.origin}/`);
      await intruder.evaluate(
        `localStorage.setItem(${JSON.stringify(conversationName)}, ${JSON.stringify(conversationId)}); localStorage.setItem(${JSON.stringify(conversationName.replace(/conversation$/, 'open'))}, '1')`,
      );
      const refused = intruder.waitForResponse((response) => response.url().includes('/v1/conversations/'));
      await intruder.reload();
      expect((await refused).status()).toBe(403);
      await intruder.getByText('Ask a question about the documents.').waitFor();
      await expect(intruder.locator('article.message').count()).resolves.toBe(0);
      await expect(
        intruder.evaluate(`localStorage.getItem(${JSON.stringify(conversationName)})`),
      ).resolves.toBeNull();
    } finally {
      await other.close();
    }
  });

  it('resumes an answer whose connection dropped mid-answer, from the last event id', async () => {
    // The panel is open on the conversation (the test before). The answer's stream ends after its
    // `meta` and first `token`, without `done`: a dropped connection.
    await page.route(`${parley}/v1/chat`, async (route) => {
      if (route.request().method() !== 'POST') return route.continue();
      const response = await route.fetch();
      const blocks = (await response.text()).split('\n\n');
      const firstToken = blocks.findIndex((block) => block.includes('event: token'));
      await route.fulfill({ response, body: `${blocks.slice(0, firstToken + 1).join('\n\n')}\n\n` });
    });
    const resumes: string[] = [];
    page.on('request', (request) => {
      if (request.url().includes('/stream')) resumes.push(request.url());
    });
    const before = await page.locator('article.message.assistant').count();
    const input = page.getByLabel('Your message');
    await input.fill('Can I return items by post?');
    await input.press('Enter');
    await page.locator(`article.message.assistant >> nth=${before}`).waitFor();
    const answer = page.locator('article.message.assistant').last();
    await page.waitForFunction(
      `(() => { const a = [...document.querySelector('[data-parley-widget]').shadowRoot.querySelectorAll('article.message.assistant')].pop(); return a && a.dataset.status === 'done'; })()`,
    );
    await page.unroute(`${parley}/v1/chat`);
    await expect(answer.locator('.answer-text').textContent()).resolves.toBe(REPLY);
    expect(resumes).toHaveLength(1);
    expect(resumes[0]).toMatch(/\/v1\/turns\/[0-9a-f-]{36}\/stream\?last_event_id=1$/);
  });

  it('is refused on a page whose origin the key does not list', async () => {
    const refusedPage = await context.newPage();
    try {
      await refusedPage.goto(`${stranger.origin}/`);
      await refusedPage.getByRole('button', { name: 'Open chat with parley' }).click();
      const input = refusedPage.getByLabel('Your message');
      await input.fill('How long do I have to return items?');
      await input.press('Enter');
      const error = refusedPage.locator('article.message.assistant .error');
      await error.waitFor();
      await expect(error.textContent()).resolves.toContain('cannot be reached');
      await expect(refusedPage.locator('article.message.assistant .answer-text').textContent()).resolves.toBe(
        '',
      );
      // What the browser was told: the preflight from this origin is refused outright.
      const preflight = await fetch(`${parley}/v1/chat`, {
        method: 'OPTIONS',
        headers: { origin: stranger.origin, 'access-control-request-method': 'POST' },
      });
      expect(preflight.status).toBe(403);
      expect(preflight.headers.get('access-control-allow-origin')).toBeNull();
    } finally {
      await refusedPage.close();
    }
  });
});
