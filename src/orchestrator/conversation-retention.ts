// Retention of conversations: each tenant may set how many days a conversation is kept after its
// last activity (table retention_periods; unset: the server's default, PARLEY_CONVERSATION_RETENTION_DAYS,
// itself unset by default: kept). A background sweep deletes what is older with everything that
// hangs from it (messages, traces, feedback, waiting actions, visitor claims) through the user
// erasure's statement, a bounded batch at a time; usage rows stay for the tenant's accounting.
// Messages have their own period too (a conversation in use for longer keeps none older): the
// message sweep deletes each message past it with its turn's trace and rating, clears the summary
// of a conversation that lost messages (it was written from them), and erases a conversation left
// with no message at all (its title was its first question).
import { Counter, type Registry } from 'prom-client';
import { type Database, type QueryRunner, tenantPeriods } from '../storage/index.js';
import type { Logger } from '../telemetry/index.js';
import { type ErasureReport, eraseConversations } from './erase-conversations.js';

const DAY_MS = 86_400_000;
/** Conversations deleted by one statement: it holds their rows (and their messages') while it runs. */
export const RETENTION_BATCH = 500;
/** How often the sweep runs (and once 10 s after start-up). */
export const CONVERSATION_RETENTION_EVERY_MS = 60 * 60 * 1000;

/** A tenant's own retention periods; null: the server's default. */
export interface RetentionPeriods {
  conversation_days: number | null;
  /** Messages, whatever their conversation's activity. */
  message_days: number | null;
  /** Turn traces (jobs/trace-retention.ts). */
  trace_days: number | null;
  /** Per-turn usage rows, rolled into daily totals (accounting/usage-retention.ts). */
  usage_detail_days: number | null;
}

export const NO_PERIODS: RetentionPeriods = {
  conversation_days: null,
  message_days: null,
  trace_days: null,
  usage_detail_days: null,
};

export async function readRetention(db: QueryRunner, tenantId: string): Promise<RetentionPeriods> {
  const rows = await db.query<RetentionPeriods>(
    'select conversation_days, message_days, trace_days, usage_detail_days from retention_periods where tenant_id = $1',
    [tenantId],
  );
  return rows[0] ?? NO_PERIODS;
}

/** Replaces the tenant's periods (an absent one is null: the server's default). */
export async function writeRetention(
  db: QueryRunner,
  tenantId: string,
  periods: RetentionPeriods,
): Promise<void> {
  await db.query(
    `insert into retention_periods (tenant_id, conversation_days, message_days, trace_days, usage_detail_days)
     values ($1, $2, $3, $4, $5)
     on conflict (tenant_id) do update set conversation_days = excluded.conversation_days,
       message_days = excluded.message_days, trace_days = excluded.trace_days,
       usage_detail_days = excluded.usage_detail_days, updated_at = now()`,
    [
      tenantId,
      periods.conversation_days,
      periods.message_days,
      periods.trace_days,
      periods.usage_detail_days,
    ],
  );
}

/** What one sweep deleted of one tenant's data. */
export interface ExpiredConversations {
  tenantId: string;
  /** The period applied (days after a conversation's last activity). */
  days: number;
  /** Conversations last active before this were deleted. */
  cutoff: Date;
  report: ErasureReport;
}

/** What one message sweep deleted of one tenant's data. */
export interface ExpiredMessages {
  tenantId: string;
  /** The period applied (days after a message was written). */
  days: number;
  /** Messages written before this were deleted. */
  cutoff: Date;
  report: {
    messages: number;
    /** The traces and ratings of the turns those messages were part of. */
    traces: number;
    feedback: number;
    /** Conversations whose summary was cleared (it was written from messages now gone). */
    summaries: number;
    /** Conversations left without a message, erased with what still hung from them. */
    conversations: number;
  };
}

export interface ConversationRetentionOptions {
  /** Days kept for tenants that set none (undefined: theirs are kept). */
  defaultDays: number | undefined;
  /** Days a message is kept for tenants that set none (undefined: theirs are kept). */
  messageDefaultDays?: number | undefined;
  /** After a tenant's expired messages are deleted (an audit entry). */
  onMessagesExpired?: (expired: ExpiredMessages) => Promise<void>;
  /** After each batch: these conversations are gone (forget what the process remembers of them). */
  onDeleted?: (conversationIds: readonly string[]) => void;
  /** After a tenant's expired conversations are deleted (an audit entry). */
  onExpired?: (expired: ExpiredConversations) => Promise<void>;
  batch?: number;
}

export class ConversationRetention {
  private deleted: Counter<'kind'> | undefined;

  constructor(
    private readonly db: Pick<Database, 'query' | 'forTenant'>,
    private readonly options: ConversationRetentionOptions,
    private readonly log: Logger,
  ) {}

  registerMetrics(registry: Registry): void {
    this.deleted = new Counter({
      name: 'parley_retention_deleted_total',
      help: 'Rows deleted by the conversation retention sweep, by kind (conversations, messages, traces, ...)',
      labelNames: ['kind'],
      registers: [registry],
    });
  }

