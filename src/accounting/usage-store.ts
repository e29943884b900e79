// Usage records: one row per turn (tokens and cost), written off the critical path; summaries for
// GET /v1/usage; and the spend since a moment, which budgets read back after a restart. Both read
// the daily totals (usage_daily) too, which the usage detail sweep leaves of the rows it deletes.
import type { QueryRunner } from '../storage/index.js';

/** A finished turn's usage, as stored. */
export interface UsageRecord {
  tenantId: string;
  keyId: string | null;
  botId: string;
  conversationId: string;
  turnId: string;
  /** The model reference that answered, or `extractive` / `none` when no model did. */
  model: string;
  inputTokens: number;
  cachedInputTokens: number;
  outputTokens: number;
  costUsd: number;
  /** false when the model has no price (its cost is counted as 0). */
  priced: boolean;
  /** What the answer cost when first given, for a turn answered from the answer cache. */
  savedUsd: number;
}

export type UsageGrouping = 'day' | 'model' | 'bot' | 'key';

export interface UsageFigures {
  turns: number;
  input_tokens: number;
  cached_input_tokens: number;
  output_tokens: number;
  total_tokens: number;
  cost_usd: number;
  /** Turns answered by a model without a price (counted at 0). */
  unpriced_turns: number;
  /** Turns answered from the answer cache. */
  answer_cache_hits: number;
  /** What those answers cost when first given: what the cache saved. */
  saved_usd: number;
}

export interface UsageGroup extends UsageFigures {
  /** The day (YYYY-MM-DD, UTC), model, bot or key id; null for turns without a key (loopback). */
  key: string | null;
}

/**
 * Writes usage rows in one statement (see GroupWriter). Idempotent: a retried turn inserts nothing.
 * A row names its conversation only while it is stored (written after its turn: a conversation gone
 * by then was erased or deleted, and an erasure detaches the rows it finds); the read of
 * user_erasures also makes an erasure wait for this statement (orchestrator/user-data.ts).
 */
export async function insertUsage(db: QueryRunner, records: readonly UsageRecord[]): Promise<void> {
  const rows = records.map((record) => ({
    tenant_id: record.tenantId,
    key_id: record.keyId,
    bot_id: record.botId,
    conversation_id: record.conversationId,
    turn_id: record.turnId,
    model: record.model,
    input_tokens: record.inputTokens,
    cached_input_tokens: record.cachedInputTokens,
    output_tokens: record.outputTokens,
    cost_usd: record.costUsd,
    priced: record.priced,
    saved_usd: record.savedUsd,
  }));
  await db.query(
    `insert into usage (tenant_id, key_id, bot_id, conversation_id, turn_id, model, input_tokens,
       cached_input_tokens, output_tokens, cost_usd, priced, saved_usd)
     select t.tenant_id, key_id, bot_id,
            case when c.tenant_id = t.tenant_id
                  and not exists (select 1 from user_erasures e where e.tenant_id = c.tenant_id
                                     and e.user_id = c.user_id and e.erased_at > c.created_at)
                 then c.id end,
            turn_id, model, input_tokens, cached_input_tokens, output_tokens, cost_usd, priced, saved_usd
       from jsonb_to_recordset($1::jsonb) as t(tenant_id text, key_id text, bot_id text,
            conversation_id text, turn_id text, model text, input_tokens integer,
            cached_input_tokens integer, output_tokens integer, cost_usd numeric, priced boolean,
            saved_usd numeric)
       -- By primary key, the tenant checked after (see saveTurns: a kept plan cannot take the
       -- tenant's index and read all its conversations).
       left join lateral (select c.id, c.user_id, c.tenant_id, c.created_at from conversations c
                           where c.id = t.conversation_id limit 1) c on true
     on conflict (turn_id) do nothing`,
    [JSON.stringify(rows)],
    { prepare: 'insert_usage' },
  );
}

