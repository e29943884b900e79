// The output guard: everything the user sees passes it. PII redacted even across token
// boundaries, links outside the bot's allowlist removed, a recital of the system prompt cut off.
import type { Guard } from '../guard.js';
import { StreamGuard } from './stream-guard.js';

export const outputGuard: Guard = {
  name: 'output',
  output({ output }, { systemPrompt }) {
    return new StreamGuard({
      pii: output.pii,
      ...(output.allowedHosts ? { allowedHosts: output.allowedHosts } : {}),
      ...(output.protectSystemPrompt ? { systemPrompt } : {}),
    });
  },
};