  /** Deletes every conversation past its tenant's period; returns what went, by tenant. */
  async sweep(now = new Date()): Promise<ExpiredConversations[]> {
    const tenants = await tenantPeriods(this.db, 'conversation_days', this.options);
    const swept: ExpiredConversations[] = [];
    for (const { tenant_id: tenantId, days } of tenants) {
      const expired = await this.sweepTenant(tenantId, days, new Date(now.getTime() - days * DAY_MS));
      if (expired.report.conversations === 0) continue;
      swept.push(expired);
      for (const [kind, count] of Object.entries(expired.report)) {
        if (kind !== 'usage_rows_detached') this.deleted?.inc({ kind }, count);
      }
      this.log.info({ tenant: tenantId, days, ...expired.report }, 'expired conversations deleted');
      await this.options.onExpired?.(expired);
    }
    return swept;
  }

  /** One tenant's expired conversations, a batch per statement until none is left. */
  private async sweepTenant(tenantId: string, days: number, cutoff: Date): Promise<ExpiredConversations> {
    const batch = this.options.batch ?? RETENTION_BATCH;
    const total: ErasureReport = {
      conversations: 0,
      messages: 0,
      traces: 0,
      feedback: 0,
      approvals: 0,
      visitor_claims: 0,
      webhook_events: 0,
      // a conversation's expiry leaves its user's memories (they have their own period)
      memories: 0,
      usage_rows_detached: 0,
    };
    const db = this.db.forTenant(tenantId);
    for (;;) {
      // Oldest first, by the index on (tenant_id, updated_at).
      const { report, conversationIds: ids } = await eraseConversations(
        db,
        tenantId,
        `select id from conversations where tenant_id = $1 and updated_at < $2
          order by updated_at limit ${batch}`,
        [cutoff],
      );
      for (const kind of Object.keys(total) as (keyof ErasureReport)[]) total[kind] += report[kind];
      if (ids.length > 0) this.options.onDeleted?.(ids);
      if (report.conversations < batch) break;
    }
    return { tenantId, days, cutoff, report: total };
  }

  /** Deletes every message past its tenant's message period; returns what went, by tenant. */
  async sweepMessages(now = new Date()): Promise<ExpiredMessages[]> {
    const bounds = { defaultDays: this.options.messageDefaultDays };
    const swept: ExpiredMessages[] = [];
    for (const { tenant_id: tenantId, days } of await tenantPeriods(this.db, 'message_days', bounds)) {
      const expired = await this.sweepTenantMessages(tenantId, days, new Date(now.getTime() - days * DAY_MS));
      if (expired.report.messages === 0) continue;
      swept.push(expired);
      for (const [kind, count] of Object.entries(expired.report)) this.deleted?.inc({ kind }, count);
      this.log.info({ tenant: tenantId, days, ...expired.report }, 'expired messages deleted');
      await this.options.onMessagesExpired?.(expired);
    }
    return swept;
  }

  /** One tenant's expired messages, a batch per statement, then the conversations left empty. */
  private async sweepTenantMessages(tenantId: string, days: number, cutoff: Date): Promise<ExpiredMessages> {
    const batch = this.options.batch ?? RETENTION_BATCH;
    const report = { messages: 0, traces: 0, feedback: 0, summaries: 0, conversations: 0 };
    const touched = new Set<string>();
    const db = this.db.forTenant(tenantId);
    for (;;) {
      // Oldest first, by the index on (tenant_id, created_at); a turn's trace and rating go with
      // the first of its messages to go.
      const [row] = await db.query<{
        messages: number;
        traces: number;
        feedback: number;
        summaries: number;
        conversation_ids: string[];
      }>(
        `with doomed as (
           select id, conversation_id, turn_id from messages where tenant_id = $1 and created_at < $2
            order by created_at limit ${batch}
         ), gone as (
           delete from messages where tenant_id = $1 and id in (select id from doomed) returning 1
         ), traces as (
           delete from turn_traces where tenant_id = $1 and turn_id in (select turn_id from doomed) returning 1
         ), rated as (
           delete from feedback where tenant_id = $1 and turn_id in (select turn_id from doomed) returning 1
         ), summaries as (
           update conversations set summary = null, summarized_messages = 0
            where tenant_id = $1 and id in (select conversation_id from doomed)
              and (summary is not null or summarized_messages > 0) returning 1
         )
         select (select count(*) from gone)::int as messages, (select count(*) from traces)::int as traces,
                (select count(*) from rated)::int as feedback, (select count(*) from summaries)::int as summaries,
                coalesce((select array_agg(distinct conversation_id) from doomed), '{}') as conversation_ids`,
        [tenantId, cutoff],
      );
      report.messages += row!.messages;
      report.traces += row!.traces;
      report.feedback += row!.feedback;
      report.summaries += row!.summaries;
      for (const id of row!.conversation_ids) touched.add(id);
      if (row!.messages < batch) break;
    }
    const ids = [...touched];
    for (let at = 0; at < ids.length; at += batch) {
      const { report: erased } = await eraseConversations(
        db,
        tenantId,
        `select c.id from conversations c where c.tenant_id = $1 and c.id = any($2::text[])
          and not exists (select 1 from messages m where m.conversation_id = c.id)`,
        [ids.slice(at, at + batch)],
      );
      report.conversations += erased.conversations;
      report.traces += erased.traces;
      report.feedback += erased.feedback;
    }
    // What this process remembers of them (recent messages, summaries, cached answers) goes too.
    if (ids.length > 0) this.options.onDeleted?.(ids);
    return { tenantId, days, cutoff, report };
  }
}
