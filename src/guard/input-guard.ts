// The fast input guards: check a user message before anything else sees it. Size limit, prompt
// injection, topics and PII, by default in that order; the first check that blocks supplies the
// polite refusal, the later ones still record their decisions (and PII is still redacted from
// what is stored), and a blocked message must never reach a model.
import { stripTagCharacters } from './fold-text.js';
import type { Guard, GuardDecision, InputInspection } from './guard.js';
import { DEFAULT_GUARD_POLICY, type GuardPolicy } from './guard-policy.js';
import { detectInjection, type InjectionVerdict } from './injection/detect-injection.js';
import { detectPii } from './pii/detect-pii.js';
import { applyPiiPolicy } from './pii/redact-pii.js';
import { checkTopics } from './topic-policy.js';

export const REFUSALS = {
  size: 'Your message is too long for me to handle. Could you shorten it or split it into parts?',
  injection:
    "Sorry, I can't help with that. It looks like an attempt to change how I work. Please ask your question directly.",
  topic: "Sorry, that's outside what I can help with here.",
  pii: 'Your message seems to contain sensitive personal data, so I did not process it. Please remove it and try again.',
} as const;

/** Refuses a message too long to inspect within the latency budget; nothing of it is kept. */
export const sizeGuard: Guard = {
  name: 'size',
  input(inspection, policy) {
    if (inspection.text.length <= policy.maxInputChars) return inspection;
    return block(
      { ...inspection, text: '' },
      { kind: 'size', rule: `max-chars:${policy.maxInputChars}` },
      REFUSALS.size,
    );
  },
};

/** Prompt injection by the fast local classifier and rules: refused (`block`) or recorded (`flag`). */
export const injectionGuard: Guard = {
  name: 'injection',
  input(inspection, policy) {
    if (policy.injection === 'off' || !inspection.text) return inspection;
    return applyInjectionVerdict(inspection, detectInjection(inspection.text), policy);
  },
};

/** The inspection after an injection verdict: refused (`block`) or recorded (`flag`). */
export function applyInjectionVerdict(
  inspection: InputInspection,
  verdict: InjectionVerdict,
  policy: GuardPolicy,
): InputInspection {
  const decisions = injectionDecisions(verdict.reasons);
  const scored = { ...inspection, injectionScore: verdict.score };
  return verdict.attack && policy.injection === 'block'
    ? block(scored, decisions, REFUSALS.injection)
    : { ...scored, decisions: [...inspection.decisions, ...decisions] };
}

/** An injection verdict's reasons as guard decisions. */
export const injectionDecisions = (reasons: readonly string[]): GuardDecision[] =>
  reasons.map((rule) => ({ kind: 'injection', rule }));

/** Subjects the bot keeps to or refuses. */
export const topicGuard: Guard = {
  name: 'topic',
  input(inspection, policy) {
    const topic = checkTopics(inspection.text, policy.topics);
    if (!topic.rule) return inspection;
    return block(inspection, { kind: 'topic', rule: topic.rule }, policy.topics.refusal ?? REFUSALS.topic);
  },
};

/** Personal data and secrets: redacted (what follows sees only the redacted text), blocked or allowed per type. */
export const piiGuard: Guard = {
  name: 'pii',
  input(inspection, policy) {
    const pii = applyPiiPolicy(inspection.text, detectPii(inspection.text), policy.pii);
    const decisions = pii.rules.map((rule): GuardDecision => ({ kind: 'pii', rule }));
    const redacted = { ...inspection, text: pii.text };
    if (pii.action === 'block') return block(redacted, decisions, REFUSALS.pii);
    return {
      ...redacted,
      decisions: [...inspection.decisions, ...decisions],
      action: inspection.action === 'allow' && pii.action === 'redact' ? 'redact' : inspection.action,
    };
  },
};

/**
 * The verdict with `decisions` added and the message blocked; a message already blocked keeps
 * the refusal of the guard that blocked it first.
 */
export function block(
  inspection: InputInspection,
  decisions: GuardDecision | GuardDecision[],
  refusal: string,
): InputInspection {
  return {
    ...inspection,
    action: 'block',
    decisions: inspection.decisions.concat(decisions),
    refusal: inspection.refusal ?? refusal,
  };
}

/** The fast input guards in their default order (no model, no network). */
export const FAST_INPUT_GUARDS: readonly Guard[] = [sizeGuard, injectionGuard, topicGuard, piiGuard];

/** The fast input guards over a message, synchronously (evaluation commands, tests). */
export function inspectInput(text: string, policy: GuardPolicy = DEFAULT_GUARD_POLICY): InputInspection {
  let inspection: InputInspection = { action: 'allow', text: stripTagCharacters(text), decisions: [] };
  for (const guard of FAST_INPUT_GUARDS) inspection = guard.input!(inspection, policy) as InputInspection;
  return inspection;
}
