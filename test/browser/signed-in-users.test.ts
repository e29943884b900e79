// Signing users in from the browser, in headless Chromium, against a local identity provider: the
// widget on a host site given the user's token in `data-user-token`, and the chat page opened on
// `/#token=…`. Each conversation started there is the user's (their list, on the API, holds it).
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiKey } from '../../src/app/index.js';
import { ensureWebBuild, launchChromium, listen, serveHtml } from '../support/browser.js';
import { type ChatFixture, startChatFixture } from '../support/chat-fixture.js';
import { RETURNS } from '../support/documents.js';
import { call } from '../support/http.js';
import { type IdentityProvider, startIdentityProvider } from '../support/identity-provider.js';
import { eventually } from '../support/test-backend.js';

describe('signed-in users in the browser', () => {
  let idp: IdentityProvider;
  let fixture: ChatFixture;
  let browser: Browser;
  let parley: string;
  let site: Awaited<ReturnType<typeof serveHtml>>;

  beforeAll(async () => {
    ensureWebBuild();
    idp = await startIdentityProvider();
    fixture = await startChatFixture({
      documents: [RETURNS],
      env: { PARLEY_OIDC_ISSUER: idp.issuer, PARLEY_OIDC_AUDIENCE: idp.audience },
    });
    parley = await listen(fixture.server);
    // A secret key exists: the page is no longer served keyless, so only the user's token lets it in.
    await createApiKey(fixture.server.runtime.db, 'default');
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await site?.close();
    await fixture?.close();
    await idp?.close();
  });

  /** Sends a message in `page`'s chat (inside `root`, the widget's or the page's) and waits for the answer. */
  async function ask(page: Page, message: string) {
    const input = page.getByLabel('Your message');
    await input.fill(message);
    await input.press('Enter');
    await page.locator('article.message.assistant[data-status="done"]').waitFor();
  }

  /** The ids of `sub`'s conversations, as they list them on the API (once there are `count`). */
  const conversationsOf = (sub: string, count: number) =>
    eventually(async () => {
      const listed = await call<{ conversations: { id: string }[] }>(fixture.app, {
        method: 'GET',
        url: '/v1/conversations',
        headers: { authorization: `Bearer ${await idp.token(sub)}` },
      });
      return listed.body.conversations.length === count ? listed.body.conversations : undefined;
    });

  it('makes the widget conversation the host site user’s', async () => {
    let html = '';
    site = await serveHtml(() => html);
    const { key } = await createApiKey(fixture.server.runtime.db, 'default', {
      publishable: { bot: 'parley', origins: [site.origin] },
    });
    html = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Shop</title></head>
<body><h1>A shop</h1><script src="${parley}/widget.js" data-bot="parley" data-key="${key}"
  data-user-token="${await idp.token('wendy')}"></script></body></html>`;
    const page = await browser.newPage();
    await page.goto(`${site.origin}/`);
    await page.getByRole('button', { name: 'Open chat with parley' }).click();
    await ask(page, 'How long do I have to return items?');
    expect(await conversationsOf('wendy', 1)).toHaveLength(1);
    await page.close();
  });

  it('signs the chat page in from /#token=…, and keeps the token out of the address bar', async () => {
    const page = await browser.newPage();
    await page.goto(`${parley}/#token=${await idp.token('paula')}`);
    await ask(page, 'How long do I have to return items?');
    expect(new URL(page.url()).hash).toBe('');
    expect(await conversationsOf('paula', 1)).toHaveLength(1);
    // Wendy's conversation is not Paula's.
    expect(await conversationsOf('wendy', 1)).toHaveLength(1);
    await page.close();
  });
});
