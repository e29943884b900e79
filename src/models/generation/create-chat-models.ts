// Builds the model chain's models once, from PARLEY_MODELS (`provider:model,...`).
import { createAnthropic } from '@ai-sdk/anthropic';
import { ParleyError } from '../../errors/index.js';
import { OpenAIChatModel } from '../openai/openai-chat-model.js';
import { openAIConnection } from '../openai/openai-provider.js';
import { SdkChatModel } from './sdk-chat-model.js';
import type { ChatModel } from './types.js';

const SETTING = 'PARLEY_MODELS';

export interface ChatModelSettings {
  PARLEY_MODELS?: string[] | undefined;
  OPENAI_API_KEY?: string | undefined;
  OPENAI_BASE_URL?: string | undefined;
  ANTHROPIC_API_KEY?: string | undefined;
  ANTHROPIC_BASE_URL?: string | undefined;
}

const ANTHROPIC_API_URL = 'https://api.anthropic.com/v1';

/** Each supported provider's chat model, by the prefix used in PARLEY_MODELS. */
const chatModels = new Map<string, (id: string, model: string, settings: ChatModelSettings) => ChatModel>([
  // Chat Completions, the API every OpenAI-compatible server (vLLM, Ollama, llama.cpp) speaks, read
  // by a lean streaming client (see OpenAIChatModel for why not the AI SDK's provider).
  ['openai', (id, model, settings) => new OpenAIChatModel(id, model, openAIConnection(settings, SETTING))],
  [
    'anthropic',
    (id, model, settings) => {
      if (!settings.ANTHROPIC_API_KEY && !settings.ANTHROPIC_BASE_URL) {
        throw new ParleyError(
          'PARLEY_ERR_CONFIG',
          `${SETTING} uses Anthropic, which needs ANTHROPIC_API_KEY`,
        );
      }
      // Both passed explicitly: left undefined, the SDK would read process.env itself.
      const anthropic = createAnthropic({
        apiKey: settings.ANTHROPIC_API_KEY ?? 'EMPTY',
        baseURL: settings.ANTHROPIC_BASE_URL ?? ANTHROPIC_API_URL,
      });
      return new SdkChatModel(id, anthropic(model));
    },
  ],
]);

export function createChatModels(settings: ChatModelSettings): ChatModel[] {
  return (settings.PARLEY_MODELS ?? []).map((ref) => {
    const separator = ref.indexOf(':');
    const provider = ref.slice(0, Math.max(separator, 0)).toLowerCase();
    const create = chatModels.get(provider);
    if (separator <= 0 || !create) {
      throw new ParleyError(
        'PARLEY_ERR_CONFIG',
        `${SETTING}: unknown model provider in ${JSON.stringify(ref)} (supported: ${[...chatModels.keys()].join(', ')})`,
      );
    }
    return create(ref, ref.slice(separator + 1), settings);
  });
}