// Fixed SQL per grouping (never built from input), over the columns of USAGE_ROWS.
const GROUP_BY: Record<UsageGrouping, string> = {
  day: 'day',
  model: 'model',
  bot: 'bot_id',
  key: 'key_id',
};

/**
 * The tenant's usage in [from, to) in one shape: the per-turn rows of that time, and the daily totals
 * the usage detail sweep left of older ones (a day counts when it begins within the range).
 */
const USAGE_ROWS = `
  select to_char(created_at at time zone 'UTC', 'YYYY-MM-DD') as day, model, bot_id, key_id,
         1 as turns, (not priced)::int as unpriced_turns, input_tokens, cached_input_tokens,
         output_tokens, cost_usd, saved_usd
    from usage
   where tenant_id = $1 and created_at >= $2 and created_at < $3
  union all
  select to_char(day, 'YYYY-MM-DD'), model, bot_id, key_id, turns, unpriced_turns, input_tokens,
         cached_input_tokens, output_tokens, cost_usd, saved_usd
    from usage_daily
   where tenant_id = $1 and day::timestamp at time zone 'UTC' >= $2
     and day::timestamp at time zone 'UTC' < $3`;

/** The tenant's usage in [from, to), grouped, in key order. */
export async function summarizeUsage(
  db: QueryRunner,
  query: { tenantId: string; from: Date; to: Date; groupBy: UsageGrouping },
): Promise<UsageGroup[]> {
  return db.query<UsageGroup>(
    `select ${GROUP_BY[query.groupBy]} as key,
            coalesce(sum(turns), 0)::int as turns,
            coalesce(sum(input_tokens), 0)::float8 as input_tokens,
            coalesce(sum(cached_input_tokens), 0)::float8 as cached_input_tokens,
            coalesce(sum(output_tokens), 0)::float8 as output_tokens,
            coalesce(sum(input_tokens + output_tokens), 0)::float8 as total_tokens,
            coalesce(sum(cost_usd), 0)::float8 as cost_usd,
            coalesce(sum(unpriced_turns), 0)::int as unpriced_turns,
            coalesce(sum(turns) filter (where model = 'cache'), 0)::int as answer_cache_hits,
            coalesce(sum(saved_usd), 0)::float8 as saved_usd
       from (${USAGE_ROWS}) u
      group by 1
      order by 1 nulls first`,
    [query.tenantId, query.from, query.to],
  );
}

/** The sum of figures, for a summary's totals. */
export function totalOf(groups: readonly UsageFigures[]): UsageFigures {
  const total: UsageFigures = {
    turns: 0,
    input_tokens: 0,
    cached_input_tokens: 0,
    output_tokens: 0,
    total_tokens: 0,
    cost_usd: 0,
    unpriced_turns: 0,
    answer_cache_hits: 0,
    saved_usd: 0,
  };
  for (const group of groups) {
    for (const field of Object.keys(total) as (keyof UsageFigures)[]) total[field] += group[field];
  }
  return total;
}

/**
 * USD spent by a tenant (or one of its keys) since `since` (a budget period's start: a UTC day's),
 * from the per-turn rows and the daily totals of swept ones.
 */
export async function spendSince(
  db: QueryRunner,
  subject: { tenantId: string; keyId?: string },
  since: Date,
): Promise<number> {
  const byKey = subject.keyId === undefined ? '' : 'and key_id = $3';
  const rows = await db.query<{ spent: number }>(
    `select (coalesce((select sum(cost_usd) from usage
                        where tenant_id = $1 and created_at >= $2 ${byKey}), 0)
           + coalesce((select sum(cost_usd) from usage_daily
                        where tenant_id = $1 and day::timestamp at time zone 'UTC' >= $2 ${byKey}), 0)
           )::float8 as spent`,
    subject.keyId === undefined ? [subject.tenantId, since] : [subject.tenantId, since, subject.keyId],
  );
  return rows[0]?.spent ?? 0;
}
