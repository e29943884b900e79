// What the browser tests of signed-in users share: a local identity provider, a Parley server
// that trusts it (listening on a real port), headless Chromium, and the user's view through the
// API (their conversations, their memories), read until it is as expected.
import type { Browser, Page } from 'playwright-core';
import { ensureWebBuild, launchChromium, listen } from './browser.js';
import { type ChatFixture, type ChatFixtureOptions, startChatFixture } from './chat-fixture.js';
import { call } from './http.js';
import { type IdentityProvider, startIdentityProvider } from './identity-provider.js';
import { eventually } from './test-backend.js';

export interface SignedInBrowser {
  idp: IdentityProvider;
  fixture: ChatFixture;
  browser: Browser;
  /** The server's origin. */
  parley: string;
  /** `sub`'s conversations as GET /v1/conversations lists them, once there are `count`. */
  conversationsOf(sub: string, count: number): Promise<{ id: string }[]>;
  /** `sub`'s memories as GET /v1/memories lists them, once `done` says they are as expected. */
  memoriesOf(sub: string, done: (memories: ListedMemory[]) => boolean): Promise<ListedMemory[]>;
  close(): Promise<void>;
}

export interface ListedMemory {
  id: string;
  text: string;
}

/**
 * Starts the identity provider, the server (with `options`; `prepare` runs before it listens,
 * while keyless loopback calls still work) and Chromium.
 */
export async function startSignedInBrowser(
  options: ChatFixtureOptions,
  prepare?: (fixture: ChatFixture) => Promise<void>,
): Promise<SignedInBrowser> {
  ensureWebBuild();
  const idp = await startIdentityProvider();
  const fixture = await startChatFixture({
    ...options,
    env: { ...options.env, PARLEY_OIDC_ISSUER: idp.issuer, PARLEY_OIDC_AUDIENCE: idp.audience },
  });
  await prepare?.(fixture);
  const parley = await listen(fixture.server);
  const browser = await launchChromium();
  /** GET `url` as `sub`, once `pick` finds what it waits for in the 200 answer. */
  const readAs = <T, R>(sub: string, url: string, pick: (body: T) => R | undefined) =>
    eventually(async () => {
      const listed = await call<T>(fixture.app, {
        method: 'GET',
        url,
        headers: { authorization: `Bearer ${await idp.token(sub)}` },
      });
      return listed.status === 200 ? pick(listed.body) : undefined;
    });
  return {
    idp,
    fixture,
    browser,
    parley,
    conversationsOf: (sub, count) =>
      readAs<{ conversations: { id: string }[] }, { id: string }[]>(sub, '/v1/conversations', (body) =>
        body.conversations.length === count ? body.conversations : undefined,
      ),
    memoriesOf: (sub, done) =>
      readAs<{ memories: ListedMemory[] }, ListedMemory[]>(sub, '/v1/memories', (body) =>
        done(body.memories) ? body.memories : undefined,
      ),
    async close() {
      await browser.close();
      await fixture.close();
      await idp.close();
    },
  };
}

/** Sends `message` in `page`'s chat (the page's or an open widget's) and waits for its answer. */
export async function ask(page: Page, message: string): Promise<void> {
  const input = page.getByLabel('Your message');
  await input.fill(message);
  await input.press('Enter');
  await page.locator('article.message.assistant[data-status="done"]').last().waitFor();
}
