// Why a model stopped, in OpenAI's words, whichever provider said it.
import type { FinishReason } from './types.js';

/** A provider's finish reason (the AI SDK's unified one, or OpenAI's own) as Parley reports it. */
export function unifiedFinish(reason: string | null | undefined): FinishReason | undefined {
  if (!reason) return undefined;
  if (reason === 'stop' || reason === 'length') return reason;
  return reason === 'content-filter' || reason === 'content_filter' ? 'content_filter' : 'other';
}
