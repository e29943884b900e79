// Generates a prepared turn's answer as events, before the output guard: a refusal, "nothing
// found", the extractive answer, or the model chain's stream (degraded to the extractive answer
// when no model answers). Reads the plan, changes nothing: the turn recorder folds the events.
import { guardPassages } from '../guard/index.js';
import { countTokens, type RetrievedChunk } from '../knowledge/index.js';
import {
  type ChatMessage,
  type GenerationOptions,
  type ModelChain,
  ModelsUnavailableError,
  type TokenUsage,
  type ToolExchange,
} from '../models/index.js';
import { splitQuestion } from './clarify-split.js';
import { planContext } from './context-budget.js';
import { RECENT_MESSAGES } from './conversation-memory.js';
import {
  DEGRADED_LABEL,
  EXTRACTIVE_LABEL,
  extractiveAnswer,
  NOTHING_FOUND,
  snippetOf,
} from './extractive-answer.js';
import type { GenerationEvent, RawGenerationEvent } from './generation-events.js';
import { citationsFor, groundedUserMessage, memoryBlock } from './grounded-prompt.js';
import { questionCoverage } from './relevance.js';
import type { TurnPlan } from './turn-plan.js';
import type { PendingApproval } from './turn-tools.js';
import { clarifyingQuestion } from './understand-message.js';

/** What an answer may rest on: the passages after the guards, and how well they cover the question. */
export interface AnswerEvidence {
  /** The retrieved passages the answer may use: flagged ones dropped or last, per the guard policy. */
  readonly passages: RetrievedChunk[];
  readonly relevance: number;
}

/** The question retrieval was asked: a follow-up's standalone question, else the message. */
const searchedQuestion = (plan: TurnPlan) => plan.standaloneQuestion ?? plan.request.message;

export function answerEvidence(plan: TurnPlan): AnswerEvidence {
  const passages = guardPassages(plan.guards, plan.search.chunks, plan.bot.guard);
  return { passages, relevance: questionCoverage(searchedQuestion(plan), passages) };
}

const words = (text: string) => text.match(/\S+\s*/g) ?? [];

/** What the model is asked for: the client's options, the answer's length under the bot's cap. */
export function generationOptions(plan: Pick<TurnPlan, 'bot' | 'request'>): GenerationOptions {
  const asked = plan.request.generation;
  const cap = plan.bot.maxAnswerTokens;
  return { ...asked, maxOutputTokens: Math.min(asked?.maxOutputTokens ?? cap, cap) };
}

/**
 * The answer's events before the output guard. A model stream that breaks after its first token
 * reports a `failure` and throws; so does `signal` aborting, which cancels the provider call.
 * `exclude`: models not to ask (they broke off earlier in this turn).
 */
