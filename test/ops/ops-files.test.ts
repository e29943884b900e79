// The operations files: ops/prometheus/parley-alerts.yml (Prometheus alerting rules, with their
// promtool unit tests) and ops/grafana/parley-dashboard.json (a Grafana dashboard). Checks their
// structure, that every metric they read is one Parley exports (scraped from a real server after a
// turn), and, where promtool is installed (`apt-get install prometheus`; .ci/run installs it), that
// the rules and every panel's query parse and that the alerts fire when they should.
import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { z } from 'zod';
import { type ChatFixture, startChatFixture } from '../support/chat-fixture.js';
import { call } from '../support/http.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const RULES = path.join(ROOT, 'ops/prometheus/parley-alerts.yml');
const RULE_TESTS = path.join(ROOT, 'ops/prometheus/parley-alerts.test.yml');
const DASHBOARD = path.join(ROOT, 'ops/grafana/parley-dashboard.json');

const promtool = (() => {
  try {
    execFileSync('promtool', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    // CI installs it (.ci/run): there a missing promtool is a failure, not a skip.
    if (process.env.CI) throw new Error('promtool is not installed: apt-get install prometheus');
    return false;
  }
})();

const ruleFile = z.object({
  groups: z
    .array(
      z.object({
        name: z.string().min(1),
        rules: z
          .array(
            z
              .object({
                alert: z.string().regex(/^Parley[A-Za-z0-9]+$/),
                expr: z.string().min(1),
                for: z
                  .string()
                  .regex(/^\d+[smh]$/)
                  .optional(),
                labels: z.object({ severity: z.enum(['warning', 'critical']) }),
                annotations: z.object({ summary: z.string().min(1), description: z.string().optional() }),
              })
              .strict(),
          )
          .min(1),
      }),
    )
    .min(1),
});

const target = z.object({ expr: z.string().min(1), refId: z.string(), datasource: z.unknown() });
const dashboardFile = z.object({
  uid: z.string(),
  title: z.string(),
  templating: z.object({
    list: z.array(z.object({ name: z.string(), type: z.string(), query: z.unknown() }).passthrough()),
  }),
  panels: z.array(
    z.union([
      z.object({ id: z.number(), type: z.literal('row'), title: z.string() }).passthrough(),
      z
        .object({
          id: z.number(),
          type: z.enum(['timeseries', 'stat']),
          title: z.string().min(1),
          // biome-ignore lint/suspicious/noTemplateCurlyInString: Grafana's variable syntax, not a JS template
          datasource: z.object({ type: z.literal('prometheus'), uid: z.literal('${datasource}') }),
          gridPos: z.object({ x: z.number(), y: z.number(), w: z.number(), h: z.number() }),
          targets: z.array(target).min(1),
        })
        .passthrough(),
    ]),
  ),
});

const metricNames = (expr: string) => new Set(expr.match(/\bparley_[a-z0-9_]+/g) ?? []);

describe('ops files', () => {
  let rules: z.infer<typeof ruleFile>;
  let dashboard: z.infer<typeof dashboardFile>;
  let server: ChatFixture;
  let exported: Set<string>;

  const ruleExprs = () => rules.groups.flatMap((group) => group.rules.map((rule) => rule.expr));
  const panelExprs = () =>
    dashboard.panels.flatMap((panel) => (panel.type === 'row' ? [] : panel.targets.map((t) => t.expr)));

  beforeAll(async () => {
    rules = ruleFile.parse(parse(await readFile(RULES, 'utf8')));
    dashboard = dashboardFile.parse(JSON.parse(await readFile(DASHBOARD, 'utf8')));

    // A server with a model, after one turn: every labelled metric has a series by then.
    server = await startChatFixture({ models: 'openai:small-model' });
    const turn = await server.chat<{ mode: string }>({ message: 'What causes the tides?' });
    expect(turn.body.mode).toBe('generated');
    const scrape = await call(server.app, { method: 'GET', url: '/metrics' });
    // Every sample name, and every declared family (a labelled counter such as the budget
    // counters has no sample until its first event).
    exported = new Set([
      ...scrape.raw
        .split('\n')
        .filter((line) => line !== '' && !line.startsWith('#'))
        .map((line) => line.split(/[{ ]/)[0]!),
      ...[...scrape.raw.matchAll(/^# TYPE (\S+) /gm)].map((match) => match[1]!),
    ]);
  });
  afterAll(async () => {
    await server?.close();
  });

  it('has alerts for latency, 5xx, cost, retrieval, circuits and fallbacks, the event loop and ingestion', () => {
    const alerts = rules.groups.flatMap((group) => group.rules.map((rule) => rule.alert));
    expect(new Set(alerts).size).toBe(alerts.length);
    expect(alerts).toEqual(
      expect.arrayContaining([
        'ParleyTurnLatencyP95High',
        'ParleyHttp5xxRateHigh',
        'ParleyOverBudget',
        'ParleyRetrievalHitRateDropped',
        'ParleyAllModelCircuitsOpen',
        'ParleyModelFallbackRateHigh',
        'ParleyEventLoopDelayHigh',
        'ParleyIngestionBacklog',
      ]),
    );
  });

  it('has a Grafana dashboard on a Prometheus datasource variable, with unique panel ids', () => {
    const variable = dashboard.templating.list.find((item) => item.type === 'datasource');
    expect(variable).toMatchObject({ name: 'datasource', query: 'prometheus' });
    const ids = dashboard.panels.map((panel) => panel.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(panelExprs().length).toBeGreaterThanOrEqual(15);
  });

  it('charts the intents by handler and the answer cache (hit rate, what it saved)', () => {
    const used = new Set(panelExprs().flatMap((expr) => [...metricNames(expr)]));
    for (const name of [
      'parley_intents_total',
      'parley_answer_cache_requests_total',
      'parley_answer_cache_saved_usd_total',
    ]) {
      expect(used).toContain(name);
    }
    expect(panelExprs()).toContainEqual(
      expect.stringContaining('sum by (handler) (rate(parley_intents_total'),
    );
  });

  it('reads only metrics that Parley exports', () => {
    const used = new Set([...ruleExprs(), ...panelExprs()].flatMap((expr) => [...metricNames(expr)]));
    expect(used.size).toBeGreaterThan(10);
    const unknown = [...used].filter((name) => !exported.has(name));
    expect(unknown).toEqual([]);
  });

  it.runIf(promtool)('passes promtool check rules and the rules’ unit tests', () => {
    expect(execFileSync('promtool', ['check', 'rules', RULES], { encoding: 'utf8' })).toContain('SUCCESS');
    expect(
      execFileSync('promtool', ['test', 'rules', path.basename(RULE_TESTS)], {
        cwd: path.dirname(RULE_TESTS),
        encoding: 'utf8',
      }),
    ).toContain('SUCCESS');
  });

  it.runIf(promtool)(
    'has a dashboard whose every query parses (checked by promtool as recording rules)',
    async () => {
      // Grafana's variables, replaced by what they stand for, so that Prometheus's parser can read them.
      const exprs = panelExprs().map((expr) =>
        expr.replaceAll('$__rate_interval', '5m').replaceAll('$instance', '.*'),
      );
      const dir = await mkdtemp(path.join(tmpdir(), 'parley-grafana-'));
      try {
        const file = path.join(dir, 'panels.yml');
        const records = exprs.map((expr, index) => ({ record: `parley:panel_${index}`, expr }));
        await writeFile(file, JSON.stringify({ groups: [{ name: 'panels', rules: records }] }));
        expect(execFileSync('promtool', ['check', 'rules', file], { encoding: 'utf8' })).toContain(
          `${exprs.length} rules found`,
        );
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    },
  );
});
