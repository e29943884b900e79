// The input guard: checks a user message before anything else sees it. Size limit, prompt
// injection, topics and PII, in that order; the first check that blocks supplies the polite
// refusal, and a blocked message must never reach a model.
import { DEFAULT_GUARD_POLICY, type GuardPolicy } from './guard-policy.js';
import { detectInjection } from './injection/detect-injection.js';
import { detectPii } from './pii/detect-pii.js';
import { applyPiiPolicy } from './pii/redact-pii.js';
import { checkTopics } from './topic-policy.js';

/** One check that fired; `rule` names the rule, never the matched text. */
export interface GuardDecision {
  kind: 'size' | 'injection' | 'topic' | 'pii' | 'model';
  rule: string;
}

export interface InputInspection {
  action: 'allow' | 'redact' | 'block';
  /** The message with PII redacted per policy: what may be stored, logged and sent to a model. */
  text: string;
  decisions: GuardDecision[];
  /** What to answer instead, when the action is `block`. */
  refusal?: string;
  /** The injection classifier's score, for traces. */
  injectionScore?: number;
}

export const REFUSALS = {
  size: 'Your message is too long for me to handle. Could you shorten it or split it into parts?',
  injection:
    "Sorry, I can't help with that. It looks like an attempt to change how I work. Please ask your question directly.",
  topic: "Sorry, that's outside what I can help with here.",
  pii: 'Your message seems to contain sensitive personal data, so I did not process it. Please remove it and try again.',
} as const;

export function inspectInput(text: string, policy: GuardPolicy = DEFAULT_GUARD_POLICY): InputInspection {
  if (text.length > policy.maxInputChars) {
    const decisions: GuardDecision[] = [{ kind: 'size', rule: `max-chars:${policy.maxInputChars}` }];
    // Too long to inspect within the latency budget: nothing of it is kept.
    return { action: 'block', text: '', decisions, refusal: REFUSALS.size };
  }
  const decisions: GuardDecision[] = [];
  let refusal: string | undefined;
  let injectionScore: number | undefined;
  if (policy.injection !== 'off') {
    const verdict = detectInjection(text);
    injectionScore = verdict.score;
    for (const reason of verdict.reasons) decisions.push({ kind: 'injection', rule: reason });
    if (verdict.attack && policy.injection === 'block') refusal = REFUSALS.injection;
  }
  const topic = checkTopics(text, policy.topics);
  if (topic.rule) {
    decisions.push({ kind: 'topic', rule: topic.rule });
    refusal ??= policy.topics.refusal ?? REFUSALS.topic;
  }
  const pii = applyPiiPolicy(text, detectPii(text), policy.pii);
  for (const rule of pii.rules) decisions.push({ kind: 'pii', rule });
  if (pii.action === 'block') refusal ??= REFUSALS.pii;
  const action = refusal ? 'block' : pii.action === 'redact' ? 'redact' : 'allow';
  return {
    action,
    text: pii.text,
    decisions,
    ...(refusal ? { refusal } : {}),
    ...(injectionScore === undefined ? {} : { injectionScore }),
  };
}