export async function* generateAnswer(
  plan: TurnPlan,
  evidence: AnswerEvidence,
  signal: AbortSignal | undefined,
  exclude: readonly string[],
): AsyncGenerator<RawGenerationEvent> {
  const { bot, memory, request } = plan;
  const router = bot.router;
  // A client's limit on the answer's length holds for answers written without a model too.
  const limit = request.generation?.maxOutputTokens;
  if (plan.input.action === 'block') {
    // The input guard stopped the message: a polite refusal, and nothing reaches a model.
    yield { type: 'mode', mode: 'refused' };
    yield* say(plan.input.refusal ?? NOTHING_FOUND, limit);
    return;
  }
  const handler = plan.understanding?.handler;
  if (handler === 'handed_off') {
    // A person answers this conversation: the bot says nothing.
    yield { type: 'mode', mode: 'handed_off' };
    yield { type: 'citations', citations: [] };
    return;
  }
  if (plan.curated && handler === 'curated') {
    // An operator's answer to this question: given as written, with no model call.
    yield { type: 'mode', mode: 'curated' };
    yield* say(plan.curated.answer, limit);
    return;
  }
  if (plan.smallTalk !== undefined) {
    // A greeting, thanks or a request for a person: answered at once, with no retrieval and no
    // model call.
    yield { type: 'mode', mode: handler === 'handoff' ? 'handoff' : 'small_talk' };
    yield* say(plan.smallTalk, limit);
    return;
  }
  if (handler === 'clarify') {
    // A vague request: ask which of the topics retrieval found is meant, rather than guess.
    yield { type: 'mode', mode: 'clarify' };
    const topics = plan.understanding?.topics;
    yield* say(topics ? splitQuestion(topics) : clarifyingQuestion(evidence.passages), limit);
    return;
  }
  const cached = plan.answerCache?.hit;
  if (cached) {
    // Asked before, of the same bot over the same knowledge: the answer it got, with no model call.
    yield { type: 'mode', mode: 'cached' };
    yield { type: 'citations', citations: [...cached.citations] };
    yield* pieces(cached.answer, limit);
    return;
  }
  // With tools on offer (the client's or the bot's), the model decides (a tool may answer what the
  // documents do not); so it does for an answer asked for as JSON (its fields say what was not found).
  const modelDecides =
    router !== undefined &&
    ((request.generation?.tools?.length ?? 0) > 0 ||
      (plan.tools?.size ?? 0) > 0 ||
      request.generation?.responseFormat);
  if (!modelDecides && (evidence.passages.length === 0 || evidence.relevance < bot.minRelevance)) {
    // Nothing relevant enough: say so, and spend no model call on a guess.
    yield { type: 'mode', mode: 'not_found' };
    yield* say(NOTHING_FOUND, limit);
    return;
  }
  if (!router) {
    yield* extractive(plan, evidence, EXTRACTIVE_LABEL, limit);
    return;
  }
  const assemblyStarted = performance.now();
  const base = memory.summary
    ? `${bot.prompt.text}\n\nSummary of the earlier conversation:\n${memory.summary}`
    : bot.prompt.text;
  const context = planContext({
    system: base,
    question: request.message,
    passages: evidence.passages,
    history: memory.recent,
    ...(plan.userMemories?.length ? { memories: plan.userMemories.map((m) => m.text) } : {}),
    budget: { total: bot.contextTokens, passageShare: 0.65 },
  });
  // The user's memories that fit, in a block of their own after the bot's prompt.
  const system = context.memories.length > 0 ? `${base}\n\n${memoryBlock(context.memories)}` : base;
  yield { type: 'context', context };
  const passages = context.passages;
  const { chain, route, reasons } = router.route({
    queryTokens: context.tokens.question,
    conversationMessages: memory.recent.length + (memory.summary ? RECENT_MESSAGES : 0),
    coverage: evidence.relevance,
    preferCheapest: request.preferCheapest,
  });
  yield { type: 'route', route, reasons };
  const messages: ChatMessage[] = [
    ...context.history,
    { role: 'user', content: groundedUserMessage(request.message, passages) },
  ];
  yield { type: 'prompt', system, messages, assemblyMs: performance.now() - assemblyStarted };
  yield* modelAnswer(plan, evidence, { system, messages, passages }, signal, exclude, chain);
}

/**
 * The model chain's answer, with Parley's tools when the turn has them: while the model asks for
 * them (up to the bot's step limit), they run and the model is called again with their results;
 * the text of every step is the answer's. Degrades to the extractive answer when no model answers.
 */
