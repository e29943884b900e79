// The audit log: a tenant's administrative actions (keys created, revoked, rotated; bots,
// documents, budgets, curated answers, HTTP tools and tool secrets changed), who took them and on what, newest first.
// Key actions are written in the transaction of the change itself; the others after the response,
// through the background writer (retried). An entry never holds a secret or a setting's value:
// only the names of the fields a change carried.
import type { Queryable, QueryRunner } from '../storage/index.js';

/**
 * Who took an action: a key (null for a keyless loopback client, the CLI or a background job) and
 * through what (`job`: the server's own background work, such as the retention sweep).
 */
export interface AuditActor {
  keyId: string | null;
  via: 'api' | 'cli' | 'job';
}

export interface AuditEntry {
  action: string;
  targetId?: string | null;
  details?: Record<string, unknown>;
  /** When the action was taken, if not now (an entry written after the response). */
  at?: Date;
}

/** One entry as the API shows it. */
export interface AuditView {
  id: string;
  created_at: string;
  action: string;
  actor_key_id: string | null;
  via: AuditActor['via'];
  target_id: string | null;
  details: Record<string, unknown>;
}

export interface AuditQuery {
  limit: number;
  /** Entries older than this one (the previous page's `next_before`: an entry id). */
  before?: string | undefined;
  action?: string | undefined;
}

/** Records one entry (inside the caller's transaction when given its client). */
export async function recordAudit(
  client: Queryable,
  tenantId: string,
  actor: AuditActor,
  entry: AuditEntry,
): Promise<void> {
  await client.query(
    `insert into audit_log(tenant_id, action, actor_key_id, via, target_id, details, created_at)
       values ($1, $2, $3, $4, $5, $6, coalesce($7, now()))`,
    [
      tenantId,
      entry.action,
      actor.keyId,
      actor.via,
      entry.targetId ?? null,
      entry.details ?? {},
      entry.at ?? null,
    ],
  );
}

/**
 * A page of the tenant's entries, newest first (by when the action was taken: an entry written
 * after the response may be stored after a later one), and the cursor of the next (older) page.
 */
export async function listAudit(
  runner: QueryRunner,
  tenantId: string,
  query: AuditQuery,
): Promise<{ entries: AuditView[]; next_before: string | null }> {
  const rows = await runner.query<AuditView & { seq: number; created: Date }>(
    `select seq, created_at as created, action, actor_key_id, via, target_id, details
       from audit_log
      where tenant_id = $1 and ($3::text is null or action = $3)
        and ($2::bigint is null
             or (created_at, seq) < (select c.created_at, c.seq from audit_log c where c.seq = $2 and c.tenant_id = $1))
      order by created_at desc, seq desc limit $4`,
    [tenantId, query.before ?? null, query.action ?? null, query.limit + 1],
  );
  const page = rows.slice(0, query.limit);
  return {
    entries: page.map((row) => ({
      id: String(row.seq),
      created_at: row.created.toISOString(),
      action: row.action,
      actor_key_id: row.actor_key_id,
      via: row.via,
      target_id: row.target_id,
      details: row.details,
    })),
    next_before: rows.length > query.limit ? String(page.at(-1)!.seq) : null,
  };
}
