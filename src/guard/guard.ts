// The one guard interface. A guard acts in one or more phases of a turn: on the user's message
// before anything else sees it (input), on the retrieved passages before the prompt is built
// (passages), and on every piece of the answer before the user sees it (output). A bot's policy
// names the guards it runs, in order; the pipeline runs whatever list it is given.
import { stripTagCharacters } from './fold-text.js';
import type { GuardName, GuardPolicy } from './guard-policy.js';

/** One check that fired; `rule` names the rule, never the matched text. */
export interface GuardDecision {
  kind: 'size' | 'injection' | 'topic' | 'pii' | 'model';
  rule: string;
}

/** The verdict on a message so far, handed from one input guard to the next. */
export interface InputInspection {
  action: 'allow' | 'redact' | 'block';
  /** The message with PII redacted per policy: what may be stored, logged and sent to a model. */
  text: string;
  decisions: GuardDecision[];
  /** What to answer instead, when the action is `block` (the first guard that blocked says it). */
  refusal?: string;
  /** The injection classifier's score, for traces (and for guards that follow it). */
  injectionScore?: number;
  /**
   * A slower check a guard left running instead of deciding now (only when asked to defer): the
   * turn goes on beside it, and the answer's first piece waits for its verdict. Never rejects.
   */
  pending?: Promise<PendingVerdict>;
  /** What the trace keeps of that check, once it has decided. */
  deferred?: DeferredCheck;
}

/** What a check left running by the input phase decided. */
export interface PendingVerdict {
  /** Decisions to add to the input's. */
  decisions: GuardDecision[];
  /** Set when the message is refused after all: what to answer instead. */
  refusal?: string;
  check: DeferredCheck;
}

/** A deferred check as the trace records it: never the message, only the verdict and its time. */
export interface DeferredCheck {
  stage: 'semantic';
  /** `degraded`: the check failed or ran out of time, and the fast verdict stood. */
  outcome: 'attack' | 'benign' | 'degraded';
  /** The check's own score (0-1), when it answered. */
  score: number | null;
  /** From the input phase to the verdict (ms). */
  ms: number;
  /** How long the answer's first piece, ready, waited for the verdict (ms): what the check added. */
  heldMs?: number;
  /** Why it degraded. */
  error?: string;
}

/** How the input phase is run. */
export interface InspectOptions {
  /**
   * A guard may leave a slower check running (`pending`) rather than decide at once: set for a
   * turn's question, whose answer waits for the verdict before its first piece; unset (earlier
   * messages, tool results), every guard decides now.
   */
  defer?: boolean;
}

/** A retrieved passage as the passage phase sees it. */
export interface GuardedPassage {
  /** Ingestion found instructions aimed at a model in it (indirect injection). */
  flagged?: boolean;
}

/** What the output phase puts every piece of the answer through (across piece boundaries). */
export interface OutputFilter {
  /** The part of `piece` (with what was held back before) that is safe to send now. */
  push(piece: string): string;
  /** What was still held back, once the answer is over. */
  end(): string;
  /** The answer must stop here (e.g. the system prompt was being recited). */
  readonly cutOff: boolean;
  /** What the filter changed, by kind, for the trace and metrics; counts only grow. */
  readonly counts: Readonly<Record<string, number | undefined>>;
}

export interface Guard {
  readonly name: GuardName;
  /** Input phase: the verdict after this guard, given the verdict so far. */
  input?(
    inspection: InputInspection,
    policy: GuardPolicy,
    options?: InspectOptions,
  ): InputInspection | Promise<InputInspection>;
  /** Passage phase: the passages the answer may use, in the order it should prefer them. */
  passages?<P extends GuardedPassage>(passages: P[], policy: GuardPolicy): P[];
  /** Output phase: a filter for one answer. */
  output?(policy: GuardPolicy, context: { systemPrompt: string }): OutputFilter;
}

/** Runs the input phase of `guards` in order over a message. */
export async function inspectWith(
  guards: readonly Guard[],
  text: string,
  policy: GuardPolicy,
  options?: InspectOptions,
): Promise<InputInspection> {
  // Tag characters are invisible to a reader: none is passed on to a model or stored.
  let inspection: InputInspection = { action: 'allow', text: stripTagCharacters(text), decisions: [] };
  for (const guard of guards) {
    // Synchronous guards stay synchronous: no promise per guard on the critical path.
    const next = guard.input?.(inspection, policy, options);
    if (next) inspection = next instanceof Promise ? await next : next;
  }
  return inspection;
}

/** Runs the passage phase of `guards` in order. */
export function guardPassages<P extends GuardedPassage>(
  guards: readonly Guard[],
  passages: P[],
  policy: GuardPolicy,
): P[] {
  let kept = passages;
  for (const guard of guards) if (guard.passages) kept = guard.passages(kept, policy);
  return kept;
}

/** One output filter made of the output phase of `guards`, applied in order. */
export function outputFilter(
  guards: readonly Guard[],
  policy: GuardPolicy,
  context: { systemPrompt: string },
): OutputFilter {
  const filters = guards.flatMap((guard) => (guard.output ? [guard.output(policy, context)] : []));
  if (filters.length === 1) return filters[0]!;
  return {
    push: (piece) => filters.reduce((text, filter) => filter.push(text), piece),
    // What each filter still holds goes through the ones after it, each ending in turn.
    end: () => filters.reduce((text, filter) => filter.push(text) + filter.end(), ''),
    get cutOff() {
      return filters.some((filter) => filter.cutOff);
    },
    get counts() {
      return Object.assign({}, ...filters.map((filter) => filter.counts));
    },
  };
}
