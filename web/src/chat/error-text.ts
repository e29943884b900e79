// Errors in the user's words, from the error kind (itself from the HTTP status and error.code).
import { ChatError } from './api-client.js';

export function errorText(error: unknown): string {
  if (!(error instanceof ChatError)) return 'Something went wrong. Try again.';
  switch (error.kind) {
    case 'rate_limited':
      return error.retryAfter
        ? `Too many messages: please wait ${error.retryAfter} s and try again.`
        : 'Too many messages: please wait a moment and try again.';
    case 'over_budget':
      return 'This chat has used up its budget for now. Try again later.';
    case 'forbidden':
      return `Not allowed: ${error.message}.`;
    case 'unauthorized':
      return 'This server needs an API key.';
    case 'not_found':
      return 'This conversation no longer exists. Start a new one.';
    case 'conflict':
      return `Not possible now: ${error.message}.`;
    case 'invalid':
      return `The message was not accepted: ${error.message}.`;
    case 'offline':
      return 'You are offline. Check your connection and try again.';
    case 'unreachable':
      return 'The chat server cannot be reached. Try again in a moment.';
    default:
      return `The answer failed: ${error.message}.`;
  }
}
