// Builds chat models from their references (`provider:model`) and the providers' connections.
import { createAnthropic } from '@ai-sdk/anthropic';
import type { ProviderConnections } from '../../config/index.js';
import { ParleyError } from '../../errors/index.js';
import { OpenAIChatModel } from '../openai/openai-chat-model.js';
import { openAIConnection } from '../openai/openai-provider.js';
import { SdkChatModel } from './sdk-chat-model.js';
import type { ChatModel } from './types.js';

const ANTHROPIC_API_URL = 'https://api.anthropic.com/v1';

/** Each supported provider's chat model, by the reference's prefix. */
const chatModels = new Map<string, (id: string, model: string, providers: ProviderConnections) => ChatModel>([
  // Chat Completions, the API every OpenAI-compatible server (vLLM, Ollama, llama.cpp) speaks, read
  // by a lean streaming client (see OpenAIChatModel for why not the AI SDK's provider).
  [
    'openai',
    (id, model, providers) => new OpenAIChatModel(id, model, openAIConnection(providers.openai, id)),
  ],
  [
    'anthropic',
    (id, model, { anthropic: connection }) => {
      if (!connection.apiKey && !connection.baseUrl) {
        throw new ParleyError(
          'PARLEY_ERR_CONFIG',
          `${id} uses Anthropic, which this server has no API key for`,
        );
      }
      // Both passed explicitly: left undefined, the SDK would read process.env itself.
      const anthropic = createAnthropic({
        apiKey: connection.apiKey ?? 'EMPTY',
        baseURL: connection.baseUrl ?? ANTHROPIC_API_URL,
      });
      return new SdkChatModel(id, anthropic(model));
    },
  ],
]);

/** One model per reference; throws PARLEY_ERR_CONFIG for an unknown or unconnected provider. */
export function createChatModels(refs: readonly string[], providers: ProviderConnections): ChatModel[] {
  return refs.map((ref) => {
    const separator = ref.indexOf(':');
    const provider = ref.slice(0, Math.max(separator, 0)).toLowerCase();
    const create = chatModels.get(provider);
    if (separator <= 0 || !create) {
      throw new ParleyError(
        'PARLEY_ERR_CONFIG',
        `unknown model provider in ${JSON.stringify(ref)} (supported: ${[...chatModels.keys()].join(', ')})`,
      );
    }
    return create(ref, ref.slice(separator + 1), providers);
  });
}
