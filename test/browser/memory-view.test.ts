// The memory view in headless Chromium: a signed-in user opens "Memory" on the chat page (signed
// in from /#token=…) or in the widget (the host site's `data-user-token`), sees what the bot took
// from their conversation (the stub model's scripted extraction), corrects it and forgets it, and
// the server holds what they did. Another user sees none of it; a visitor who is no user gets no
// Memory button at all.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiKey } from '../../src/app/index.js';
import { screenshot, serveHtml } from '../support/browser.js';
import { TIDES } from '../support/documents.js';
import { call } from '../support/http.js';
import { rememberLanguage } from '../support/memory-stub.js';
import { ask, type SignedInBrowser, startSignedInBrowser } from '../support/signed-in-browser.js';

describe('the memory view in the browser', () => {
  let signedIn: SignedInBrowser;
  let site: Awaited<ReturnType<typeof serveHtml>>;
  let html = '';
  let widgetKey = '';

  beforeAll(async () => {
    signedIn = await startSignedInBrowser(
      { models: 'openai:small-model', documents: [TIDES], reply: rememberLanguage },
      async (fixture) => {
        // Keyless from loopback while no key exists yet.
        const on = await call(fixture.app, {
          method: 'PATCH',
          url: '/v1/bots/parley',
          payload: { settings: { memory: true } },
        });
        expect(on.status).toBe(200);
      },
    );
    site = await serveHtml(() => html);
    widgetKey = (
      await createApiKey(signedIn.fixture.server.runtime.db, 'default', {
        publishable: { bot: 'parley', origins: [site.origin] },
      })
    ).key;
  });
  afterAll(async () => {
    await site?.close();
    await signedIn?.close();
  });

  it('shows a signed-in user on the page what is remembered, stores an edit and forgets it', async () => {
    const page = await signedIn.browser.newPage({ viewport: { width: 900, height: 560 } });
    await page.goto(`${signedIn.parley}/#token=${await signedIn.idp.token('maria')}`);
    await ask(page, 'I want answers in French. What causes the tides?');
    const [remembered] = await signedIn.memoriesOf('maria', (memories) => memories.length === 1);

    await page.getByRole('button', { name: 'Memory' }).click();
    const view = page.getByRole('region', { name: 'What the assistant remembers about you' });
    await view.getByText('Prefers answers in French.').waitFor();
    await screenshot(page, 'memory-view');

    await view.getByRole('button', { name: 'Edit: Prefers answers in French.' }).click();
    await view.getByLabel('Memory text').fill('Prefers answers in German.');
    await view.getByRole('button', { name: 'Save' }).click();
    await view.getByText('Prefers answers in German.').waitFor();
    const edited = await signedIn.memoriesOf(
      'maria',
      (memories) => memories[0]?.text === 'Prefers answers in German.',
    );
    expect(edited.map((memory) => memory.id)).toEqual([remembered!.id]);

    // Another user signed in on the page sees none of Maria's memories.
    const other = await signedIn.browser.newPage();
    await other.goto(`${signedIn.parley}/#token=${await signedIn.idp.token('otto')}`);
    await other.getByRole('button', { name: 'Memory' }).click();
    await other.getByText('Nothing is remembered about you yet.').waitFor();
    expect(await other.getByText('Prefers answers in German.').count()).toBe(0);
    await other.close();

    page.once('dialog', (dialog) => void dialog.accept());
    await view.getByRole('button', { name: 'Forget: Prefers answers in German.' }).click();
    await view.getByText('Nothing is remembered about you yet.').waitFor();
    await signedIn.memoriesOf('maria', (memories) => memories.length === 0);
    // Back to the chat: the conversation is still there.
    await view.getByRole('button', { name: 'Back to chat' }).click();
    await page.locator('article.message.assistant[data-status="done"]').waitFor();
    await page.close();
  });

  it('shows the host site’s signed-in user their memories in the widget, and forgets them all', async () => {
    html = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Shop</title></head>
<body><h1>A shop</h1><script src="${signedIn.parley}/widget.js" data-bot="parley" data-key="${widgetKey}"
  data-user-token="${await signedIn.idp.token('wanda')}"></script></body></html>`;
    const page = await signedIn.browser.newPage();
    await page.goto(`${site.origin}/`);
    await page.getByRole('button', { name: 'Open chat with parley' }).click();
    await ask(page, 'I want answers in Spanish. What causes the tides?');
    await signedIn.memoriesOf('wanda', (memories) => memories.length === 1);

    await page.getByRole('button', { name: 'Memory' }).click();
    const view = page.getByRole('region', { name: 'What the assistant remembers about you' });
    await view.getByText('Prefers answers in Spanish.').waitFor();
    await view.getByRole('button', { name: 'Edit: Prefers answers in Spanish.' }).click();
    await view.getByLabel('Memory text').fill('Prefers answers in Italian.');
    await view.getByLabel('Memory text').press('Enter');
    await signedIn.memoriesOf('wanda', (memories) => memories[0]?.text === 'Prefers answers in Italian.');

    page.once('dialog', (dialog) => void dialog.accept());
    await view.getByRole('button', { name: 'Forget everything' }).click();
    await view.getByText('Nothing is remembered about you yet.').waitFor();
    await signedIn.memoriesOf('wanda', (memories) => memories.length === 0);
    await page.close();
  });

  it('shows no Memory button to a widget visitor who is no user, and refuses them the API', async () => {
    html = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Shop</title></head>
<body><h1>A shop</h1><script src="${signedIn.parley}/widget.js" data-bot="parley" data-key="${widgetKey}"></script></body></html>`;
    const page = await signedIn.browser.newPage();
    await page.goto(`${site.origin}/`);
    await page.getByRole('button', { name: 'Open chat with parley' }).click();
    await ask(page, 'What causes the tides?');
    expect(await page.getByRole('button', { name: 'Memory' }).count()).toBe(0);
    // Even naming a user, the widget's key reads no one's memories.
    const status = await page.evaluate(
      async ([origin, key]) =>
        (await fetch(`${origin}/v1/memories?user=maria`, { headers: { authorization: `Bearer ${key}` } }))
          .status,
      [signedIn.parley, widgetKey] as const,
    );
    expect(status).toBe(403);
    await page.close();
  });
});
