// OpenAI's address and key from Parley's settings, and the AI SDK's OpenAI provider built from
// them. With OPENAI_BASE_URL they point at any OpenAI-compatible server (vLLM, Ollama, llama.cpp),
// which usually needs no key.
import { createOpenAI, type OpenAIProvider } from '@ai-sdk/openai';
import { ParleyError } from '../../errors/index.js';

export interface OpenAISettings {
  OPENAI_API_KEY?: string | undefined;
  OPENAI_BASE_URL?: string | undefined;
}

const OPENAI_API_URL = 'https://api.openai.com/v1';
// Local servers ignore the key, but the SDK always sends one; vLLM's docs use this placeholder.
const NO_KEY = 'EMPTY';

/** Where and how to reach OpenAI; `setting` names the setting that chose OpenAI, for the error. */
export function openAIConnection(
  settings: OpenAISettings,
  setting: string,
): { apiKey: string; baseURL: string } {
  if (!settings.OPENAI_API_KEY && !settings.OPENAI_BASE_URL) {
    throw new ParleyError(
      'PARLEY_ERR_CONFIG',
      `${setting} uses OpenAI, which needs OPENAI_API_KEY (or OPENAI_BASE_URL for an OpenAI-compatible server)`,
    );
  }
  return {
    apiKey: settings.OPENAI_API_KEY ?? NO_KEY,
    baseURL: settings.OPENAI_BASE_URL ?? OPENAI_API_URL,
  };
}

/** `setting` names the setting that chose OpenAI, for the error message. */
export function openAIProvider(settings: OpenAISettings, setting: string): OpenAIProvider {
  // Both passed explicitly: left undefined, the SDK would read process.env itself.
  return createOpenAI(openAIConnection(settings, setting));
}
