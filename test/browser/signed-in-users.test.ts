// Signing users in from the browser, in headless Chromium, against a local identity provider: the
// widget on a host site given the user's token in `data-user-token`, and the chat page opened on
// `/#token=…`. Each conversation started there is the user's (their list, on the API, holds it).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiKey } from '../../src/app/index.js';
import { serveHtml } from '../support/browser.js';
import { RETURNS } from '../support/documents.js';
import { ask, type SignedInBrowser, startSignedInBrowser } from '../support/signed-in-browser.js';

describe('signed-in users in the browser', () => {
  let signedIn: SignedInBrowser;
  let site: Awaited<ReturnType<typeof serveHtml>>;

  beforeAll(async () => {
    signedIn = await startSignedInBrowser({ documents: [RETURNS] });
    // A secret key exists: the page is no longer served keyless, so only the user's token lets it in.
    await createApiKey(signedIn.fixture.server.runtime.db, 'default');
  });
  afterAll(async () => {
    await site?.close();
    await signedIn?.close();
  });

  it('makes the widget conversation the host site user’s', async () => {
    let html = '';
    site = await serveHtml(() => html);
    const { key } = await createApiKey(signedIn.fixture.server.runtime.db, 'default', {
      publishable: { bot: 'parley', origins: [site.origin] },
    });
    html = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Shop</title></head>
<body><h1>A shop</h1><script src="${signedIn.parley}/widget.js" data-bot="parley" data-key="${key}"
  data-user-token="${await signedIn.idp.token('wendy')}"></script></body></html>`;
    const page = await signedIn.browser.newPage();
    await page.goto(`${site.origin}/`);
    await page.getByRole('button', { name: 'Open chat with parley' }).click();
    await ask(page, 'How long do I have to return items?');
    expect(await signedIn.conversationsOf('wendy', 1)).toHaveLength(1);
    await page.close();
  });

  it('signs the chat page in from /#token=…, and keeps the token out of the address bar', async () => {
    const page = await signedIn.browser.newPage();
    await page.goto(`${signedIn.parley}/#token=${await signedIn.idp.token('paula')}`);
    await ask(page, 'How long do I have to return items?');
    expect(new URL(page.url()).hash).toBe('');
    expect(await signedIn.conversationsOf('paula', 1)).toHaveLength(1);
    // Wendy's conversation is not Paula's.
    expect(await signedIn.conversationsOf('wendy', 1)).toHaveLength(1);
    await page.close();
  });
});
