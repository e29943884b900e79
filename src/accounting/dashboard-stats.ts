// The operator dashboard's figures, computed from stored turn traces: per time bucket (and over
// the whole range, and per day) the turn count, latency and time-to-first-token percentiles,
// error, fallback, degraded and retrieval-hit rates, cost, and the answer cache's hits and what
// they saved; plus the turns per intent and handler, and the latest questions that found no good
// passage. One scan of the tenant's traces in the range (index turn_traces_tenant) grouped three
// ways at once with GROUPING SETS, one for the intents; percentile_cont runs on PGlite and PostgreSQL.
// Users' ratings (the feedback table): satisfaction per bot and UTC day of the rated answers, and
// the worst-rated questions: the same question (case, spacing and end punctuation aside) asked of a
// bot and rated down most often first, among the latest answers rated down.
import type { QueryRunner } from '../storage/index.js';

/** The width of a dashboard bucket. */
export type DashboardBucket = 'hour' | 'day';

export interface DashboardRange {
  tenantId: string;
  /** Inclusive. */
  from: Date;
  /** Exclusive. */
  to: Date;
  bucket: DashboardBucket;
  /** How many of the latest not-found questions to list. */
  notFoundLimit: number;
  /** How many of the worst-rated questions to list (default 20). */
  worstRatedLimit?: number;
}

/** p50 / p95 / p99 in milliseconds; null when no turn in the group measured it. */
export interface Percentiles {
  p50: number | null;
  p95: number | null;
  p99: number | null;
}

/** The figures of one group of turns (a bucket, a day, or the whole range). */
export interface TurnFigures {
  turns: number;
  conversations: number;
  latency_ms: Percentiles;
  first_token_ms: Percentiles;
  /** Shares of `turns`, 0-1; null for a group without turns. */
  error_rate: number | null;
  fallback_rate: number | null;
  degraded_rate: number | null;
  retrieval_hit_rate: number | null;
  cost_usd: number;
  cost_per_conversation_usd: number | null;
  /** Turns the answer cache answered. */
  answer_cache_hits: number;
  /** Share of the turns that asked the answer cache it answered; null when none asked. */
  answer_cache_hit_rate: number | null;
  /** What the cached answers had cost when first made: what the hits saved. */
  saved_usd: number;
}

/** How many turns meant what, and which handler answered them. */
export interface IntentCount {
  intent: string;
  handler: string;
  turns: number;
}

export interface NotFoundQuestion {
  turn_id: string;
  conversation_id: string | null;
  /** The user's question (null if its message is not stored). */
  question: string | null;
  at: string;
  coverage: number | null;
  threshold: number | null;
}

/** Ratings of one bot's answers given on one UTC day. */
export interface SatisfactionDay {
  bot_id: string;
  /** YYYY-MM-DD */
  day: string;
  /** Answers rated. */
  rated: number;
  up: number;
  /** Share of `rated` rated up, 0-1. */
  satisfaction: number;
}

/** A question whose answers were rated down, with its latest such answer. */
export interface WorstRatedQuestion {
  /** The latest answer to it rated down. */
  turn_id: string;
  conversation_id: string;
  bot_id: string;
  /** The user's question (null if its message is not stored). */
  question: string | null;
  comment: string | null;
  /** When the answer was given. */
  at: string;
  /** How many answers to this question by this bot were rated down in the range. */
  down: number;
}

export interface Dashboard {
  from: string;
  to: string;
  bucket: DashboardBucket;
  totals: TurnFigures;
  /** Every bucket of the range in order, empty ones included (turns 0), so charts keep time. */
  buckets: (TurnFigures & { start: string })[];
  /** Cost per UTC day, whatever the bucket. */
  days: { day: string; cost_usd: number; conversations: number; cost_per_conversation_usd: number | null }[];
  not_found: NotFoundQuestion[];
  /** Turns per intent and handler over the range, the most frequent first. */
  intents: IntentCount[];
  /** Users' ratings per bot and day of the rated answers, by day then bot. */
  satisfaction: SatisfactionDay[];
  /** The questions rated down most often in the range (then the latest first). */
  worst_rated: WorstRatedQuestion[];
}

interface GroupRow {
  grouping: 'bucket' | 'day' | 'total';
  start: Date | null;
  turns: string;
  conversations: string;
  latency: (number | null)[] | null;
  first_token: (number | null)[] | null;
  errors: string;
  fallbacks: string;
  degraded: string;
  hits: string;
  cost: number | null;
  cache_lookups: string;
  cache_hits: string;
  saved: number | null;
}

