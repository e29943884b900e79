// The stub model's answers for long-term memory tests (HTTP and browser).
import type { StubPrompt } from './stub-provider/index.js';

/**
 * The stub model for memory tests: its extraction call (`user_memories`) remembers a stated
 * language preference ("answers in French") and nothing else; other calls get a plain answer.
 */
export function rememberLanguage(prompt: StubPrompt): string {
  if (prompt.json?.name === 'user_memories') {
    const language = /answers in (\w+)/i.exec(prompt.lastUserText)?.[1];
    return JSON.stringify({
      memories: language
        ? [{ topic: 'answer_language', kind: 'preference', text: `Prefers answers in ${language}.` }]
        : [],
    });
  }
  return `Stub answer to: ${prompt.lastUserText}`;
}
