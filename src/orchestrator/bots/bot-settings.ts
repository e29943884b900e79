// What a bot may set, validated at the API: each field left out takes the server's default
// (the configured value of the same meaning).
import { z } from 'zod';
import { TOOL_NAME } from '../../tools/index.js';

export const BOT_ID = /^[a-z0-9][a-z0-9_-]{0,62}$/;

/** The bot every tenant has, with the server's defaults unless the tenant overrides them. */
export const DEFAULT_BOT = 'parley';

const modelRef = z.string().regex(/^[a-z][a-z0-9-]*:\S+$/, 'a model is written provider:model');

export const botSettingsSchema = z
  .object({
    /** The model chain, primary first; an empty list answers extractively (no model calls). */
    models: z.array(modelRef).max(8).optional(),
    /** Stronger models used when an escalation rule fires (the default models follow them). */
    escalation_models: z.array(modelRef).max(8).optional(),
    escalation: z
      .object({
        query_tokens: z.number().int().min(0).optional(),
        conversation_messages: z.number().int().min(0).optional(),
        below_coverage: z.number().min(0).max(1).optional(),
      })
      .strict()
      .optional(),
    system_prompt: z.string().trim().min(1).max(20_000).optional(),
    /** Minimum share of the question the best passages must cover before answering. */
    min_relevance: z.number().min(0).max(1).optional(),
    top_k: z.number().int().min(1).max(50).optional(),
    /** Prompt-side token budget for a generated answer. */
    context_tokens: z.number().int().min(500).max(1_000_000).optional(),
    /** Longest answer a model may write, in tokens (a client's `max_tokens` may ask for fewer). */
    max_answer_tokens: z.number().int().min(1).max(100_000).optional(),
    /** The guardrail policy (input and output guards), validated by the guard layer. */
    guard: z.record(z.string(), z.unknown()).optional(),
    /** Whether a question asked again is answered from the answer cache (when the server keeps one). */
    answer_cache: z.boolean().optional(),
    /**
     * The cosine (0.8-1) a question's embedding needs to an earlier question's for its cached answer,
     * when the server embeds questions; 0: the same question only. Unset: the server's setting.
     */
    answer_cache_similarity: z
      .number()
      .min(0)
      .max(1)
      .refine((value) => value === 0 || value >= 0.8, 'answer_cache_similarity is 0 (off) or 0.8-1')
      .optional(),
    /**
     * Long-term memory for signed-in users (and users a key acts for): facts and preferences taken
     * from their conversations by the bot's model, brought into later answers (default false).
     */
    memory: z.boolean().optional(),
    /** The score a message needs against a curated question to be given its answer (0.5-1). */
    curated_min_score: z.number().min(0.5).max(1).optional(),
    /** The tools the bot's model may call (docs/tools.md): their names, and how many steps a turn may take. */
    tools: z
      .object({
        /** Names of the tenant's tools, MCP servers' tools (`server__tool`) and `knowledge_search`. */
        allow: z.array(z.string().regex(TOOL_NAME, 'a tool name is 1-64 letters, digits, _ or -')).max(64),
        /** Model calls that may ask for tools in one turn before the model must answer (1-10, default 4). */
        max_steps: z.number().int().min(1).max(10).optional(),
        /** Who approves the bot's actions (tools with side effects): the user (default) or an operator. */
        approver: z.enum(['user', 'operator']).optional(),
      })
      .strict()
      .optional(),
    /** What the bot does with a message's intent (see understand-message.ts). */
    intents: z
      .object({
        /** false: greetings and thanks are answered from the knowledge base like any message. */
        small_talk: z.boolean().optional(),
        /** false: a vague request is answered from the knowledge base rather than with a clarifying question. */
        clarify: z.boolean().optional(),
        /** true: a request for a person hands the conversation to one (the agent API). */
        handoff: z.boolean().optional(),
        /** Phrases that hand the conversation to a person when a message has one (whole words, any case). */
        handoff_rules: z.array(z.string().trim().min(1).max(200)).max(100).optional(),
        /** After this many not-found answers in a row, the next message hands over (unset: never). */
        handoff_after_not_found: z.number().int().min(1).max(50).optional(),
        /** The classifier's score a greeting or thanks needs before the small-talk reply. */
        min_score: z.number().min(0).max(1).optional(),
        /**
         * How close passages of distinct documents or sections must score (a share of the best
         * one's score, 0-0.5) for a short request to get a clarifying question naming them; 0: never.
         */
        clarify_split_margin: z.number().min(0).max(0.5).optional(),
        /** false: the bot's model is never asked to read a message (the classifier and rules alone). */
        model_step: z.boolean().optional(),
        replies: z
          .object({
            greeting: z.string().trim().min(1).max(2_000).optional(),
            thanks: z.string().trim().min(1).max(2_000).optional(),
            handoff: z.string().trim().min(1).max(2_000).optional(),
          })
          .strict()
          .optional(),
      })
      .strict()
      .optional(),
  })
  .strict();

export type BotSettings = z.infer<typeof botSettingsSchema>;

/** The server's defaults, every field present. */
export interface BotDefaults {
  models: string[];
  escalation_models: string[];
  escalation: { query_tokens: number; conversation_messages: number; below_coverage: number };
  system_prompt: string;
  min_relevance: number;
  top_k: number;
  context_tokens: number;
  max_answer_tokens: number;
  answer_cache: boolean;
}

/** A bot's settings over the defaults: what a turn of this bot actually uses. */
export function effectiveSettings(defaults: BotDefaults, settings: BotSettings): BotDefaults {
  return {
    models: settings.models ?? defaults.models,
    escalation_models: settings.escalation_models ?? defaults.escalation_models,
    escalation: { ...defaults.escalation, ...settings.escalation },
    system_prompt: settings.system_prompt ?? defaults.system_prompt,
    min_relevance: settings.min_relevance ?? defaults.min_relevance,
    top_k: settings.top_k ?? defaults.top_k,
    context_tokens: settings.context_tokens ?? defaults.context_tokens,
    max_answer_tokens: settings.max_answer_tokens ?? defaults.max_answer_tokens,
    answer_cache: settings.answer_cache ?? defaults.answer_cache,
  };
}

/**
 * A partial update: top-level keys replace, `null` removes a key (back to the default); the
 * result is validated as a whole.
 */
export function mergeSettings(current: BotSettings, patch: Record<string, unknown>): BotSettings {
  const merged: Record<string, unknown> = { ...current };
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete merged[key];
    else merged[key] = value;
  }
  return botSettingsSchema.parse(merged);
}
