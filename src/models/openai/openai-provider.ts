// OpenAI's address and key, and the AI SDK's OpenAI provider built from them. With a base URL
// they point at any OpenAI-compatible server (vLLM, Ollama, llama.cpp), which usually needs no key.
import { createOpenAI, type OpenAIProvider } from '@ai-sdk/openai';
import type { ProviderConnection } from '../../config/index.js';
import { ParleyError } from '../../errors/index.js';

const OPENAI_API_URL = 'https://api.openai.com/v1';
// Local servers ignore the key, but the SDK always sends one; vLLM's docs use this placeholder.
const NO_KEY = 'EMPTY';

/** Where and how to reach OpenAI for the model `ref` (named in the error when nothing is set). */
export function openAIConnection(
  connection: ProviderConnection,
  ref: string,
): { apiKey: string; baseURL: string } {
  if (!connection.apiKey && !connection.baseUrl) {
    throw new ParleyError(
      'PARLEY_ERR_CONFIG',
      `${ref} uses OpenAI, which this server has no API key (or OpenAI-compatible base URL) for`,
    );
  }
  return { apiKey: connection.apiKey ?? NO_KEY, baseURL: connection.baseUrl ?? OPENAI_API_URL };
}

export function openAIProvider(connection: ProviderConnection, ref: string): OpenAIProvider {
  // Both passed explicitly: left undefined, the SDK would read process.env itself.
  return createOpenAI(openAIConnection(connection, ref));
}
