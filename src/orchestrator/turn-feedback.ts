// Users' ratings of the bot's answers: thumbs up or down and an optional comment, one per turn (a
// second rating replaces the first). The comment is stored with PII redacted by the bot's policy,
// as the turn's messages are. A `down` for a bot that hands over to people offers one.
import { notFound } from '../errors/index.js';
import { redactPii } from '../guard/index.js';
import type { Database } from '../storage/index.js';
import type { Bots } from './bots/bots.js';

export const FEEDBACK_RATINGS = ['up', 'down'] as const;
export type FeedbackRating = (typeof FEEDBACK_RATINGS)[number];

/** The longest comment kept with a rating. */
export const MAX_FEEDBACK_COMMENT_CHARS = 2_000;

/** An answer that can be rated: a stored bot reply (not a person's, after a handoff). */
export interface RatedTurn {
  turnId: string;
  conversationId: string;
  botId: string;
  /** When the answer was given. */
  at: Date;
}

/** A stored rating as the API shows it. */
export interface FeedbackView {
  turn_id: string;
  conversation_id: string;
  bot_id: string;
  rating: FeedbackRating;
  comment: string | null;
  turn_at: string;
  created_at: string;
  updated_at: string;
}

/** A rating with the turn's question and answer, for operators and evaluation sets. */
export interface FeedbackEntry extends FeedbackView {
  /** The user's message (null for a turn that continued a paused one). */
  question: string | null;
  answer: string | null;
  citations: unknown[];
}

export interface FeedbackFilter {
  bot?: string;
  rating?: FeedbackRating;
  /** Rated at or after (inclusive). */
  from?: Date;
  /** Rated before (exclusive). */
  to?: Date;
  limit: number;
}

interface FeedbackRow {
  turn_id: string;
  conversation_id: string;
  bot_id: string;
  rating: FeedbackRating;
  comment: string | null;
  turn_at: Date;
  created_at: Date;
  updated_at: Date;
}

const view = (row: FeedbackRow): FeedbackView => ({
  turn_id: row.turn_id,
  conversation_id: row.conversation_id,
  bot_id: row.bot_id,
  rating: row.rating,
  comment: row.comment,
  turn_at: new Date(row.turn_at).toISOString(),
  created_at: new Date(row.created_at).toISOString(),
  updated_at: new Date(row.updated_at).toISOString(),
});

// `xmax = 0` only on a row this statement inserted (an update leaves the old version's xmax).
const UPSERT_SQL = `
insert into feedback as f (tenant_id, turn_id, conversation_id, bot_id, rating, comment, turn_at)
values ($1, $2, $3, $4, $5, $6, $7)
on conflict (tenant_id, turn_id) do update
  set rating = excluded.rating, comment = excluded.comment, updated_at = now()
returning f.turn_id, f.conversation_id, f.bot_id, f.rating, f.comment, f.turn_at, f.created_at,
  f.updated_at, (f.xmax = 0) as inserted`;

const LIST_SQL = `
select f.turn_id, f.conversation_id, f.bot_id, f.rating, f.comment, f.turn_at, f.created_at, f.updated_at,
  q.content as question, a.content as answer, a.citations
from feedback f
left join lateral (
  select content from messages
   where tenant_id = f.tenant_id and turn_id = f.turn_id and role = 'user' limit 1
) q on true
left join lateral (
  select content, citations from messages
   where tenant_id = f.tenant_id and turn_id = f.turn_id and role = 'assistant' and author is null
   order by created_at desc limit 1
) a on true
where f.tenant_id = $1
  and ($2::text is null or f.bot_id = $2)
  and ($3::text is null or f.rating = $3)
  and ($4::timestamptz is null or f.updated_at >= $4)
  and ($5::timestamptz is null or f.updated_at < $5)
order by f.updated_at desc, f.turn_id
limit $6`;

export class TurnFeedback {
  constructor(
    private readonly db: Database,
    private readonly bots: Pick<Bots, 'resolveIfKept'>,
  ) {}

  /** The tenant's stored answer of `turnId`; 404 when there is none (another tenant's, or not stored yet). */
  async turn(tenantId: string, turnId: string): Promise<RatedTurn> {
    const [row] = await this.db.forTenant(tenantId).query<{
      conversation_id: string;
      bot_id: string;
      created_at: Date;
    }>(
      `select m.conversation_id, c.bot_id, m.created_at
         from messages m join conversations c on c.id = m.conversation_id and c.tenant_id = m.tenant_id
        where m.tenant_id = $1 and m.turn_id = $2 and m.role = 'assistant' and m.author is null
        order by m.created_at desc limit 1`,
      [tenantId, turnId],
    );
    if (!row) throw notFound('turn');
    return { turnId, conversationId: row.conversation_id, botId: row.bot_id, at: new Date(row.created_at) };
  }

  /**
   * Stores (or replaces) the rating of `turn`. `created` says whether the turn had none before;
   * `offerHandoff` whether the bot hands over to people and the rating is `down`.
   */
  async rate(
    tenantId: string,
    turn: RatedTurn,
    rating: FeedbackRating,
    comment: string | undefined,
  ): Promise<{ feedback: FeedbackView; created: boolean; offerHandoff: boolean }> {
    // A bot deleted since its answer: the default redaction, and nobody to hand over to.
    const bot = await this.bots.resolveIfKept(tenantId, turn.botId);
    const stored = comment?.trim() ? redactPii(comment.trim(), bot?.guard.pii).text : null;
    const [row] = await this.db
      .forTenant(tenantId)
      .query<FeedbackRow & { inserted: boolean }>(UPSERT_SQL, [
        tenantId,
        turn.turnId,
        turn.conversationId,
        turn.botId,
        rating,
        stored,
        turn.at,
      ]);
    if (!row) throw new Error('the feedback upsert returned no row');
    return {
      feedback: view(row),
      created: row.inserted,
      offerHandoff: rating === 'down' && (bot?.intents.handoff ?? false),
    };
  }

  /** The tenant's ratings, the latest first, with each turn's question and answer. */
  async list(tenantId: string, filter: FeedbackFilter): Promise<FeedbackEntry[]> {
    const rows = await this.db
      .forTenant(tenantId)
      .query<FeedbackRow & { question: string | null; answer: string | null; citations: unknown[] | null }>(
        LIST_SQL,
        [
          tenantId,
          filter.bot ?? null,
          filter.rating ?? null,
          filter.from ?? null,
          filter.to ?? null,
          filter.limit,
        ],
      );
    return rows.map((row) => ({
      ...view(row),
      question: row.question,
      answer: row.answer,
      citations: row.citations ?? [],
    }));
  }
}
