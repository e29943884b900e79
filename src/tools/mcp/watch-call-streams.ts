// Streamable HTTP answers a call on the response stream of its POST, and the SDK's transport
// leaves two gaps there that a wrapped fetch closes:
// - a stream that breaks before the answer (the server died or dropped the socket) is reported
//   to `onerror` only, and the call would wait for its timeout: `onLost` lets the source reject
//   it at once;
// - a cancelled call gets no answer (the server's SDK sends none), so its stream would stay open
//   for the whole session, a socket per cancelled call: the call's own signal aborts its POST.
import type { FetchLike } from '@modelcontextprotocol/sdk/shared/transport.js';

export interface CallStreamHooks {
  /** A POST's response stream broke without anyone aborting it. */
  readonly onLost: (error: unknown) => void;
  /** The signal of the tools/call being sent, if any (carried in AsyncLocalStorage). */
  readonly callSignal: () => AbortSignal | undefined;
}

/** Only a call's own request is tied to its signal: the cancellation notice it triggers is not. */
function isToolCall(body: unknown): boolean {
  if (typeof body !== 'string' || !body.includes('"tools/call"')) return false;
  try {
    const message: unknown = JSON.parse(body);
    return (
      typeof message === 'object' &&
      message !== null &&
      'method' in message &&
      message.method === 'tools/call'
    );
  } catch {
    return false;
  }
}

export function watchCallStreams(baseFetch: FetchLike, hooks: CallStreamHooks): FetchLike {
  return async (url, init) => {
    if (init?.method !== 'POST') return baseFetch(url, init);
    const callSignal = isToolCall(init.body) ? hooks.callSignal() : undefined;
    const signal = callSignal && init.signal ? AbortSignal.any([init.signal, callSignal]) : init.signal;
    const response = await baseFetch(url, { ...init, signal });
    const isStream = response.headers.get('content-type')?.startsWith('text/event-stream') === true;
    if (!response.ok || !isStream || response.body === null) return response;
    const reader = response.body.getReader();
    let cancelled = false;
    const body = new ReadableStream<Uint8Array>({
      async pull(controller) {
        try {
          const { value, done } = await reader.read();
          if (cancelled) return;
          if (done) controller.close();
          else controller.enqueue(value);
        } catch (error) {
          if (cancelled) return;
          // Aborted: the transport is closing or the call was cancelled; nothing was lost.
          if (!signal?.aborted) hooks.onLost(error);
          controller.error(error);
        }
      },
      cancel(reason) {
        cancelled = true;
        return reader.cancel(reason);
      },
    });
    return new Response(body, {
      status: response.status,
      statusText: response.statusText,
      headers: response.headers,
    });
  };
}
