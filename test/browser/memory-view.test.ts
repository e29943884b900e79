// The memory view in headless Chromium: a signed-in user opens "Memory" on the chat page (signed
// in from /#token=…) or in the widget (the host site's `data-user-token`), sees what the bot took
// from their conversation (the stub model's scripted extraction), corrects it and forgets it, and
// the server holds what they did. Another user sees none of it; a visitor who is no user gets no
// Memory button at all.
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiKey } from '../../src/app/index.js';
import { ensureWebBuild, launchChromium, listen, screenshot, serveHtml } from '../support/browser.js';
import { type ChatFixture, startChatFixture } from '../support/chat-fixture.js';
import { TIDES } from '../support/documents.js';
import { call } from '../support/http.js';
import { type IdentityProvider, startIdentityProvider } from '../support/identity-provider.js';
import type { StubPrompt } from '../support/stub-provider/index.js';
import { eventually } from '../support/test-backend.js';

/** The stub's extraction answers: a stated language preference is remembered; nothing else is. */
function reply(prompt: StubPrompt): string {
  if (prompt.json?.name === 'user_memories') {
    const language = /answers in (\w+)/i.exec(prompt.lastUserText)?.[1];
    return JSON.stringify({
      memories: language
        ? [{ topic: 'answer_language', kind: 'preference', text: `Prefers answers in ${language}.` }]
        : [],
    });
  }
  return `Stub answer to: ${prompt.lastUserText}`;
}

interface Memory {
  id: string;
  text: string;
}

