// What a model's `[n]` refers to: the n-th passage of the prompt it was given, read back from the
// turn's trace (the prompt as sent, `<passage n="…">` blocks escaped as XML), so an answer is
// checked against exactly the text the model saw rather than against a guess at which chunks
// made it into the context budget.
import { z } from 'zod';

const traceWithPrompt = z.object({
  prompt: z
    .object({ messages: z.array(z.object({ role: z.string(), content: z.unknown() })) })
    .nullable()
    .optional(),
});

const PASSAGE = /<passage n="(\d+)"[^>]*>\n([\s\S]*?)\n<\/passage>/g;
const UNESCAPE: Record<string, string> = { '&lt;': '<', '&gt;': '>', '&quot;': '"', '&amp;': '&' };

/** The passages of a grounded prompt's text, by their number (1-based). */
export function passagesOfPrompt(text: string): Map<number, string> {
  const passages = new Map<number, string>();
  for (const match of text.matchAll(PASSAGE)) {
    passages.set(
      Number(match[1]),
      match[2]!.replace(/&(?:lt|gt|quot|amp);/g, (entity) => UNESCAPE[entity]!),
    );
  }
  return passages;
}

/**
 * The passages a model was given, from a stored turn trace: those of its last user message
 * (earlier messages are the conversation's history). Empty when no model was prompted.
 */
export function promptPassages(trace: unknown): Map<number, string> {
  const parsed = traceWithPrompt.safeParse(trace);
  const messages = parsed.success ? (parsed.data.prompt?.messages ?? []) : [];
  const last = messages.findLast((message) => message.role === 'user');
  return typeof last?.content === 'string' ? passagesOfPrompt(last.content) : new Map();
}
