// What a running turn tells its front end, in order: `meta` once, `token` for each piece of the
// answer, then `citations` and `done`, or `error` when the answer broke off. Every front end
// (JSON, SSE, the OpenAI shape, the CLI, evaluation) translates these and nothing else.
import type { Citation } from './extractive-answer.js';
import type { TurnResult } from './turn-types.js';

export type TurnEvent =
  /** The turn is admitted and prepared: what the client needs to continue the conversation. */
  | { type: 'meta'; conversationId: string; turnId: string; bot: string }
  /** A piece of the answer, already through the output guard. */
  | { type: 'token'; text: string }
  /** The passages the answer rests on (after the last token). */
  | { type: 'citations'; citations: Citation[] }
  /** The turn is settled: answer, usage and cost as stored and accounted. */
  | { type: 'done'; result: TurnResult }
  /** The answer broke off after it began (settled as incomplete); `aborted`: the client left. */
  | { type: 'error'; error: unknown; aborted: boolean };