describe('the memory view in the browser', () => {
  let idp: IdentityProvider;
  let fixture: ChatFixture;
  let browser: Browser;
  let parley: string;
  let site: Awaited<ReturnType<typeof serveHtml>>;
  let html = '';
  let widgetKey = '';

  beforeAll(async () => {
    ensureWebBuild();
    idp = await startIdentityProvider();
    fixture = await startChatFixture({
      models: 'openai:small-model',
      documents: [TIDES],
      reply,
      env: { PARLEY_OIDC_ISSUER: idp.issuer, PARLEY_OIDC_AUDIENCE: idp.audience },
    });
    // Keyless from loopback while no key exists yet.
    const on = await call(fixture.app, {
      method: 'PATCH',
      url: '/v1/bots/parley',
      payload: { settings: { memory: true } },
    });
    expect(on.status).toBe(200);
    parley = await listen(fixture.server);
    site = await serveHtml(() => html);
    widgetKey = (
      await createApiKey(fixture.server.runtime.db, 'default', {
        publishable: { bot: 'parley', origins: [site.origin] },
      })
    ).key;
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await site?.close();
    await fixture?.close();
    await idp?.close();
  });

  /** `sub`'s memories as the API lists them, once `done` says they are as expected. */
  const memoriesOf = (sub: string, done: (memories: Memory[]) => boolean) =>
    eventually(async () => {
      const listed = await call<{ memories: Memory[] }>(fixture.app, {
        method: 'GET',
        url: '/v1/memories',
        headers: { authorization: `Bearer ${await idp.token(sub)}` },
      });
      return listed.status === 200 && done(listed.body.memories) ? listed.body.memories : undefined;
    });

  async function ask(page: Page, message: string) {
    const input = page.getByLabel('Your message');
    await input.fill(message);
    await input.press('Enter');
    await page.locator('article.message.assistant[data-status="done"]').last().waitFor();
  }

  it('shows a signed-in user on the page what is remembered, stores an edit and forgets it', async () => {
    const page = await browser.newPage({ viewport: { width: 900, height: 560 } });
    await page.goto(`${parley}/#token=${await idp.token('maria')}`);
    await ask(page, 'I want answers in French. What causes the tides?');
    const [remembered] = await memoriesOf('maria', (memories) => memories.length === 1);

    await page.getByRole('button', { name: 'Memory' }).click();
    const view = page.getByRole('region', { name: 'What the assistant remembers about you' });
    await view.getByText('Prefers answers in French.').waitFor();
    await screenshot(page, 'memory-view');

    await view.getByRole('button', { name: 'Edit: Prefers answers in French.' }).click();
    await view.getByLabel('Memory text').fill('Prefers answers in German.');
    await view.getByRole('button', { name: 'Save' }).click();
    await view.getByText('Prefers answers in German.').waitFor();
    const edited = await memoriesOf(
      'maria',
      (memories) => memories[0]?.text === 'Prefers answers in German.',
    );
    expect(edited.map((memory) => memory.id)).toEqual([remembered!.id]);

    // Another user signed in on the page sees none of Maria's memories.
    const other = await browser.newPage();
    await other.goto(`${parley}/#token=${await idp.token('otto')}`);
    await other.getByRole('button', { name: 'Memory' }).click();
    await other.getByText('Nothing is remembered about you yet.').waitFor();
    expect(await other.getByText('Prefers answers in German.').count()).toBe(0);
    await other.close();

    page.once('dialog', (dialog) => void dialog.accept());
    await view.getByRole('button', { name: 'Forget: Prefers answers in German.' }).click();
    await view.getByText('Nothing is remembered about you yet.').waitFor();
    await memoriesOf('maria', (memories) => memories.length === 0);
    // Back to the chat: the conversation is still there.
    await view.getByRole('button', { name: 'Back to chat' }).click();
    await page.locator('article.message.assistant[data-status="done"]').waitFor();
    await page.close();
  });

  it('shows the host site’s signed-in user their memories in the widget, and forgets them all', async () => {
    html = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Shop</title></head>
<body><h1>A shop</h1><script src="${parley}/widget.js" data-bot="parley" data-key="${widgetKey}"
  data-user-token="${await idp.token('wanda')}"></script></body></html>`;
    const page = await browser.newPage();
    await page.goto(`${site.origin}/`);
    await page.getByRole('button', { name: 'Open chat with parley' }).click();
    await ask(page, 'I want answers in Spanish. What causes the tides?');
    await memoriesOf('wanda', (memories) => memories.length === 1);

    await page.getByRole('button', { name: 'Memory' }).click();
    const view = page.getByRole('region', { name: 'What the assistant remembers about you' });
    await view.getByText('Prefers answers in Spanish.').waitFor();
    await view.getByRole('button', { name: 'Edit: Prefers answers in Spanish.' }).click();
    await view.getByLabel('Memory text').fill('Prefers answers in Italian.');
    await view.getByLabel('Memory text').press('Enter');
    await memoriesOf('wanda', (memories) => memories[0]?.text === 'Prefers answers in Italian.');

    page.once('dialog', (dialog) => void dialog.accept());
    await view.getByRole('button', { name: 'Forget everything' }).click();
    await view.getByText('Nothing is remembered about you yet.').waitFor();
    await memoriesOf('wanda', (memories) => memories.length === 0);
    await page.close();
  });

  it('shows no Memory button to a widget visitor who is no user, and refuses them the API', async () => {
    html = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Shop</title></head>
<body><h1>A shop</h1><script src="${parley}/widget.js" data-bot="parley" data-key="${widgetKey}"></script></body></html>`;
    const page = await browser.newPage();
    await page.goto(`${site.origin}/`);
    await page.getByRole('button', { name: 'Open chat with parley' }).click();
    await ask(page, 'What causes the tides?');
    expect(await page.getByRole('button', { name: 'Memory' }).count()).toBe(0);
    // Even naming a user, the widget's key reads no one's memories.
    const status = await page.evaluate(
      async ([origin, key]) =>
        (await fetch(`${origin}/v1/memories?user=maria`, { headers: { authorization: `Bearer ${key}` } }))
          .status,
      [parley, widgetKey] as const,
    );
    expect(status).toBe(403);
    await page.close();
  });
});
