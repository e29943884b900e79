// The operator dashboard: a time range, the headline figures, charts over time (latency and time
// to first token percentiles, cost, error/fallback/degraded rates, retrieval and answer-cache hit
// rates, what the answer cache saved), the turns per intent and handler, the latest questions that
// found no good passage, users' satisfaction and the questions rated down, and a viewer for any
// turn's trace. Data comes from
// GET /v1/dashboard and GET /v1/turns/{id}/trace with the page's key.
import { useCallback, useEffect, useMemo, useState } from 'preact/hooks';
import { type ChatClient, ChatError } from '../chat/api-client.js';
import { KeyForm } from '../chat/key-form.js';
import type { DashboardData, TurnTrace } from './dashboard-types.js';
import { FeedbackTables, overallSatisfaction } from './feedback-tables.js';
import { formatCount, formatMs, formatPercent, formatTime, formatUsd } from './format.js';
import { IntentTable } from './intent-table.js';
import { type ChartSeries, TimeChart } from './time-chart.js';
import { TraceView } from './trace-view.js';

const HOUR = 3_600_000;
const RANGES = [
  { id: '24h', label: 'Last 24 hours (hourly)', ms: 24 * HOUR, bucket: 'hour' },
  { id: '7d', label: 'Last 7 days', ms: 7 * 24 * HOUR, bucket: 'day' },
  { id: '30d', label: 'Last 30 days', ms: 30 * 24 * HOUR, bucket: 'day' },
  { id: '90d', label: 'Last 90 days', ms: 90 * 24 * HOUR, bucket: 'day' },
] as const;
type RangeId = (typeof RANGES)[number]['id'];

const TURN_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function problem(error: unknown): string {
  if (error instanceof ChatError) {
    if (error.kind === 'unauthorized') return 'This server needs an API key.';
    if (error.kind === 'forbidden') return `Not allowed: ${error.message}. The dashboard needs a secret key.`;
    if (error.kind === 'not_found') return 'No such turn for this key’s tenant.';
    return error.message;
  }
  return 'Something went wrong. Try again.';
}

function Figure(props: { id: string; label: string; value: string; raw: number | null }) {
  return (
    <div class="tile" data-figure={props.id} data-value={props.raw ?? ''}>
      <dt>{props.label}</dt>
      <dd>{props.value}</dd>
    </div>
  );
}

