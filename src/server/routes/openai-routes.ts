// The OpenAI-compatible surface: `POST /v1/chat/completions` (JSON and streaming) and
// `GET /v1/models`, so existing OpenAI clients and chat UIs can talk to a Parley bot. Each model
// id is a bot; citations travel in extra fields (`citations`, `parley`) that plain clients ignore.
import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { checkedUserId, mayActForUsers, type Principal } from '../../edge/index.js';
import { isParleyError, ParleyError } from '../../errors/index.js';
import type { ToolCall } from '../../models/index.js';
import type { Bots, TurnResult, TurnRunner } from '../../orchestrator/index.js';
import { toErrorResponse } from '../error-handler.js';
import { openSse } from '../sse.js';
import { turnContext } from '../turn-context.js';
import { modelsRoute } from './bot-schemas.js';
import { completionRouteSchema } from './chat-schemas.js';
import { generationOf, readConversation, unsupportedParameter } from './completion-request.js';

/** A tool call as Chat Completions writes it. */
const wireToolCall = (call: ToolCall) => ({
  id: call.id,
  type: 'function' as const,
  function: { name: call.name, arguments: call.arguments },
});

export interface OpenAiRoutesOptions {
  turns: TurnRunner;
  bots: Pick<Bots, 'list'>;
  maxMessageChars: number;
  /** Streams in flight, which a graceful shutdown waits for. */
  streams: Set<Promise<void>>;
}

export const openAiRoutes: FastifyPluginAsync<OpenAiRoutesOptions> = async (
  app,
  { turns: runner, bots, maxMessageChars: maxChars, streams },
) => {
  const api = app.withTypeProvider<ZodTypeProvider>();

  // Each of the tenant's bots is a model.
  app.get('/v1/models', { schema: modelsRoute }, async (request) => ({
    object: 'list',
    data: (await bots.list(request.principal.tenantId)).map((bot) => ({
      id: bot.id,
      object: 'model',
      created: bot.created_at ? Math.floor(Date.parse(bot.created_at) / 1000) : 0,
      owned_by: 'parley',
    })),
  }));

  api.post('/v1/chat/completions', { schema: completionRouteSchema }, async (request, reply) => {
    const input = request.body;
    const unsupported = unsupportedParameter(input);
    if (unsupported) throw new ParleyError('PARLEY_ERR_VALIDATION', unsupported);
    const generation = generationOf(input);
    // The question is the last user message; earlier user and assistant messages are the history,
    // and tool calls and results after it continue the turn. A client's system messages are not
    // applied: the bot's own prompt keeps answers grounded.
    const { question, history, exchanges } = readConversation(input.messages);
    if (question.length > maxChars) {
      throw new ParleyError(
        'PARLEY_ERR_VALIDATION',
        `the last message is longer than ${maxChars} characters`,
      );
    }
    const userId = endUser(request.principal, input.user);
    const turn = await runner
      .start(
        {
          tenantId: request.principal.tenantId,
          ...(userId === undefined ? {} : { userId }),
          botId: input.model,
          message: question,
          history,
          ...(exchanges.length > 0 ? { toolExchanges: exchanges } : {}),
          ...(generation ? { generation } : {}),
        },
        turnContext(request, reply),
      )
      .catch((error: unknown) => {
        if (isParleyError(error) && error.code === 'PARLEY_ERR_NOT_FOUND') {
          throw new ParleyError(
            'PARLEY_ERR_NOT_FOUND',
            `model ${input.model} not found: each model is a bot (GET /v1/models lists them)`,
          );
        }
        throw error;
      });
    const id = `chatcmpl-${turn.turnId}`;
    const created = Math.floor(Date.now() / 1000);
    const extras = (result: TurnResult) => ({
      citations: result.citations,
      parley: {
        conversation_id: result.conversation_id,
        turn_id: result.turn_id,
        mode: result.mode,
        model: result.model,
      },
    });
    const usageOf = (result: TurnResult) => ({
      prompt_tokens: result.usage.prompt_tokens,
      completion_tokens: result.usage.completion_tokens,
      total_tokens: result.usage.total_tokens,
      cost_usd: result.usage.cost_usd,
    });

    if (!input.stream) {
      const result = await turn.complete();
      return {
        id,
        object: 'chat.completion',
        created,
        model: input.model,
        choices: [
          {
            index: 0,
            message: {
              role: 'assistant',
              content: result.tool_calls && !result.answer ? null : result.answer,
              ...(result.tool_calls ? { tool_calls: result.tool_calls.map(wireToolCall) } : {}),
            },
            finish_reason: result.finish_reason,
          },
        ],
        usage: usageOf(result),
        ...extras(result),
      };
    }

    const sse = openSse(request, reply);
    const chunk = (
      delta: Record<string, unknown>,
      finish: string | null,
      more: Record<string, unknown> = {},
    ) => ({
      id,
      object: 'chat.completion.chunk',
      created,
      model: input.model,
      choices: [{ index: 0, delta, finish_reason: finish }],
      ...more,
    });
    const done = (async () => {
      try {
        for await (const event of turn.events(sse.signal)) {
          if (event.type === 'meta') {
            await sse.sendData(chunk({ role: 'assistant', content: '' }, null));
          } else if (event.type === 'token') {
            // Backpressure only: a message the socket took costs no promise tick.
            const full = sse.sendData(chunk({ content: event.text }, null));
            if (full) await full;
          } else if (event.type === 'done') {
            const { result } = event;
            sse.end([
              // The tool calls, whole, one chunk each (OpenAI streams them in pieces; clients join them).
              ...(result.tool_calls ?? []).map((call, index) => ({
                data: chunk({ tool_calls: [{ index, ...wireToolCall(call) }] }, null),
              })),
              { data: chunk({}, result.finish_reason, extras(result)) },
              ...(input.stream_options?.include_usage
                ? [
                    {
                      data: {
                        id,
                        object: 'chat.completion.chunk',
                        created,
                        model: input.model,
                        choices: [],
                        usage: usageOf(result),
                      },
                    },
                  ]
                : []),
              { data: '[DONE]' },
            ]);
          } else if (event.type === 'error' && !event.aborted) {
            const { body: errorBody } = toErrorResponse(event.error);
            request.log.warn({ err: event.error }, 'completion stream ended with an error');
            await sse.sendData({ error: { ...errorBody.error, type: 'server_error' } });
          }
        }
      } finally {
        sse.end();
      }
    })();
    streams.add(done);
    await done;
    streams.delete(done);
    return reply;
  });
};

/**
 * The end user a completion is for: the signed-in user or the one the Parley-User header names,
 * else the OpenAI `user` field when the key may act for users (otherwise that field is ignored, as
 * OpenAI's clients send it for their own purposes).
 */
function endUser(principal: Principal, user: string | null | undefined): string | undefined {
  if (principal.userId !== undefined) return principal.userId;
  if (!user || principal.publishable || !mayActForUsers(principal.scopes)) return undefined;
  return checkedUserId(user);
}