async function* modelAnswer(
  plan: TurnPlan,
  evidence: AnswerEvidence,
  prompt: { system: string; messages: ChatMessage[]; passages: RetrievedChunk[] },
  signal: AbortSignal | undefined,
  exclude: readonly string[],
  chain: ModelChain,
): AsyncGenerator<RawGenerationEvent> {
  const { request } = plan;
  const tools = plan.tools;
  tools?.numberAfter(prompt.passages);
  const options = generationOptions(plan);
  const clientTools = options.tools ?? [];
  let exchanges: ToolExchange[] = request.toolExchanges ?? [];
  // The answer as generated (before the output guard): what citations are read from.
  let raw = '';
  const cite = () => citationsFor(raw, tools ? tools.citable() : prompt.passages, snippetOf);
  try {
    for (let step = 0; ; step++) {
      // Parley's tools on offer until the step limit, or until the model has misused them too often.
      const offerOwn = tools !== undefined && tools.size > 0 && step < tools.maxSteps && !tools.exhausted;
      if (tools && step > 0 && !offerOwn) {
        yield { type: 'tools-stopped', reason: tools.exhausted ? 'invalid_arguments' : 'step_limit' };
      }
      const offered = offerOwn ? [...clientTools, ...tools.specs] : clientTools;
      let usage: TokenUsage = { inputTokens: 0, outputTokens: 0 };
      let model = '';
      let text = '';
      for await (const event of chain.stream(
        {
          system: prompt.system,
          messages: prompt.messages,
          signal,
          ...options,
          tools: offered.length > 0 ? offered : undefined,
          // The client's choice holds for the first call; after a tool step the model decides.
          toolChoice: offered.length === 0 ? undefined : step === 0 ? options.toolChoice : 'auto',
          ...(exchanges.length ? { exchanges } : {}),
        },
        { exclude },
      )) {
        if (event.type === 'model') {
          yield { type: 'model', model: event.model, attempts: event.attempts };
        } else if (event.type === 'text') {
          raw += event.text;
          text += event.text;
          yield { type: 'raw-token', text: event.text };
        } else {
          usage = event.usage;
          model = event.model;
        }
      }
      const calls = usage.toolCalls ?? [];
      // A step that asks the client for one of its tools goes back to the client whole.
      if (!tools || calls.length === 0 || calls.some((call) => !tools.has(call.name))) {
        yield { type: 'usage', usage };
        break;
      }
      const stepEnded = performance.now();
      const ran = await tools.runStep(calls, signal);
      const toolMs = Math.max(0, ...ran.records.map((record) => record.tool_ms));
      yield {
        type: 'tool-step',
        step: {
          model,
          usage: { ...usage, toolCalls: undefined },
          calls: ran.records,
          parleyMs: performance.now() - stepEnded - toolMs,
        },
      };
      if (ran.paused) {
        // An action waits for its decision: the turn ends here, and its answer says so.
        const approval = await tools.pause(ran.paused, {
          question: request.message,
          exchanges,
          step: { text, calls, results: ran.results },
        });
        yield { type: 'approval', approval };
        const notice = awaitingApproval(approval);
        raw += notice;
        yield { type: 'raw-token', text: notice };
        yield { type: 'usage', usage: { inputTokens: 0, outputTokens: 0 } };
        break;
      }
      exchanges = [...exchanges, { text, calls, results: ran.results }];
    }
    yield { type: 'citations', citations: cite() };
  } catch (error) {
    if (error instanceof ModelsUnavailableError) {
      yield { type: 'attempts', attempts: error.attempts };
      yield { type: 'mode', mode: 'degraded' };
      yield* extractive(plan, evidence, DEGRADED_LABEL, request.generation?.maxOutputTokens);
      return;
    }
    yield { type: 'failure', message: error instanceof Error ? error.message : String(error) };
    yield { type: 'citations', citations: cite() };
    throw error;
  }
}

/** What the answer says while an action waits for its decision. */
function awaitingApproval(approval: PendingApproval): string {
  const who = approval.approver === 'operator' ? 'an operator approves' : 'you approve';
  return `\n\nTo go on I need to run ${approval.tool} with ${approval.arguments}. I will once ${who} it.`;
}

/**
 * A text written without a model, word by word; with `limit`, only the words that fit in that
 * many tokens, and then a `length` finish (as a model stopped by `max_tokens` would end).
 */
export function* pieces(text: string, limit?: number): Generator<RawGenerationEvent> {
  let left = limit ?? Number.POSITIVE_INFINITY;
  for (const piece of words(text)) {
    if (limit !== undefined) {
      left -= countTokens(piece);
      if (left < 0) {
        yield { type: 'finish', reason: 'length' };
        return;
      }
    }
    yield { type: 'raw-token', text: piece };
  }
}

/** A fixed answer, without citations, word by word. */
function* say(text: string, limit: number | undefined): Generator<RawGenerationEvent> {
  yield { type: 'citations', citations: [] };
  yield* pieces(text, limit);
}

/** The extractive answer under `label`, word by word, and its citations. */
function* extractive(
  plan: TurnPlan,
  evidence: AnswerEvidence,
  label: string,
  limit: number | undefined,
): Generator<RawGenerationEvent> {
  const extracted = extractiveAnswer(searchedQuestion(plan), evidence.passages, 3, label);
  yield { type: 'citations', citations: extracted.citations };
  yield* pieces(extracted.text, limit);
}

/**
 * A whole answer given up with no model left to start again with: degraded, with the extractive
 * answer's citations. Its text is not recorded (the answer stays empty), as it never was.
 */
export function* abandonedAnswer(plan: TurnPlan, evidence: AnswerEvidence): Generator<GenerationEvent> {
  yield { type: 'abandon' };
  yield { type: 'mode', mode: 'degraded' };
  const extracted = extractiveAnswer(searchedQuestion(plan), evidence.passages, 3, DEGRADED_LABEL);
  yield { type: 'citations', citations: extracted.citations };
  // Never an empty answer: the passages the user would have been shown stand in for the model's.
  yield { type: 'token', text: extracted.text, at: performance.now() };
}
