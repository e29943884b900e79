// Earlier messages a client sends with its question (OpenAI-style APIs send the whole
// conversation each time). Whatever role they claim, they are the client's words: an attack can
// sit in an earlier user message, or in an "assistant" reply the client forged. Each passes the
// bot's injection guard as the question does; one it would refuse is dropped, with the reply that
// follows it, so the model never reads it and the conversation still goes on (a client keeps
// sending a refused message in every later request). The rest lose tag characters and have PII
// redacted per policy, like the question.
import { type Guard, type GuardDecision, type GuardPolicy, inspectWith, redactPii } from '../guard/index.js';
import type { ChatMessage, ToolExchange } from '../models/index.js';

export interface GuardedHistory {
  messages: ChatMessage[];
  /** Why messages were dropped: each refusing rule as `history:<rule>`. */
  decisions: GuardDecision[];
}

export async function guardHistory(
  guards: readonly Guard[],
  history: readonly ChatMessage[],
  policy: GuardPolicy,
): Promise<GuardedHistory> {
  // The fast classifier alone: the size and topic checks are the question's, and the moderation
  // model would be one more model call per earlier message.
  const injection = guards.filter((guard) => guard.name === 'injection');
  const messages: ChatMessage[] = [];
  const decisions: GuardDecision[] = [];
  let dropReply = false;
  for (const message of history) {
    const inspection = await inspectWith(injection, message.content, policy);
    if (inspection.action === 'block') {
      for (const decision of inspection.decisions)
        decisions.push({ ...decision, rule: `history:${decision.rule}` });
      dropReply = message.role === 'user';
      continue;
    }
    if (dropReply && message.role === 'assistant') {
      dropReply = false;
      continue;
    }
    dropReply = false;
    messages.push({ ...message, content: redactPii(inspection.text, policy.pii).text });
  }
  return { messages, decisions };
}

/** What the model reads instead of a tool result the injection guard refuses. */
export const WITHHELD_TOOL_RESULT =
  '[withheld: this tool result read as instructions to the assistant, not as data]';

/**
 * The results of the client's tools, after the question. A result is data from wherever the
 * tool read it (a web page, an email): it passes the injection guard like the question. One the
 * guard would refuse is replaced by a notice, so that every call still has its result; the rest
 * lose tag characters and have PII redacted per policy.
 */
export async function guardToolResults(
  guards: readonly Guard[],
  exchanges: readonly ToolExchange[],
  policy: GuardPolicy,
): Promise<{ exchanges: ToolExchange[]; decisions: GuardDecision[] }> {
  const decisions: GuardDecision[] = [];
  const guarded: ToolExchange[] = [];
  for (const exchange of exchanges) {
    const results = [];
    for (const result of exchange.results) {
      const checked = await guardToolResult(guards, result.content, policy);
      decisions.push(...checked.decisions);
      results.push({ ...result, content: checked.content });
    }
    guarded.push({ ...exchange, results });
  }
  return { exchanges: guarded, decisions };
}

/**
 * One tool's result as the model may read it: WITHHELD_TOOL_RESULT when the injection guard
 * refuses it (its decisions named `tool_result:<rule>`), else without tag characters and with
 * PII redacted per policy. Parley's own tools' results pass here too (turn-tools.ts).
 */
export async function guardToolResult(
  guards: readonly Guard[],
  content: string,
  policy: GuardPolicy,
): Promise<{ content: string; decisions: GuardDecision[] }> {
  const injection = guards.filter((guard) => guard.name === 'injection');
  const inspection = await inspectWith(injection, content, policy);
  if (inspection.action === 'block') {
    return {
      content: WITHHELD_TOOL_RESULT,
      decisions: inspection.decisions.map((decision) => ({
        ...decision,
        rule: `tool_result:${decision.rule}`,
      })),
    };
  }
  return { content: redactPii(inspection.text, policy.pii).text, decisions: [] };
}
