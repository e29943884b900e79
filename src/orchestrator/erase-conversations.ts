// The one statement that deletes conversations with everything hanging from them: their messages
// and feedback (by their foreign keys), their turns' traces, actions waiting for approval and
// widget visitors' claims, the handoff webhook events naming them (which carry the user's last
// message) (and, erasing a user, their long-term memories and the record of the erasure that turns
// still in flight read: user-data.ts). Usage rows are the
// tenant's accounting and stay, with the conversation's id removed. Used to delete one
// conversation, to erase a user, and by the retention sweep.
import { WEBHOOK_JOB } from '../jobs/index.js';
import type { QueryRunner } from '../storage/index.js';

/** What an erasure removed, by kind (and the usage rows it detached). */
export interface ErasureReport {
  conversations: number;
  messages: number;
  traces: number;
  feedback: number;
  approvals: number;
  visitor_claims: number;
  /** Handoff webhook events (jobs) naming the conversations, delivered or not. */
  webhook_events: number;
  /** The user's long-term memories (a user's erasure only; 0 otherwise). */
  memories: number;
  usage_rows_detached: number;
}

/** What an erasure removed, and the ids of the conversations it removed. */
export interface Erasure {
  report: ErasureReport;
  conversationIds: string[];
}

/**
 * Erases the tenant's conversations that `doomed` selects (a query of their ids, where $1 is the
 * tenant and $2... are `params`) and everything hanging from them, in one statement; usage rows
 * stay, no longer naming them. A `limit` in `doomed` bounds the statement: the query is run once.
 * `ofUser`: $2 is an end user, whose long-term memories go too, and the erasure is recorded
 * (user_erasures: the turns of theirs asked before it are not stored after it).
 */
export async function eraseConversations(
  db: Pick<QueryRunner, 'query'>,
  tenantId: string,
  doomed: string,
  params: readonly unknown[],
  { ofUser = false }: { ofUser?: boolean } = {},
): Promise<Erasure> {
  // Every part of a statement sees the data as it was before it: the counts are of what goes.
  // A query named more than once in a with clause is run once (materialised).
  const rows = await db.query<ErasureReport & { ids: string[] }>(
    `with doomed as (
       ${doomed}
     ), traces as (
       delete from turn_traces where tenant_id = $1 and conversation_id in (select id from doomed) returning 1
     ), approvals as (
       delete from tool_approvals where tenant_id = $1 and conversation_id in (select id from doomed) returning 1
     ), visitors as (
       delete from visitor_conversations where tenant_id = $1 and conversation_id in (select id from doomed) returning 1
     ), webhook_events as (
       delete from jobs where tenant_id = $1 and kind = '${WEBHOOK_JOB}'
          and payload->'body'->>'conversation_id' in (select id from doomed) returning 1
     ), memory_rows as (
       ${ofUser ? 'delete from memories where tenant_id = $1 and user_id = $2 returning 1' : 'select 1 where false'}
     ), erasure_record as (
       ${
         ofUser
           ? `insert into user_erasures as e (tenant_id, user_id) values ($1, $2)
                on conflict (tenant_id, user_id) do update set erased_at = excluded.erased_at returning 1`
           : 'select 1 where false'
       }
     ), usage_rows as (
       update usage set conversation_id = null
        where tenant_id = $1 and conversation_id in (select id from doomed) returning 1
     ), gone as (
       -- messages and feedback follow their conversation (on delete cascade)
       delete from conversations where tenant_id = $1 and id in (select id from doomed) returning id
     )
     select (select count(*) from gone)::int as conversations,
            (select count(*) from messages where tenant_id = $1 and conversation_id in (select id from doomed))::int
              as messages,
            (select count(*) from traces)::int as traces,
            (select count(*) from feedback where tenant_id = $1 and conversation_id in (select id from doomed))::int
              as feedback,
            (select count(*) from approvals)::int as approvals,
            (select count(*) from visitors)::int as visitor_claims,
            (select count(*) from webhook_events)::int as webhook_events,
            (select count(*) from memory_rows)::int as memories,
            (select count(*) from usage_rows)::int as usage_rows_detached,
            coalesce((select array_agg(id) from gone), '{}') as ids`,
    [tenantId, ...params],
  );
  const { ids, ...report } = rows[0]!;
  return { report, conversationIds: ids };
}
