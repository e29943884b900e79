// Builds the model chain's models once, from PARLEY_MODELS (`provider:model,...`).
import { createAnthropic } from '@ai-sdk/anthropic';
import type { LanguageModelV3 } from '@ai-sdk/provider';
import { ParleyError } from '../../errors/index.js';
import { openAIProvider } from '../openai/openai-provider.js';
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

/** Each supported provider's AI SDK language model, by the prefix used in PARLEY_MODELS. */
const languageModels = new Map<string, (model: string, settings: ChatModelSettings) => LanguageModelV3>([
  // Chat Completions: the API every OpenAI-compatible server (vLLM, Ollama, llama.cpp) speaks.
  ['openai', (model, settings) => openAIProvider(settings, SETTING).chat(model)],
  [
    'anthropic',
    (model, settings) => {
      if (!settings.ANTHROPIC_API_KEY && !settings.ANTHROPIC_BASE_URL) {
        throw new ParleyError(
          'PARLEY_ERR_CONFIG',
          `${SETTING} uses Anthropic, which needs ANTHROPIC_API_KEY`,
        );
      }
      // Both passed explicitly: left undefined, the SDK would read process.env itself.
      return createAnthropic({
        apiKey: settings.ANTHROPIC_API_KEY ?? 'EMPTY',
        baseURL: settings.ANTHROPIC_BASE_URL ?? ANTHROPIC_API_URL,
      })(model);
    },
  ],
]);

export function createChatModels(settings: ChatModelSettings): ChatModel[] {
  return (settings.PARLEY_MODELS ?? []).map((ref) => {
    const separator = ref.indexOf(':');
    const provider = ref.slice(0, Math.max(separator, 0)).toLowerCase();
    const create = languageModels.get(provider);
    if (separator <= 0 || !create) {
      throw new ParleyError(
        'PARLEY_ERR_CONFIG',
        `${SETTING}: unknown model provider in ${JSON.stringify(ref)} (supported: ${[...languageModels.keys()].join(', ')})`,
      );
    }
    return new SdkChatModel(ref, create(ref.slice(separator + 1), settings));
  });
}