// Bucket boundaries are UTC whatever the session's time zone. A trace's `error` is JSON null when
// there was none (->> gives SQL null); `cost_usd` is absent on traces written before costs were kept.
const FIGURES_SQL = `
with t as (
  select
    date_trunc($4, created_at at time zone 'UTC') as bucket,
    date_trunc('day', created_at at time zone 'UTC') as day,
    conversation_id,
    (trace->'timings_ms'->>'total')::float8 as total_ms,
    (trace->'timings_ms'->>'first_token')::float8 as first_token_ms,
    (coalesce(trace->>'completed', 'true') = 'false' or trace->>'error' is not null) as failed,
    (coalesce(jsonb_array_length(trace->'attempts'), 0) > 1
      or coalesce(trace->'attempts' @> '[{"outcome": "failed"}]', false)) as fell_back,
    trace->>'mode' = 'degraded' as degraded,
    (coalesce(jsonb_array_length(trace->'retrieved'), 0) > 0
      and (trace->'relevance'->>'coverage')::float8 >= (trace->'relevance'->>'threshold')::float8) as hit,
    coalesce((trace->'usage'->>'cost_usd')::float8, 0) as cost,
    jsonb_typeof(trace->'answer_cache') = 'object' as cache_asked,
    coalesce(trace->'answer_cache'->>'hit' = 'true', false) as cache_hit,
    coalesce((trace->'answer_cache'->>'saved_usd')::float8, 0) as saved
  from turn_traces
  where tenant_id = $1 and created_at >= $2 and created_at < $3
)
select
  case when grouping(bucket) = 0 then 'bucket' when grouping(day) = 0 then 'day' else 'total' end as grouping,
  coalesce(bucket, day) at time zone 'UTC' as start,
  count(*) as turns,
  count(distinct conversation_id) as conversations,
  percentile_cont(array[0.5, 0.95, 0.99]) within group (order by total_ms) as latency,
  percentile_cont(array[0.5, 0.95, 0.99]) within group (order by first_token_ms) as first_token,
  count(*) filter (where failed) as errors,
  count(*) filter (where fell_back) as fallbacks,
  count(*) filter (where degraded) as degraded,
  count(*) filter (where hit) as hits,
  sum(cost) as cost,
  count(*) filter (where cache_asked) as cache_lookups,
  count(*) filter (where cache_hit) as cache_hits,
  sum(saved) as saved
from t
group by grouping sets ((bucket), (day), ())`;

const NOT_FOUND_SQL = `
select t.turn_id, t.conversation_id, t.created_at as at, m.content as question,
  (t.trace->'relevance'->>'coverage')::float8 as coverage,
  (t.trace->'relevance'->>'threshold')::float8 as threshold
from turn_traces t
left join messages m on m.turn_id = t.turn_id and m.tenant_id = t.tenant_id and m.role = 'user'
where t.tenant_id = $1 and t.created_at >= $2 and t.created_at < $3 and t.trace->>'mode' = 'not_found'
order by t.created_at desc
limit $4`;

// Traces written before the intent step have no intent (JSON null or absent).
const INTENTS_SQL = `
select trace->'intent'->>'name' as intent, trace->'intent'->>'handler' as handler, count(*)::int as turns
from turn_traces
where tenant_id = $1 and created_at >= $2 and created_at < $3 and jsonb_typeof(trace->'intent') = 'object'
group by 1, 2
order by turns desc, handler, intent
limit 200`;

const SATISFACTION_SQL = `
select bot_id, date_trunc('day', turn_at at time zone 'UTC') at time zone 'UTC' as day, count(*)::int as rated,
  (count(*) filter (where rating = 'up'))::int as up
from feedback
where tenant_id = $1 and turn_at >= $2 and turn_at < $3
group by 1, 2
order by 2, 1
limit 5000`;

// Bounded: the latest 2,000 answers rated down in the range are grouped by bot and question.
const WORST_RATED_SQL = `
with down as (
  select f.turn_id, f.conversation_id, f.bot_id, f.comment, f.turn_at,
    (select m.content from messages m
      where m.tenant_id = f.tenant_id and m.turn_id = f.turn_id and m.role = 'user' limit 1) as question
  from feedback f
  where f.tenant_id = $1 and f.turn_at >= $2 and f.turn_at < $3 and f.rating = 'down'
  order by f.turn_at desc, f.turn_id
  limit 2000
), grouped as (
  select down.*, count(*) over same as down, row_number() over (same order by turn_at desc, turn_id) as nth
  from down
  window same as (partition by bot_id,
    coalesce(btrim(regexp_replace(regexp_replace(lower(question), '[[:space:]]+', ' ', 'g'),
      '[[:space:][:punct:]]+$', '')), turn_id))
)
select turn_id, conversation_id, bot_id, comment, turn_at as at, question, down::int as down
from grouped where nth = 1
order by down desc, turn_at desc, turn_id
limit $4`;

const ratio = (part: number, whole: number) => (whole === 0 ? null : part / whole);

