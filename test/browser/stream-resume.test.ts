// The chat page resumes a streamed answer on its own, in headless Chromium against a real Parley
// server and the stub model provider: a connection that drops mid-answer (the page's POST
// /v1/chat answered with the stream cut after its first token) goes on from the last event id,
// and a page reloaded mid-answer shows the question again and the whole answer; the text is the
// model's reply exactly, nothing missing or repeated.
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureWebBuild, launchChromium, listen } from '../support/browser.js';
import { type ChatFixture, startChatFixture } from '../support/chat-fixture.js';
import type { StubProvider } from '../support/stub-provider/index.js';

const REPLY =
  'Tides are caused mainly by the pull of the Moon on the oceans [1]. The Sun adds a smaller pull, so the highest tides come when both line up.';

const lastAnswer = (page: Page) => page.locator('article.message.assistant').last();

describe('the chat page resuming a stream', () => {
  let fixture: ChatFixture;
  let stub: StubProvider;
  let browser: Browser;
  let page: Page;
  let origin: string;

  beforeAll(async () => {
    ensureWebBuild();
    fixture = await startChatFixture({
      // Paced, so that the answer comes in several events.
      stub: { pacing: { firstTokenDelayMs: 50, tokenIntervalMs: 15 } },
      models: 'openai:small-model',
      reply: REPLY,
      // Ample: the reloaded page comes back well within it.
      env: { PARLEY_STREAM_RESUME_GRACE_SECONDS: '60' },
    });
    stub = fixture.stub;
    origin = await listen(fixture.server);
    browser = await launchChromium();
    page = await browser.newPage({ bypassCSP: true });
  });
  afterAll(async () => {
    await browser?.close();
    await fixture?.close();
  });

  const ask = async (question: string) => {
    const input = page.getByLabel('Your message');
    await input.fill(question);
    await input.press('Enter');
  };

  it('goes on from the last event id when the connection drops mid-answer', async () => {
    stub.setReply(REPLY);
    await page.goto(`${origin}/`);
    // The answer's stream ends after its `meta` and first `token`, without `done`: a dropped connection.
    await page.route(`${origin}/v1/chat`, async (route) => {
      const response = await route.fetch();
      const blocks = (await response.text()).split('\n\n');
      const firstToken = blocks.findIndex((block) => block.includes('event: token'));
      await route.fulfill({ response, body: `${blocks.slice(0, firstToken + 1).join('\n\n')}\n\n` });
    });
    const resumes: string[] = [];
    page.on('request', (request) => {
      if (request.url().includes('/stream')) resumes.push(request.url());
    });
    await ask('What causes the tides?');
    await page.locator('article.message.assistant[data-status="done"]').waitFor();
    await page.unroute(`${origin}/v1/chat`);
    await expect(lastAnswer(page).locator('.answer-text').textContent()).resolves.toBe(REPLY);
    expect(resumes).toHaveLength(1);
    // After `meta` (0) and the first token (1).
    expect(resumes[0]).toMatch(/\/v1\/turns\/[0-9a-f-]{36}\/stream\?last_event_id=1$/);
  });

  it('resumes the answer that was streaming when the page was reloaded', async () => {
    await page.goto(`${origin}/`);
    await page.getByRole('button', { name: 'New chat' }).click();
    const held = stub.holdNext(1, { path: '/v1/chat/completions', afterTokens: 5 });
    await ask('Why are there tides?');
    await page.waitForFunction(`(() => {
      const answer = [...document.querySelectorAll('article.message.assistant')].pop();
      return answer && answer.dataset.status === 'streaming' &&
        answer.querySelector('.answer-text').textContent.length > 0;
    })()`);
    await page.reload();
    // Back from the server's stream while the model is still held, then live to the end.
    await page.locator('article.message.assistant[data-status="streaming"]').waitFor();
    held.release();
    await page.locator('article.message.assistant[data-status="done"]').waitFor();
    await expect(lastAnswer(page).locator('.answer-text').textContent()).resolves.toBe(REPLY);
    await expect(page.locator('article.message.user').last().textContent()).resolves.toContain(
      'Why are there tides?',
    );
  });
});