export function DashboardApp(props: { client: ChatClient; onKey(key: string): void }) {
  const { client } = props;
  const [rangeId, setRangeId] = useState<RangeId>('24h');
  const [data, setData] = useState<DashboardData>();
  const [error, setError] = useState<unknown>();
  const [loading, setLoading] = useState(false);
  const [turnId, setTurnId] = useState('');
  const [trace, setTrace] = useState<TurnTrace>();
  const [traceError, setTraceError] = useState<string>();

  const load = useCallback(async () => {
    const range = RANGES.find((candidate) => candidate.id === rangeId)!;
    const to = new Date();
    const from = new Date(to.getTime() - range.ms);
    const query = new URLSearchParams({
      from: from.toISOString(),
      to: to.toISOString(),
      bucket: range.bucket,
    });
    setLoading(true);
    try {
      setData(await client.getJson<DashboardData>(`/v1/dashboard?${query}`));
      setError(undefined);
    } catch (caught) {
      setError(caught);
    } finally {
      setLoading(false);
    }
  }, [client, rangeId]);
  useEffect(() => {
    void load();
  }, [load]);

  const showTrace = async (id: string) => {
    setTurnId(id);
    if (!TURN_ID.test(id.trim())) {
      setTrace(undefined);
      setTraceError('A turn id is a UUID, like the turn_id of a chat answer.');
      return;
    }
    try {
      setTrace(await client.getJson<TurnTrace>(`/v1/turns/${encodeURIComponent(id.trim())}/trace`));
      setTraceError(undefined);
    } catch (caught) {
      setTrace(undefined);
      setTraceError(problem(caught));
    }
  };

  const charts = useMemo(() => {
    if (!data) return undefined;
    const xs = data.buckets.map((bucket) => Date.parse(bucket.start) / 1000);
    const pick = (get: (bucket: DashboardData['buckets'][number]) => number | null) => data.buckets.map(get);
    const percentileSeries = (field: 'latency_ms' | 'first_token_ms'): ChartSeries[] => [
      { label: 'p50', values: pick((b) => b[field].p50), color: '--chart-1' },
      { label: 'p95', values: pick((b) => b[field].p95), color: '--chart-2' },
      { label: 'p99', values: pick((b) => b[field].p99), color: '--chart-3' },
    ];
    return {
      xs,
      latency: percentileSeries('latency_ms'),
      firstToken: percentileSeries('first_token_ms'),
      rates: [
        { label: 'Errors', values: pick((b) => b.error_rate), color: '--chart-3' },
        { label: 'Fallbacks', values: pick((b) => b.fallback_rate), color: '--chart-2' },
        { label: 'Degraded', values: pick((b) => b.degraded_rate), color: '--chart-4' },
      ],
      hits: [{ label: 'Retrieval hit rate', values: pick((b) => b.retrieval_hit_rate), color: '--chart-1' }],
      answerCache: [
        { label: 'Answer cache hit rate', values: pick((b) => b.answer_cache_hit_rate), color: '--chart-2' },
      ],
      saved: [{ label: 'Saved', values: pick((b) => b.saved_usd), color: '--chart-4' }],
      dayXs: data.days.map((day) => Date.parse(`${day.day}T00:00:00Z`) / 1000),
      costPerDay: [{ label: 'Cost', values: data.days.map((day) => day.cost_usd), color: '--chart-1' }],
      costPerConversation: [
        {
          label: 'Per conversation',
          values: data.days.map((day) => day.cost_per_conversation_usd),
          color: '--chart-2',
        },
      ],
    };
  }, [data]);

  const needsKey = error instanceof ChatError && error.kind === 'unauthorized';
  const totals = data?.totals;
  return (
    <div class="dashboard-app">
      <header class="dashboard-header">
        <h1>Parley dashboard</h1>
        <form
          class="range"
          onSubmit={(event) => {
            event.preventDefault();
            void load();
          }}
        >
          <label for="range">Time range</label>
          <select
            id="range"
            value={rangeId}
            onChange={(event) => setRangeId(event.currentTarget.value as RangeId)}
          >
            {RANGES.map((range) => (
              <option key={range.id} value={range.id}>
                {range.label}
              </option>
            ))}
          </select>
          <button type="submit" disabled={loading}>
            Refresh
          </button>
          <a href="/">Chat</a>
        </form>
      </header>

      {error !== undefined && (
        <p class="error notice" role="alert">
          {problem(error)}
        </p>
      )}
      {needsKey && <KeyForm onKey={props.onKey} />}

      {data && totals && charts && (
        <div class="dashboard-body" aria-busy={loading} data-loaded={data.to}>
          <section aria-labelledby="totals-title">
            <h2 id="totals-title">
              {formatTime(data.from)} – {formatTime(data.to)} UTC
            </h2>
            <dl class="tiles">
              <Figure id="turns" label="Turns" value={formatCount(totals.turns)} raw={totals.turns} />
              <Figure
                id="conversations"
                label="Conversations"
                value={formatCount(totals.conversations)}
                raw={totals.conversations}
              />
              <Figure
                id="latency-p95"
                label="Latency p95"
                value={formatMs(totals.latency_ms.p95)}
                raw={totals.latency_ms.p95}
              />
              <Figure
                id="first-token-p95"
                label="First token p95"
                value={formatMs(totals.first_token_ms.p95)}
                raw={totals.first_token_ms.p95}
              />
              <Figure
                id="error-rate"
                label="Error rate"
                value={formatPercent(totals.error_rate)}
                raw={totals.error_rate}
              />
              <Figure
                id="fallback-rate"
                label="Fallback rate"
                value={formatPercent(totals.fallback_rate)}
                raw={totals.fallback_rate}
              />
              <Figure
                id="degraded-rate"
                label="Degraded rate"
                value={formatPercent(totals.degraded_rate)}
                raw={totals.degraded_rate}
              />
              <Figure
                id="hit-rate"
                label="Retrieval hit rate"
                value={formatPercent(totals.retrieval_hit_rate)}
                raw={totals.retrieval_hit_rate}
              />
              <Figure
                id="answer-cache-hits"
                label="Answer cache hits"
                value={`${formatCount(totals.answer_cache_hits)} (${formatPercent(totals.answer_cache_hit_rate)})`}
                raw={totals.answer_cache_hits}
              />
              <Figure
                id="saved"
                label="Saved by the answer cache"
                value={formatUsd(totals.saved_usd)}
                raw={totals.saved_usd}
              />
              <Figure id="cost" label="Cost" value={formatUsd(totals.cost_usd)} raw={totals.cost_usd} />
              <Figure
                id="cost-per-conversation"
                label="Cost per conversation"
                value={formatUsd(totals.cost_per_conversation_usd)}
                raw={totals.cost_per_conversation_usd}
              />
              <Figure
                id="satisfaction"
                label="Satisfaction (rated up)"
                value={formatPercent(overallSatisfaction(data.satisfaction))}
                raw={overallSatisfaction(data.satisfaction)}
              />
            </dl>
          </section>

          <section class="charts" aria-label="Charts">
            <TimeChart
              id="latency"
              title="Turn latency (p50, p95, p99)"
              xs={charts.xs}
              series={charts.latency}
              format={formatMs}
            />
            <TimeChart
              id="first-token"
              title="Time to first token (p50, p95, p99)"
              xs={charts.xs}
              series={charts.firstToken}
              format={formatMs}
            />
            <TimeChart
              id="rates"
              title="Error, fallback and degraded rates"
              xs={charts.xs}
              series={charts.rates}
              format={formatPercent}
            />
            <TimeChart
              id="hit-rate"
              title="Retrieval hit rate"
              xs={charts.xs}
              series={charts.hits}
              format={formatPercent}
            />
            <TimeChart
              id="answer-cache"
              title="Answer cache hit rate"
              xs={charts.xs}
              series={charts.answerCache}
              format={formatPercent}
            />
            <TimeChart
              id="saved"
              title="Saved by the answer cache"
              xs={charts.xs}
              series={charts.saved}
              format={formatUsd}
              bars
            />
            <TimeChart
              id="cost-per-day"
              title="Cost per day"
              xs={charts.dayXs}
              series={charts.costPerDay}
              format={formatUsd}
              bars
              daily
            />
            <TimeChart
              id="cost-per-conversation"
              title="Average cost per conversation, per day"
              xs={charts.dayXs}
              series={charts.costPerConversation}
              format={formatUsd}
              daily
            />
          </section>

          <IntentTable intents={data.intents} />

          <FeedbackTables
            satisfaction={data.satisfaction}
            worstRated={data.worst_rated}
            onTrace={(turnId) => void showTrace(turnId)}
          />

          <section aria-labelledby="not-found-title">
            <h2 id="not-found-title">Questions that found no good passage</h2>
            {data.not_found.length === 0 ? (
              <p class="muted">None in this range.</p>
            ) : (
              <table class="not-found">
                <thead>
                  <tr>
                    <th scope="col">When (UTC)</th>
                    <th scope="col">Question</th>
                    <th scope="col">Coverage</th>
                    <th scope="col">Turn</th>
                  </tr>
                </thead>
                <tbody>
                  {data.not_found.map((row) => (
                    <tr key={row.turn_id}>
                      <td>{formatTime(row.at)}</td>
                      <td class="wrap">{row.question ?? '(not stored)'}</td>
                      <td>
                        {formatPercent(row.coverage)} of {formatPercent(row.threshold)}
                      </td>
                      <td>
                        <button
                          type="button"
                          class="link mono"
                          aria-label={`Show the trace of turn ${row.turn_id}`}
                          onClick={() => void showTrace(row.turn_id)}
                        >
                          {row.turn_id.slice(0, 8)}
                        </button>
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            )}
          </section>
        </div>
      )}

      <section aria-labelledby="trace-title" class="trace-section">
        <h2 id="trace-title">Turn trace</h2>
        <form
          class="trace-form"
          onSubmit={(event) => {
            event.preventDefault();
            void showTrace(turnId);
          }}
        >
          <label for="turn-id">Turn id</label>
          <input
            id="turn-id"
            class="mono"
            value={turnId}
            placeholder="00000000-0000-0000-0000-000000000000"
            autoComplete="off"
            spellcheck={false}
            onInput={(event) => setTurnId(event.currentTarget.value)}
          />
          <button type="submit">Show trace</button>
        </form>
        {traceError && (
          <p class="error" role="alert">
            {traceError}
          </p>
        )}
        {trace && <TraceView trace={trace} />}
      </section>
    </div>
  );
}
