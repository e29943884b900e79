// Approvals of tool calls that act on the world (migration 16, tool_approvals). A turn whose model
// asks for such a call pauses: the call and what the turn's continuation needs (the question, the
// tool exchanges so far) are stored, and the user (or an operator, per bot) decides. A decision
// moves the row out of `pending` once, in one statement, so an approved call runs at most once
// however often it is approved, on whichever replica; its id goes to the tool as the call's
// idempotency key. Stored in the database, a paused turn survives a restart.
import { randomUUID } from 'node:crypto';
import { notFound, ParleyError } from '../errors/index.js';
import type { ToolCall, ToolExchange } from '../models/index.js';
import type { Database } from '../storage/index.js';

export type Approver = 'user' | 'operator';

/** What the paused turn's continuation needs. */
export interface ApprovalResume {
  /** The question the turn answers. */
  question: string;
  /** Tool exchanges before the paused step (the client's and Parley's). */
  exchanges: ToolExchange[];
  /** The paused step: the model's text before it, all its calls, the results of those that ran. */
  step: { text: string; calls: ToolCall[]; results: { toolCallId: string; content: string }[] };
}

export interface ApprovalView {
  id: string;
  bot_id: string;
  conversation_id: string;
  turn_id: string;
  tool: string;
  arguments: string;
  approver: Approver;
  status: 'pending' | 'approved' | 'rejected' | 'done';
  created_at: string;
  decided_at: string | null;
}

interface ApprovalRow extends Omit<ApprovalView, 'created_at' | 'decided_at'> {
  call_id: string;
  resume: ApprovalResume;
  result: string | null;
  created_at: unknown;
  decided_at: unknown;
}

const iso = (value: unknown) =>
  value == null ? null : value instanceof Date ? value.toISOString() : new Date(String(value)).toISOString();

const view = (row: ApprovalRow): ApprovalView => ({
  id: row.id,
  bot_id: row.bot_id,
  conversation_id: row.conversation_id,
  turn_id: row.turn_id,
  tool: row.tool,
  arguments: row.arguments,
  approver: row.approver,
  status: row.status,
  created_at: iso(row.created_at)!,
  decided_at: iso(row.decided_at),
});

/** A decided approval: what the continuation runs with. */
export interface Decided {
  approval: ApprovalView;
  call: ToolCall;
  resume: ApprovalResume;
  approved: boolean;
}

export class ToolApprovals {
  constructor(private readonly db: Database) {}

  /** Stores a paused call; returns its id (also the call's idempotency key). */
  async request(input: {
    tenantId: string;
    botId: string;
    conversationId: string;
    turnId: string;
    call: ToolCall;
    approver: Approver;
    resume: ApprovalResume;
  }): Promise<string> {
    const id = randomUUID();
    await this.db.forTenant(input.tenantId).query(
      `insert into tool_approvals
           (id, tenant_id, bot_id, conversation_id, turn_id, tool, call_id, arguments, approver, resume)
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
      [
        id,
        input.tenantId,
        input.botId,
        input.conversationId,
        input.turnId,
        input.call.name,
        input.call.id,
        input.call.arguments,
        input.approver,
        JSON.stringify(input.resume),
      ],
    );
    return id;
  }

  /** The tenant's approvals, newest first (`status`: only those). */
  async list(
    tenantId: string,
    filter: { status?: ApprovalView['status']; conversationId?: string; limit: number },
  ): Promise<ApprovalView[]> {
    const rows = await this.db.forTenant(tenantId).query<ApprovalRow>(
      `select * from tool_approvals
        where tenant_id = $1 and ($2::text is null or status = $2) and ($3::text is null or conversation_id = $3)
        order by created_at desc limit $4`,
      [tenantId, filter.status ?? null, filter.conversationId ?? null, filter.limit],
    );
    return rows.map(view);
  }

  /**
   * Decides a pending approval of `conversationId`, once: a second decision (here or on another
   * replica) is a 409, an unknown id a 404. `asOperator`: the caller may decide for operators.
   */
  async decide(
    tenantId: string,
    conversationId: string,
    id: string,
    approve: boolean,
    asOperator: boolean,
  ): Promise<Decided> {
    const db = this.db.forTenant(tenantId);
    const rows = await db.query<ApprovalRow>(
      `update tool_approvals set status = $4, decided_at = now()
        where id = $1 and tenant_id = $2 and conversation_id = $3 and status = 'pending'
          and (approver = 'user' or $5)
        returning *`,
      [id, tenantId, conversationId, approve ? 'approved' : 'rejected', asOperator],
    );
    const row = rows[0];
    if (!row) {
      const found = await db.query<ApprovalRow>(
        'select * from tool_approvals where id = $1 and tenant_id = $2 and conversation_id = $3',
        [id, tenantId, conversationId],
      );
      const existing = found[0];
      if (!existing) throw notFound('approval');
      if (existing.status === 'pending') {
        throw new ParleyError('PARLEY_ERR_FORBIDDEN', 'this action is approved by an operator of the bot');
      }
      throw new ParleyError(
        'PARLEY_ERR_CONFLICT',
        `this action was already ${existing.status === 'rejected' ? 'rejected' : 'approved'}`,
      );
    }
    return {
      approval: view(row),
      call: { id: row.call_id, name: row.tool, arguments: row.arguments },
      resume: row.resume,
      approved: approve,
    };
  }

  /** Keeps what the approved call returned. */
  async finished(tenantId: string, id: string, result: string): Promise<void> {
    await this.db
      .forTenant(tenantId)
      .query(`update tool_approvals set status = 'done', result = $3 where id = $1 and tenant_id = $2`, [
        id,
        tenantId,
        result,
      ]);
  }
}