function percentiles(values: (number | null)[] | null): Percentiles {
  return { p50: values?.[0] ?? null, p95: values?.[1] ?? null, p99: values?.[2] ?? null };
}

function figures(row: GroupRow | undefined): TurnFigures {
  const turns = Number(row?.turns ?? 0);
  const conversations = Number(row?.conversations ?? 0);
  const cost = row?.cost ?? 0;
  return {
    turns,
    conversations,
    latency_ms: percentiles(row?.latency ?? null),
    first_token_ms: percentiles(row?.first_token ?? null),
    error_rate: ratio(Number(row?.errors ?? 0), turns),
    fallback_rate: ratio(Number(row?.fallbacks ?? 0), turns),
    degraded_rate: ratio(Number(row?.degraded ?? 0), turns),
    retrieval_hit_rate: ratio(Number(row?.hits ?? 0), turns),
    cost_usd: cost,
    cost_per_conversation_usd: ratio(cost, conversations),
    answer_cache_hits: Number(row?.cache_hits ?? 0),
    answer_cache_hit_rate: ratio(Number(row?.cache_hits ?? 0), Number(row?.cache_lookups ?? 0)),
    saved_usd: row?.saved ?? 0,
  };
}

const STEP_MS: Record<DashboardBucket, number> = { hour: 3_600_000, day: 86_400_000 };

/** The start of the UTC bucket holding `at`. */
export function bucketStart(at: Date, bucket: DashboardBucket): Date {
  const step = STEP_MS[bucket];
  return new Date(Math.floor(at.getTime() / step) * step);
}

/** Reads the dashboard's figures for one tenant and range. */
export async function readDashboard(db: QueryRunner, range: DashboardRange): Promise<Dashboard> {
  const { tenantId, from, to, bucket } = range;
  const [groups, notFound, intents, satisfaction, worstRated] = await Promise.all([
    db.query<GroupRow>(FIGURES_SQL, [tenantId, from, to, bucket]),
    db.query<{
      turn_id: string;
      conversation_id: string | null;
      at: Date;
      question: string | null;
      coverage: number | null;
      threshold: number | null;
    }>(NOT_FOUND_SQL, [tenantId, from, to, range.notFoundLimit]),
    db.query<IntentCount>(INTENTS_SQL, [tenantId, from, to]),
    db.query<{ bot_id: string; day: Date; rated: number; up: number }>(SATISFACTION_SQL, [
      tenantId,
      from,
      to,
    ]),
    db.query<{
      turn_id: string;
      conversation_id: string;
      bot_id: string;
      comment: string | null;
      at: Date;
      question: string | null;
      down: number;
    }>(WORST_RATED_SQL, [tenantId, from, to, range.worstRatedLimit ?? 20]),
  ]);

  const byStart = (grouping: GroupRow['grouping']) =>
    new Map(
      groups.filter((row) => row.grouping === grouping).map((row) => [new Date(row.start!).getTime(), row]),
    );
  const bucketRows = byStart('bucket');
  const buckets: Dashboard['buckets'] = [];
  for (let at = bucketStart(from, bucket).getTime(); at < to.getTime(); at += STEP_MS[bucket]) {
    buckets.push({ start: new Date(at).toISOString(), ...figures(bucketRows.get(at)) });
  }
  const days = [...byStart('day').entries()]
    .sort(([a], [b]) => a - b)
    .map(([at, row]) => {
      const { cost_usd, conversations, cost_per_conversation_usd } = figures(row);
      return {
        day: new Date(at).toISOString().slice(0, 10),
        cost_usd,
        conversations,
        cost_per_conversation_usd,
      };
    });

  return {
    from: from.toISOString(),
    to: to.toISOString(),
    bucket,
    totals: figures(groups.find((row) => row.grouping === 'total')),
    buckets,
    days,
    not_found: notFound.map((row) => ({
      turn_id: row.turn_id,
      conversation_id: row.conversation_id,
      question: row.question,
      at: new Date(row.at).toISOString(),
      coverage: row.coverage,
      threshold: row.threshold,
    })),
    intents: intents.map((row) => ({ intent: row.intent, handler: row.handler, turns: Number(row.turns) })),
    satisfaction: satisfaction.map((row) => ({
      bot_id: row.bot_id,
      day: new Date(row.day).toISOString().slice(0, 10),
      rated: Number(row.rated),
      up: Number(row.up),
      satisfaction: Number(row.up) / Number(row.rated),
    })),
    worst_rated: worstRated.map((row) => ({
      turn_id: row.turn_id,
      conversation_id: row.conversation_id,
      bot_id: row.bot_id,
      question: row.question,
      comment: row.comment,
      at: new Date(row.at).toISOString(),
      down: Number(row.down),
    })),
  };
}
