// Handoff to a person, in headless Chromium: a user asks for a human in the chat page (and in the
// widget, on another origin through a publishable key), a person replies through the agent API,
// the reply shows in the open page without a reload, marked as a person's; once handed back, the
// next message gets the bot's answer again. A reload while handed off reads the person's replies
// back and follows the conversation again.
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiKey } from '../../src/app/index.js';
import { ensureWebBuild, launchChromium, listen, screenshot, serveHtml } from '../support/browser.js';
import { type ChatFixture, startChatFixture } from '../support/chat-fixture.js';
import { QUESTION } from '../support/documents.js';
import { call } from '../support/http.js';

const REPLY = 'The Moon pulls on the oceans [1].';

describe('handoff in the browser', () => {
  let fixture: ChatFixture;
  let browser: Browser;
  let origin: string;
  let site: Awaited<ReturnType<typeof serveHtml>>;
  const seen = new Set<string>();

  beforeAll(async () => {
    ensureWebBuild();
    fixture = await startChatFixture({ models: 'openai:small-model', reply: REPLY });
    origin = await listen(fixture.server);
    const setting = await call(fixture.app, {
      method: 'PATCH',
      url: '/v1/bots/parley',
      payload: { settings: { intents: { handoff: true } } },
    });
    expect(setting.status).toBe(200);
    let html = '';
    site = await serveHtml(() => html);
    const { key } = await createApiKey(fixture.server.runtime.db, 'default', {
      publishable: { bot: 'parley', origins: [site.origin] },
    });
    html = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Shop</title></head>
<body><h1>A shop</h1><script src="${origin}/widget.js" data-bot="parley" data-key="${key}"></script></body></html>`;
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await site?.close();
    await fixture?.close();
  });

  /** The conversation just handed off, as an agent finds it: GET /v1/handoffs. */
  const newHandoff = async () => {
    const listed = await call<{ conversations: { id: string }[] }>(fixture.app, {
      method: 'GET',
      url: '/v1/handoffs',
    });
    const fresh = listed.body.conversations.map((c) => c.id).filter((id) => !seen.has(id));
    expect(fresh).toHaveLength(1);
    seen.add(fresh[0]!);
    return fresh[0]!;
  };

  const agent = (id: string, action: 'agent-replies' | 'hand-back', content?: string) =>
    call(fixture.app, {
      method: 'POST',
      url: `/v1/conversations/${id}/${action}`,
      ...(content ? { payload: { content } } : {}),
    });

  /** The whole round trip in one chat (the page's or the widget's). */
  const roundTrip = async (page: Page, name: string, reopen?: () => Promise<void>) => {
    const input = page.getByLabel('Your message');
    const ask = async (text: string) => {
      await input.fill(text);
      await input.press('Enter');
    };
    const answers = page.locator('article.message.assistant');
    // The page follows the conversation's events once it is handed off.
    const watching = page.waitForResponse((response) =>
      /\/v1\/conversations\/[^/]+\/events$/.test(response.url()),
    );
    await ask('I want to talk to a human');
    await page.locator('.handoff-status[data-answerer="person"]').waitFor();
    expect((await watching).status()).toBe(200);
    await expect(answers.last().textContent()).resolves.toMatch(/handing this conversation to a person/);
    const id = await newHandoff();

    // No reload: the reply arrives on the open page, marked as a person's.
    const text = `Hi, Sam here (${name}): the Moon, mostly.`;
    expect((await agent(id, 'agent-replies', text)).status).toBe(201);
    const fromPerson = page.locator('article.message.assistant[data-author="agent"]');
    await fromPerson.filter({ hasText: text }).waitFor();
    await expect(fromPerson.locator('.author').textContent()).resolves.toBe('A person');
    const second = 'And the Sun a little.';
    expect((await agent(id, 'agent-replies', second)).status).toBe(201);
    await fromPerson.filter({ hasText: second }).waitFor();
    await expect(fromPerson.count()).resolves.toBe(2);
    await screenshot(page, `handoff-${name}`);

    if (reopen) {
      // Read back after a reload: still with a person, their replies marked, followed again.
      const rewatching = page.waitForResponse((response) =>
        response.url().endsWith(`/v1/conversations/${id}/events`),
      );
      await reopen();
      await page.locator('.handoff-status[data-answerer="person"]').waitFor();
      expect((await rewatching).status()).toBe(200);
      await fromPerson.filter({ hasText: second }).waitFor();
      await expect(fromPerson.count()).resolves.toBe(2);
    }

    expect((await agent(id, 'hand-back')).status).toBe(200);
    await page.locator('.handoff-status[data-answerer="bot-again"]').waitFor();

    const before = await answers.count();
    await ask(QUESTION);
    await page.locator(`article.message.assistant[data-status="done"] >> nth=${before}`).waitFor();
    const answer = answers.nth(before);
    await expect(answer.getAttribute('data-author')).resolves.toBeNull();
    await expect(answer.locator('.answer-text').textContent()).resolves.toBe(REPLY);
    await expect(page.locator('.handoff-status').count()).resolves.toBe(0);
    await expect(fromPerson.count()).resolves.toBe(2);
  };

  it("shows a person's replies in the chat page as they come, then the bot's answers again", async () => {
    const page = await browser.newPage({ bypassCSP: true });
    await page.goto(`${origin}/`);
    await roundTrip(page, 'page', async () => {
      await page.reload();
    });
    await page.close();
  });

  it('does the same in the widget on another origin', async () => {
    const page = await browser.newPage();
    await page.goto(`${site.origin}/`);
    await page.getByRole('button', { name: 'Open chat with parley' }).click();
    await roundTrip(page, 'widget');
    await page.close();
  });
});
