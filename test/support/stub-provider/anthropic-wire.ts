// Anthropic's error body (`{ type: 'error', error: { type, message } }`, which @ai-sdk/anthropic parses
// into APICallError) and the error type it gives each status, 529 being its "overloaded".
import type { ServerResponse } from 'node:http';
import { sendJson } from './openai-wire.js';

const ERROR_TYPES: Record<number, string> = {
  400: 'invalid_request_error',
  401: 'authentication_error',
  402: 'billing_error',
  403: 'permission_error',
  404: 'not_found_error',
  413: 'request_too_large',
  429: 'rate_limit_error',
  500: 'api_error',
  504: 'timeout_error',
  529: 'overloaded_error',
};

export function anthropicErrorBody(status: number, message: string): unknown {
  const type = ERROR_TYPES[status] ?? (status >= 500 ? 'api_error' : 'invalid_request_error');
  return { type: 'error', error: { type, message } };
}

export function sendAnthropicError(
  response: ServerResponse,
  status: number,
  message: string,
  headers: Record<string, string> = {},
): void {
  sendJson(response, status, anthropicErrorBody(status, message), headers);
}
