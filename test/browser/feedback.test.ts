// Feedback in headless Chromium: thumbs up and down under each finished answer, in the chat page and
// in the widget (on another origin, through a publishable key). A click stores the rating with the
// turn, the chosen button shows pressed (after a reload too), and the other one replaces it; the
// optional comment written after a rating is stored with it, personal data redacted. For a bot
// that hands over to people, a thumbs down offers one, and the offer hands the conversation over.
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiKey } from '../../src/app/index.js';
import { ensureWebBuild, launchChromium, listen, screenshot, serveHtml } from '../support/browser.js';
import { type ChatFixture, startChatFixture } from '../support/chat-fixture.js';
import { QUESTION } from '../support/documents.js';
import { call } from '../support/http.js';
import { eventually } from '../support/test-backend.js';

const REPLY = 'Tides are caused mainly by the pull of the Moon on the oceans [1].';

describe('feedback in the browser', () => {
  let fixture: ChatFixture;
  let browser: Browser;
  let origin: string;
  let site: Awaited<ReturnType<typeof serveHtml>>;

  beforeAll(async () => {
    ensureWebBuild();
    fixture = await startChatFixture({ models: 'openai:small-model', reply: REPLY });
    origin = await listen(fixture.server);
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

  /** The stored rating of the conversation's latest answer, once there is one equal to `rating`. */
  const storedRating = (rating: string) =>
    eventually(async () => {
      const [row] = await fixture.server.runtime.db.query<{ rating: string; turn_id: string }>(
        'select rating, turn_id from feedback order by updated_at desc limit 1',
      );
      return row?.rating === rating ? row : undefined;
    });

  /** Asks the question; resolves with the finished answer's thumbs. */
  async function ask(page: Page) {
    const input = page.getByLabel('Your message');
    await input.fill(QUESTION);
    await input.press('Enter');
    const answer = page.locator('article.message.assistant[data-status="done"]').last();
    await answer.waitFor();
    await expect(answer.locator('.answer-text').textContent()).resolves.toBe(REPLY);
    return {
      up: answer.getByRole('button', { name: 'Good answer' }),
      down: answer.getByRole('button', { name: 'Bad answer' }),
    };
  }

  it('stores a thumbs down clicked on the chat page, shown pressed; a thumbs up replaces it, and after a reload a thumbs down again', async () => {
    const page = await browser.newPage({ viewport: { width: 900, height: 560 }, bypassCSP: true });
    await page.goto(`${origin}/`);
    const { up, down } = await ask(page);
    await expect(down.getAttribute('aria-pressed')).resolves.toBe('false');
    await down.click();
    await page.locator('button[aria-label="Bad answer"][aria-pressed="true"]').waitFor();
    await expect(up.getAttribute('aria-pressed')).resolves.toBe('false');
    await screenshot(page, 'feedback-page');
    const stored = await storedRating('down');
    const [message] = await fixture.server.runtime.db.query<{ content: string }>(
      `select content from messages where turn_id = $1 and role = 'assistant'`,
      [stored.turn_id],
    );
    expect(message?.content).toBe(REPLY);

    await up.click();
    await page.locator('button[aria-label="Good answer"][aria-pressed="true"]').waitFor();
    await expect(down.getAttribute('aria-pressed')).resolves.toBe('false');
    expect((await storedRating('up')).turn_id).toBe(stored.turn_id);

    // Read back after a reload, the answer shows its rating, and can be rated again (it replaces it).
    await page.reload();
    const restored = page.locator('article.message.assistant[data-status="done"]').last();
    await restored.locator('button[aria-label="Good answer"][aria-pressed="true"]').waitFor();
    await restored.getByRole('button', { name: 'Bad answer' }).click();
    await page.locator('button[aria-label="Bad answer"][aria-pressed="true"]').waitFor();
    expect((await storedRating('down')).turn_id).toBe(stored.turn_id);
    await page.close();
  });

  /** The stored comment of `turnId`'s rating, once it has one. */
  const storedComment = (turnId: string) =>
    eventually(async () => {
      const [row] = await fixture.server.runtime.db.query<{ comment: string | null }>(
        'select comment from feedback where turn_id = $1',
        [turnId],
      );
      return row?.comment ?? undefined;
    });

  it('sends the comment written after a thumbs down on the chat page, stored with personal data redacted', async () => {
    const page = await browser.newPage({ viewport: { width: 900, height: 560 }, bypassCSP: true });
    await page.goto(`${origin}/`);
    const { down } = await ask(page);
    await down.click();
    const box = page.getByLabel('What was wrong with this answer? (optional)');
    await box.fill('It missed the Sun. Write to me at jane.doe@example.com');
    await screenshot(page, 'feedback-comment');
    await page.getByRole('button', { name: 'Send comment' }).click();
    await page.getByText('Thank you for your comment.').waitFor();
    await expect(box.count()).resolves.toBe(0);
    const stored = await storedRating('down');
    expect(await storedComment(stored.turn_id)).toBe('It missed the Sun. Write to me at [EMAIL]');
    await page.close();
  });

  it('stores a thumbs down clicked in the widget, for the visitor’s own answer', async () => {
    const page = await browser.newPage();
    await page.goto(site.origin);
    await page.getByRole('button', { name: 'Open chat with parley' }).click();
    const { down } = await ask(page);
    await down.click();
    await page.locator('button[aria-label="Bad answer"][aria-pressed="true"]').waitFor();
    const stored = await storedRating('down');
    const [owner] = await fixture.server.runtime.db.query<{ visitor_id: string }>(
      `select v.visitor_id from feedback f join visitor_conversations v on v.conversation_id = f.conversation_id
        where f.turn_id = $1`,
      [stored.turn_id],
    );
    expect(owner?.visitor_id).toBeTruthy();
    // The comment box in the widget: Enter sends it.
    const box = page.getByLabel('What was wrong with this answer? (optional)');
    await box.fill('Too vague.');
    await box.press('Enter');
    await page.getByText('Thank you for your comment.').waitFor();
    expect(await storedComment(stored.turn_id)).toBe('Too vague.');
    await page.close();
  });

  it('offers a person after a thumbs down for a bot that hands over, and the offer hands the conversation over', async () => {
    const page = await browser.newPage({ viewport: { width: 900, height: 560 }, bypassCSP: true });
    await page.goto(`${origin}/`);
    // Without handoff, a thumbs down offers no one.
    const before = await ask(page);
    await before.down.click();
    await page.locator('button[aria-label="Bad answer"][aria-pressed="true"]').waitFor();
    await expect(page.getByRole('button', { name: 'Talk to a person' }).count()).resolves.toBe(0);

    const patched = await call(fixture.app, {
      method: 'PATCH',
      url: '/v1/bots/parley',
      payload: { settings: { intents: { handoff: true } } },
    });
    expect(patched.status, patched.raw).toBe(200);
    await ask(page);
    // The second answer, once finished (the first one reads the same).
    const second = page.locator('article.message.assistant[data-status="done"]').nth(1);
    await second.waitFor();
    await second.getByRole('button', { name: 'Bad answer' }).click();
    const offer = page.getByRole('button', { name: 'Talk to a person' });
    await offer.waitFor();
    await offer.click();
    await page.locator('.handoff-status[data-answerer="person"]').waitFor();
    await expect(page.locator('article.message.assistant').last().textContent()).resolves.toMatch(
      /handing this conversation to a person/,
    );
    await expect(offer.count()).resolves.toBe(0);
    await page.close();
  });
});
