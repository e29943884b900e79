// Who a turn is accounted to and what is accounted of it: the terms the turn runner and the
// edge (limits, budgets, usage rows) share.
import type { TokenCounts } from './price-table.js';

/** Who is calling: the scopes a limit or budget applies to. */
export interface Caller {
  tenantId: string;
  /** null for loopback requests served before any key exists, and for commands (`parley chat`). */
  keyId: string | null;
  ip: string;
  /** The end user the request is for (signed in, or named by a key acting for users). */
  userId?: string;
  /** The widget visitor (server-minted id) of a publishable key's request. */
  visitorId?: string;
}

/** What the accounting needs to know of a finished turn. */
export interface TurnFacts {
  botId: string;
  conversationId: string;
  turnId: string;
  /** The model reference that answered, or `extractive` / `none` when no model did. */
  model: string;
  /** Whether a model answered (only then are there tokens to price). */
  generated: boolean;
  tokens: TokenCounts;
  /**
   * Model calls beside the answer (the model step of understanding a message): priced with the
   * turn, and counted in its tokens, budgets and usage row.
   */
  aside?: { model: string; tokens: TokenCounts }[];
  /** For a turn answered from the answer cache: what that answer cost when first given. */
  savedUsd?: number;
  /**
   * Settles when the turn's own write (its conversation and messages) is done: the usage row
   * follows it, and names the conversation only if it is stored then (not erased meanwhile).
   */
  written?: Promise<unknown>;
}

/** What a turn may do, decided before it starts. */
export interface Admission {
  /** Over budget under the `cheapest` policy: answer with the bot's cheapest priced model. */
  preferCheapest: boolean;
}

/** Admission before a turn and settlement after it (the edge's gateway). */
export interface TurnAccounting {
  /** Refuses (429, 402) or admits the turn, with what it may do. */
  admitTurn(caller: Caller): Promise<Admission>;
  /** Prices the turn (once), counts it against limits and budgets, writes its usage row. */
  settleTurn(caller: Caller, turn: TurnFacts): { costUsd: number };
}
