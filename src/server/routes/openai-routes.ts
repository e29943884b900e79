// The OpenAI-compatible surface: `POST /v1/chat/completions` (JSON and streaming) and
// `GET /v1/models`, so existing OpenAI clients and chat UIs can talk to a Parley bot. Each model
// id is a bot; citations travel in extra fields (`citations`, `parley`) that plain clients ignore.
import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { z } from 'zod';
import { isParleyError, ParleyError } from '../../errors/index.js';
import type { GenerationOptions } from '../../models/index.js';
import type { Bots, TurnResult, TurnRunner } from '../../orchestrator/index.js';
import { toErrorResponse } from '../error-handler.js';
import { openSse } from '../sse.js';
import { turnContext } from '../turn-context.js';
import { modelsRoute } from './bot-schemas.js';
import { type completionRequest, completionRouteSchema } from './chat-schemas.js';

const textOf = (content: CompletionRequest['messages'][number]['content']): string =>
  typeof content === 'string'
    ? content
    : (content ?? [])
        .map((part) => part.text ?? '')
        .filter(Boolean)
        .join('\n');

type CompletionRequest = z.infer<typeof completionRequest>;

/** Why Parley cannot honour the request's parameters, if it cannot (a 400 says so). */
export function unsupportedParameter(input: CompletionRequest): string | undefined {
  if ((input.n ?? 1) > 1) return 'n must be 1: Parley gives one answer per turn';
  if (input.logprobs || input.top_logprobs != null) {
    return 'logprobs and top_logprobs are not available: Parley does not return token probabilities';
  }
  if (input.logit_bias && Object.keys(input.logit_bias).length > 0) return 'logit_bias is not available';
  if (input.tools?.length || input.functions?.length) {
    return 'tools are not available on this endpoint yet: Parley neither runs nor returns tool calls';
  }
  if (input.tool_choice != null && input.tool_choice !== 'none' && input.tool_choice !== 'auto') {
    return 'tool_choice names a tool, but no tools are available';
  }
  if (input.response_format && input.response_format.type !== 'text') {
    return `response_format ${input.response_format.type} is not available yet: answers are text`;
  }
  return undefined;
}

/** How the request shapes the answer, in the model layer's terms. */
export function generationOf(input: CompletionRequest): GenerationOptions | undefined {
  const maxOutputTokens = input.max_completion_tokens ?? input.max_tokens;
  const stop = typeof input.stop === 'string' ? [input.stop] : input.stop;
  const options: GenerationOptions = {
    ...(maxOutputTokens != null ? { maxOutputTokens } : {}),
    ...(input.temperature != null ? { temperature: input.temperature } : {}),
    ...(input.top_p != null ? { topP: input.top_p } : {}),
    ...(stop?.length ? { stop } : {}),
    ...(input.presence_penalty != null ? { presencePenalty: input.presence_penalty } : {}),
    ...(input.frequency_penalty != null ? { frequencyPenalty: input.frequency_penalty } : {}),
    ...(input.seed != null ? { seed: input.seed } : {}),
  };
  return Object.keys(options).length > 0 ? options : undefined;
}

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
    // The question is the last user message; earlier user and assistant messages are the history.
    // A client's system messages are not applied: the bot's own prompt keeps answers grounded.
    const turns = input.messages
      .filter((item) => item.role === 'user' || item.role === 'assistant')
      .map((item) => ({ role: item.role as 'user' | 'assistant', content: textOf(item.content) }));
    const last = turns.at(-1);
    if (last?.role !== 'user' || !last.content.trim()) {
      throw new ParleyError('PARLEY_ERR_VALIDATION', 'messages must end with a non-empty user message');
    }
    if (last.content.length > maxChars) {
      throw new ParleyError(
        'PARLEY_ERR_VALIDATION',
        `the last message is longer than ${maxChars} characters`,
      );
    }
    const turn = await runner
      .start(
        {
          tenantId: request.principal.tenantId,
          botId: input.model,
          message: last.content.trim(),
          history: turns.slice(0, -1),
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
            message: { role: 'assistant', content: result.answer },
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
