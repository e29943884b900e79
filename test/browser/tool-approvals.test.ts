// Approval of actions in headless Chromium, in the chat page and in the widget (on another origin,
// through a publishable key): an answer paused for an HTTP tool that books a table shows the action
// with Approve and Decline; approved, the booking endpoint is called once and the continued answer
// streams in with its result; declined, it is never called and the answer says so. A decision taken
// before the click shows a notice, and an operator's approval is waited for without buttons. An action
// still pending when the page is reloaded shows again, and is decided there the same way.
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Browser, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiKey } from '../../src/app/index.js';
import { ensureWebBuild, launchChromium, listen, screenshot, serveHtml } from '../support/browser.js';
import { type ChatFixture, startChatFixture } from '../support/chat-fixture.js';
import { call } from '../support/http.js';
import type { StubPrompt } from '../support/stub-provider/index.js';
import { eventually } from '../support/test-backend.js';

const QUESTION = 'Book me a table in Paris';
const BOOKED = 'Done: booked for 2 at 19:00';
const DECLINED = 'Done: The user declined: book_table was not run.';

/** Books a table (in `city`) when it can; once the booking's result (or its refusal) is in, answers with it. */
function bookingModel(prompt: StubPrompt, city = 'Paris') {
  const last = prompt.messages.at(-1)?.text ?? '';
  if (prompt.messages.length > 1 && /booked|declined|not run/.test(last)) return `Done: ${last}`;
  if (prompt.tools.includes('book_table')) {
    return {
      text: 'Let me book it.',
      toolCalls: [{ name: 'book_table', arguments: JSON.stringify({ city }) }],
    };
  }
  return 'No tools.';
}

