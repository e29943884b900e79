// The operator dashboard at `/dashboard` in headless Chromium against a real Parley server and the
// stub model provider: after a few real turns (answered, one falling back from a failing primary,
// one that found nothing, one answered from the answer cache), the page asks for the key, then draws its charts, shows the same
// figures as the API, lists the not-found question, and shows a turn's trace with its attempts.
import type { Browser, ConsoleMessage, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiKey } from '../../src/app/index.js';
import { ensureWebBuild, launchChromium, listen, screenshot } from '../support/browser.js';
import { type ChatFixture, startChatFixture } from '../support/chat-fixture.js';
import { TIDES_WITH_SUN } from '../support/documents.js';
import { call } from '../support/http.js';
import type { StubProvider } from '../support/stub-provider/index.js';
import { eventually, type TestServer } from '../support/test-backend.js';

const NOT_FOUND_QUESTION = 'What is the boiling point of mercury?';

interface Totals {
  turns: number;
  answer_cache_hits: number;
  answer_cache_hit_rate: number | null;
  saved_usd: number;
  error_rate: number | null;
  fallback_rate: number | null;
  retrieval_hit_rate: number | null;
}

describe('the dashboard page', () => {
  let fixture: ChatFixture;
  let stub: StubProvider;
  let server: TestServer;
  let browser: Browser;
  let page: Page;
  let origin: string;
  let key: string;
  let fallbackTurn: string;
  const consoleErrors: string[] = [];

  const chat = async (message: string) => {
    const { status, body } = await call<{
      turn_id: string;
      mode: string;
      model?: string;
      usage: { model: string };
    }>(server.parley.app, { method: 'POST', url: '/v1/chat', payload: { message } });
    expect(status).toBe(200);
    return body;
  };

  beforeAll(async () => {
    ensureWebBuild();
    fixture = await startChatFixture({
      models: 'openai:primary-model,openai:backup-model',
      documents: [TIDES_WITH_SUN],
      env: { PARLEY_ANSWER_CACHE_SECONDS: '3600' },
    });
    ({ stub, server } = fixture);
    const { tenantId } = fixture;
    stub.setReply('Tides come from the pull of the Moon [1].');

    // Two answered turns, one that falls back from the failing primary, one that finds nothing, and
    // the first question again, answered from the answer cache (the keyword index's generation is
    // in the cache key: warmed first, so that it stays the same).
    await server.runtime.keywordIndex.warm(tenantId);
    expect((await chat('What causes the tides?')).model).toBe('openai:primary-model');
    expect((await chat('What causes the tides?')).mode).toBe('cached');
    expect((await chat('How strongly does the Sun pull on the tides?')).mode).toBe('generated');
    stub.failNext({ status: 503, path: '/v1/chat/completions' });
    const fallback = await chat('Does the Moon cause tides?');
    expect(fallback.model).toBe('openai:backup-model');
    fallbackTurn = fallback.turn_id;
    expect((await chat(NOT_FOUND_QUESTION)).mode).toBe('not_found');
    await eventually(async () => {
      const rows = await server.runtime.db.query<{ n: number }>(
        'select count(*)::int as n from turn_traces where tenant_id = $1',
        [tenantId],
      );
      return rows[0]!.n === 5 ? true : undefined;
    });
    // From here on the API (and the page) need the key.
    key = (await createApiKey(server.runtime.db, 'default')).key;
    // "Does any key exist?" is cached for 2 s: wait until keyless requests are refused.
    await eventually(async () => {
      const response = await server.parley.app.inject({ method: 'GET', url: '/v1/dashboard' });
      return response.statusCode === 401 ? true : undefined;
    });

    origin = await listen(server);
    browser = await launchChromium();
    // The page's CSP forbids eval, which Playwright's string predicates use.
    page = await browser.newPage({ viewport: { width: 1280, height: 1000 }, bypassCSP: true });
    page.on('console', (message: ConsoleMessage) => {
      // The first request goes without a key by design: its 401 is how the page learns it needs one.
      if (message.type() === 'error' && !message.text().includes('status of 401')) {
        consoleErrors.push(message.text());
      }
    });
    page.on('pageerror', (error) => consoleErrors.push(error.message));
  });
  afterAll(async () => {
    await browser?.close();
    await fixture?.close();
  });

  it('asks for the key, then draws the charts and shows the figures the API gives', async () => {
    await page.goto(`${origin}/dashboard`);
    const keyInput = page.getByLabel('API key');
    await keyInput.waitFor();
    await keyInput.fill(key);
    await page.getByRole('button', { name: 'Use key' }).click();
    await page.locator('.dashboard-body').waitFor();

    // Eight charts, each drawn on a canvas, each labelled.
    const charts = page.locator('figure.chart');
    await expect(charts.count()).resolves.toBe(8);
    await expect(page.locator('figure.chart canvas').count()).resolves.toBeGreaterThanOrEqual(8);
    await expect(
      page.getByRole('img', { name: /^Turn latency \(p50, p95, p99\): p50 latest \d+ ms/ }).count(),
    ).resolves.toBe(1);

    const { body } = await call<{
      totals: Totals;
      intents: { intent: string; handler: string; turns: number }[];
    }>(server.parley.app, {
      method: 'GET',
      url: '/v1/dashboard?bucket=hour',
      headers: { authorization: `Bearer ${key}` },
    });
    expect(body.totals.turns).toBe(5);
    expect(body.totals.fallback_rate).toBeCloseTo(0.2);
    expect(body.totals.answer_cache_hits).toBe(1);
    // The stub's models have no price: the cached answer cost nothing, so it saved nothing.
    expect(body.totals.saved_usd).toBe(0);
    const tile = (id: string) => page.locator(`[data-figure="${id}"] dd`).textContent();
    const percent = (value: number | null) => `${((value ?? 0) * 100).toFixed(1)} %`;
    await expect(tile('turns')).resolves.toBe(String(body.totals.turns));
    await expect(tile('error-rate')).resolves.toBe(percent(body.totals.error_rate));
    await expect(tile('fallback-rate')).resolves.toBe('20.0 %');
    await expect(tile('hit-rate')).resolves.toBe(percent(body.totals.retrieval_hit_rate));
    await expect(tile('answer-cache-hits')).resolves.toBe(
      `1 (${percent(body.totals.answer_cache_hit_rate)})`,
    );
    await expect(page.locator('[data-figure="saved"]').getAttribute('data-value')).resolves.toBe(
      String(body.totals.saved_usd),
    );
    await expect(
      page.getByRole('img', { name: /^Answer cache hit rate: Answer cache hit rate latest/ }).count(),
    ).resolves.toBe(1);

    // The intents table: every turn's intent under the handler that answered it.
    expect(body.intents.reduce((sum, row) => sum + row.turns, 0)).toBe(5);
    const intentRows = page.locator('table.intents tbody tr');
    await expect(intentRows.count()).resolves.toBe(body.intents.length);
    for (const row of body.intents) {
      const cells = page.locator(
        `table.intents tbody[data-handler="${row.handler}"] tr[data-intent="${row.intent}"]`,
      );
      await expect(cells.locator('td').nth(1).textContent()).resolves.toBe(String(row.turns));
    }

    // The latency chart's data table has one bucket with the four turns' percentiles.
    const latencyData = page.locator('figure[data-chart="latency"] table tbody tr');
    await expect(latencyData.count()).resolves.toBeGreaterThanOrEqual(24);

    await screenshot(page, 'dashboard-light');
    await page.emulateMedia({ colorScheme: 'dark' });
    await screenshot(page, 'dashboard-dark');
    await page.emulateMedia({ colorScheme: 'light' });
    await expect(page.locator('figure.chart canvas').count()).resolves.toBeGreaterThanOrEqual(6);
  });

  it('lists the question that found no good passage, and opens its trace', async () => {
    const table = page.locator('table.not-found');
    await expect(table.textContent()).resolves.toContain(NOT_FOUND_QUESTION);
    await table
      .getByRole('button', { name: /Show the trace of turn/ })
      .first()
      .click();
    const trace = page.locator('article.trace');
    await trace.waitFor();
    await expect(trace.textContent()).resolves.toContain('not_found');
    await expect(trace.textContent()).resolves.toContain('No model was called.');
  });

  it('shows a turn’s attempts: the fallback turn names both models', async () => {
    await page.getByLabel('Turn id').fill(fallbackTurn);
    await page.getByRole('button', { name: 'Show trace' }).click();
    await page.locator(`article.trace[data-turn="${fallbackTurn}"]`).waitFor();
    const rows = page.locator('article.trace table.attempts tbody tr');
    await expect(rows.count()).resolves.toBe(2);
    await expect(rows.nth(0).textContent()).resolves.toContain('openai:primary-model');
    await expect(rows.nth(0).getAttribute('data-outcome')).resolves.toBe('failed');
    await expect(rows.nth(1).textContent()).resolves.toContain('openai:backup-model');
    await expect(rows.nth(1).getAttribute('data-outcome')).resolves.toBe('answered');
    // The retrieved passage, with its score, and the timings.
    await expect(page.locator('article.trace table.retrieved').textContent()).resolves.toContain('Tides');
    await expect(page.locator('article.trace').textContent()).resolves.toMatch(/First token\d+ ms/);

    // A malformed id is refused in words, without a request.
    await page.getByLabel('Turn id').fill('not-a-turn');
    await page.getByRole('button', { name: 'Show trace' }).click();
    await expect(page.getByRole('alert').textContent()).resolves.toContain('A turn id is a UUID');
  });

  it('logged no console errors', () => {
    expect(consoleErrors).toEqual([]);
  });
});
