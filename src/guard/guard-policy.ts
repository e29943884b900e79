// A bot's guardrail policy: one zod schema with safe defaults (redact PII, block clear attacks,
// no topic limits, links not filtered), so the pipeline can store it per bot as JSON.
import { z } from 'zod';

/** The guards a bot's policy may list (`guards`), in their default order. */
export const GUARD_NAMES = ['size', 'injection', 'topic', 'pii', 'moderation', 'passages', 'output'] as const;
export type GuardName = (typeof GUARD_NAMES)[number];

const piiAction = z.enum(['redact', 'block', 'allow']);

/** Per-type PII actions; types left out are redacted. */
export const piiPolicySchema = z
  .object({
    email: piiAction,
    phone: piiAction,
    card: piiAction,
    iban: piiAction,
    ssn: piiAction,
    secret: piiAction,
    ip: piiAction,
  })
  .partial();

/** The schema of a bot's guard policy (also the name of its parsed type). */
export const GuardPolicy = z.object({
  /**
   * The guards this bot runs, in order (default: all, in the order of GUARD_NAMES). A guard left
   * out does not run: without `pii`, for one, a user's personal data reaches the model.
   */
  guards: z.array(z.enum(GUARD_NAMES)).min(1).optional(),
  /** Longest accepted user message, in characters. */
  maxInputChars: z.number().int().positive().default(16_000),
  pii: piiPolicySchema.default({}),
  /** `block` refuses clear attacks, `flag` only records them, `off` skips the check. */
  injection: z.enum(['block', 'flag', 'off']).default('block'),
  topics: z
    .object({
      /** When set, a substantial message must mention one of these subjects (words or phrases). */
      allowed: z.array(z.string().min(1)).optional(),
      /** Messages mentioning any of these subjects are politely refused. */
      refused: z.array(z.string().min(1)).optional(),
      /** Replaces the default refusal for topics. */
      refusal: z.string().optional(),
    })
    .default({}),
  /**
   * Retrieved passages that ingestion flagged as holding instructions aimed at a model: always
   * quoted as data; `downrank` also puts them after every unflagged passage, `drop` leaves them out.
   */
  documents: z.enum(['quote', 'downrank', 'drop']).default('downrank'),
  output: z
    .object({
      /**
       * PII in answers: cards, IBANs, SSNs and secrets are redacted; emails, phone numbers and IP
       * addresses are allowed, since documents legitimately hold contact addresses and example
       * hosts (the user's own PII never reaches the model: the input guard redacts it).
       */
      pii: piiPolicySchema.default({ email: 'allow', phone: 'allow', ip: 'allow' }),
      /** Hosts that links in answers may point to; absent means links are not filtered. */
      allowedHosts: z.array(z.string().min(1)).optional(),
      /** Stop the model reciting its system prompt (runs of 8+ shared words). */
      protectSystemPrompt: z.boolean().default(true),
    })
    .prefault({}),
});

/** A parsed policy, defaults applied. */
export type GuardPolicy = z.infer<typeof GuardPolicy>;

/** The default policy: `GuardPolicy.parse({})`. */
export const DEFAULT_GUARD_POLICY: GuardPolicy = GuardPolicy.parse({});