describe('approval of actions in the browser', () => {
  let fixture: ChatFixture;
  let endpoint: Server;
  const bookings: IncomingHttpHeaders[] = [];
  let browser: Browser;
  let origin: string;
  let site: Awaited<ReturnType<typeof serveHtml>>;

  beforeAll(async () => {
    ensureWebBuild();
    endpoint = createServer((request, response) => {
      request.resume();
      request.on('end', () => {
        bookings.push(request.headers);
        response.writeHead(200).end('booked for 2 at 19:00');
      });
    });
    await new Promise<void>((resolve) => endpoint.listen(0, '127.0.0.1', resolve));
    const endpointUrl = `http://127.0.0.1:${(endpoint.address() as AddressInfo).port}`;
    fixture = await startChatFixture({
      models: 'openai:small-model',
      env: { PARLEY_TOOL_HOSTS: '127.0.0.1', PARLEY_ANSWER_CACHE_SECONDS: '0' },
      reply: (prompt) => bookingModel(prompt),
    });
    const defined = await call(fixture.app, {
      method: 'PUT',
      url: '/v1/tools/book_table',
      payload: {
        description: 'Books a table in a city',
        parameters: {
          type: 'object',
          properties: { city: { type: 'string' } },
          required: ['city'],
          additionalProperties: false,
        },
        method: 'POST',
        url: `${endpointUrl}/bookings`,
      },
    });
    expect(defined.status).toBe(201);
    await setApprover('user');
    origin = await listen(fixture.server);
    let html = '';
    site = await serveHtml(() => html);
    const { key } = await createApiKey(fixture.server.runtime.db, 'default', {
      publishable: { bot: 'parley', origins: [site.origin] },
    });
    html = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Restaurant</title></head>
<body><h1>A restaurant</h1><script src="${origin}/widget.js" data-bot="parley" data-key="${key}"></script></body></html>`;
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await site?.close();
    await fixture?.close();
    endpoint?.closeAllConnections();
    await new Promise((resolve) => endpoint?.close(resolve));
  });

  async function setApprover(approver: 'user' | 'operator') {
    const patched = await call(fixture.app, {
      method: 'PATCH',
      url: '/v1/bots/parley',
      payload: { settings: { tools: { allow: ['book_table'], approver } } },
    });
    expect(patched.status).toBe(200);
  }

  /** Asks for a booking; resolves with the paused answer's action line once it shows. */
  async function askForBooking(
    page: Page,
    action = 'Action: book_table {"city":"Paris"}',
  ): Promise<{ approval: Locator; answers: Locator }> {
    const answers = page.locator('article.message.assistant');
    const before = await answers.count();
    const input = page.getByLabel('Your message');
    await input.fill(QUESTION);
    await input.press('Enter');
    await page.locator(`article.message.assistant[data-status="done"] >> nth=${before}`).waitFor();
    const paused = answers.nth(before);
    await expect(paused.locator('.answer-text').textContent()).resolves.toMatch(/^Let me book it\./);
    const approval = paused.locator('.approval');
    await expect(approval.locator('.approval-action').textContent()).resolves.toBe(action);
    return { approval, answers };
  }

  /**
   * Clicks Approve or Decline and waits for the continued answer (a new message); returns its text.
   * `streamed`: the stub holds the continuation after a few tokens until the page shows them streaming.
   */
  async function decide(page: Page, approve: boolean, streamed = false) {
    bookings.length = 0;
    const { approval, answers } = await askForBooking(page);
    await expect(approval.getAttribute('data-state')).resolves.toBe('pending');
    expect(bookings).toHaveLength(0);
    const count = await answers.count();
    const held = streamed
      ? fixture.stub.holdNext(1, { path: '/v1/chat/completions', afterTokens: 2 })
      : undefined;
    await approval.getByRole('button', { name: approve ? 'Approve' : 'Decline' }).click();
    if (held) {
      const streaming = answers.nth(count);
      await streaming.locator('.answer-text:not(:empty)').waitFor();
      await expect(streaming.getAttribute('data-status')).resolves.toBe('streaming');
      const partial = (await streaming.locator('.answer-text').textContent()) ?? '';
      expect(partial.length).toBeLessThan(BOOKED.length);
      held.release();
    }
    await page.locator(`article.message.assistant[data-status="done"] >> nth=${count}`).waitFor();
    await expect(approval.getAttribute('data-state')).resolves.toBe(approve ? 'approved' : 'declined');
    await expect(approval.getByRole('button').count()).resolves.toBe(0);
    await expect(approval.locator('.approval-status').textContent()).resolves.toBe(
      approve ? 'You approved this action.' : 'You declined this action.',
    );
    await expect(answers.count()).resolves.toBe(count + 1);
    return (await answers.nth(count).locator('.answer-text').textContent()) ?? '';
  }

  /**
   * In a new chat, asks for a booking, reloads the page once the server has stored the paused answer
   * and approves the action from the line read back under it; returns the continued answer's text.
   */
  async function approveAfterReload(page: Page) {
    bookings.length = 0;
    // A conversation of its own (earlier tests may leave one waiting on an operator).
    const newChat = page.getByRole('button', { name: 'New chat' });
    if (await newChat.isEnabled()) await newChat.click();
    await askForBooking(page);
    const conversationId = (await page.evaluate(
      `Object.entries(localStorage).find(([name]) => name.endsWith('.conversation'))?.[1]`,
    )) as string;
    // Turns are written behind the response: wait until the server has the paused answer.
    await eventually(async () => {
      const read = await call<{
        messages: { role: string; turn_id: string }[];
        pending_approvals: { turn_id: string }[];
      }>(fixture.app, { method: 'GET', url: `/v1/conversations/${conversationId}` });
      const [waiting] = read.body.pending_approvals ?? [];
      const stored = read.body.messages?.some(
        (message) => message.role === 'assistant' && message.turn_id === waiting?.turn_id,
      );
      return stored ? true : undefined;
    });
    await page.reload();
    // The line is back under the answer that paused for it, with its buttons.
    const answers = page.locator('article.message.assistant');
    const approval = answers.locator('.approval');
    await approval.waitFor();
    await expect(answers.count()).resolves.toBe(1);
    await expect(answers.locator('.answer-text').textContent()).resolves.toMatch(/^Let me book it\./);
    await expect(approval.locator('.approval-action').textContent()).resolves.toBe(
      'Action: book_table {"city":"Paris"}',
    );
    await expect(approval.getAttribute('data-state')).resolves.toBe('pending');
    expect(bookings).toHaveLength(0);
    await approval.getByRole('button', { name: 'Approve' }).click();
    await page.locator('article.message.assistant[data-status="done"] >> nth=1').waitFor();
    await expect(approval.getAttribute('data-state')).resolves.toBe('approved');
    await expect(approval.getByRole('button').count()).resolves.toBe(0);
    await expect(answers.count()).resolves.toBe(2);
    return (await answers.nth(1).locator('.answer-text').textContent()) ?? '';
  }

  describe('the chat page', () => {
    let page: Page;
    beforeAll(async () => {
      // The page's CSP forbids eval, which Playwright's string predicates use.
      page = await browser.newPage({ bypassCSP: true });
      await page.goto(`${origin}/`);
    });
    afterAll(async () => {
      await page?.close();
    });

    it('disables both buttons on a click, runs the approved action once and streams the continued answer', async () => {
      bookings.length = 0;
      const { approval, answers } = await askForBooking(page);
      await screenshot(page, 'approval-page');
      const count = await answers.count();
      // The decision request is held until the test has seen both buttons disabled.
      let release = () => {};
      const held = new Promise<void>((resolve) => {
        release = resolve;
      });
      const decided: string[] = [];
      await page.route('**/approvals/*', async (route) => {
        if (route.request().method() === 'POST') {
          decided.push(route.request().url());
          await held;
        }
        await route.continue();
      });
      const approve = approval.getByRole('button', { name: 'Approve' });
      const decline = approval.getByRole('button', { name: 'Decline' });
      await approve.click();
      await expect(approve.isDisabled()).resolves.toBe(true);
      await expect(decline.isDisabled()).resolves.toBe(true);
      await expect(approval.getAttribute('data-state')).resolves.toBe('approving');
      await approve.click({ force: true });
      release();
      await page.locator(`article.message.assistant[data-status="done"] >> nth=${count}`).waitFor();
      await page.unroute('**/approvals/*');
      await expect(answers.nth(count).locator('.answer-text').textContent()).resolves.toBe(BOOKED);
      await expect(approval.getAttribute('data-state')).resolves.toBe('approved');
      // One decision, one booking, made with the approval's id as its idempotency key.
      expect(decided).toHaveLength(1);
      expect(bookings).toHaveLength(1);
      expect(decided[0]!.endsWith(`/approvals/${bookings[0]?.['idempotency-key']}`)).toBe(true);
    });

    it('never runs a declined action; the continued answer says it was declined', async () => {
      await expect(decide(page, false)).resolves.toBe(DECLINED);
      expect(bookings).toHaveLength(0);
    });

    it('says so when the action was decided already (409), and adds no answer', async () => {
      bookings.length = 0;
      const { approval, answers } = await askForBooking(page);
      const pending = await call<{ approvals: { id: string; conversation_id: string }[] }>(fixture.app, {
        method: 'GET',
        url: '/v1/approvals?status=pending',
      });
      expect(pending.body.approvals).toHaveLength(1);
      const [first] = pending.body.approvals;
      const elsewhere = await call(fixture.app, {
        method: 'POST',
        url: `/v1/conversations/${first!.conversation_id}/approvals/${first!.id}`,
        payload: { approve: true },
      });
      expect(elsewhere.status).toBe(200);
      const count = await answers.count();
      await approval.getByRole('button', { name: 'Approve' }).click();
      await page.locator('.approval[data-state="already_decided"]').waitFor();
      await expect(approval.locator('.approval-status').textContent()).resolves.toBe(
        'This action was already decided.',
      );
      await expect(answers.count()).resolves.toBe(count);
      expect(bookings).toHaveLength(1);
    });

    it('shows a pending action again after a reload; approved there, it runs once and the answer continues', async () => {
      await expect(approveAfterReload(page)).resolves.toBe(BOOKED);
      expect(bookings).toHaveLength(1);
    });

    it("waits for an operator's approval without buttons; the action's arguments are shown as text, never as HTML", async () => {
      await setApprover('operator');
      const city = '<img src="x" onerror="window.__injected = 1">Paris';
      fixture.stub.setReply((prompt) => bookingModel(prompt, city));
      try {
        const { approval } = await askForBooking(page, `Action: book_table ${JSON.stringify({ city })}`);
        await expect(approval.locator('img').count()).resolves.toBe(0);
        await expect(page.evaluate('window.__injected')).resolves.toBeUndefined();
        await expect(approval.getAttribute('data-state')).resolves.toBe('operator');
        await expect(approval.locator('.approval-status').textContent()).resolves.toBe(
          "Waiting for an operator's approval",
        );
        await expect(approval.getByRole('button').count()).resolves.toBe(0);
      } finally {
        fixture.stub.setReply((prompt) => bookingModel(prompt));
        await setApprover('user');
      }
    });
  });

  describe('the widget on another origin', () => {
    let page: Page;
    beforeAll(async () => {
      page = await browser.newPage();
      await page.goto(`${site.origin}/`);
      await page.getByRole('button', { name: 'Open chat with parley' }).click();
    });
    afterAll(async () => {
      await page?.close();
    });

    it('approves as the visitor: the action runs once and the continued answer has its result', async () => {
      await expect(decide(page, true, true)).resolves.toBe(BOOKED);
      expect(bookings).toHaveLength(1);
      await screenshot(page, 'approval-widget');
    });

    it('declines as the visitor: the action never runs', async () => {
      await expect(decide(page, false)).resolves.toBe(DECLINED);
      expect(bookings).toHaveLength(0);
    });

    it('shows a pending action again after a reload; approved there, it runs once and the answer continues', async () => {
      await expect(approveAfterReload(page)).resolves.toBe(BOOKED);
      expect(bookings).toHaveLength(1);
    });
  });
});
