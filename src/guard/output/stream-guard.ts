// The output guard for a streamed answer. `push(chunk)` returns what is safe to send now and
// `end()` flushes the rest. PII and secrets are redacted even when split across chunks, links to
// hosts outside the allowlist are removed, and a recital of the system prompt is cut off with a
// refusal. Only a short tail that might still grow into a match is held back (see hold-back.ts).
import { detectPii } from '../pii/detect-pii.js';
import { PII_PLACEHOLDERS, type PiiType } from '../pii/pii-types.js';
import type { PiiPolicy } from '../pii/redact-pii.js';
import { looksRandom } from '../pii/secret-patterns.js';
import { MAX_HOLD, openConstructStart, trailingRunStart } from './hold-back.js';
import { disallowedLinks, linkSpans, type Replacement } from './link-policy.js';
import { PromptLeakDetector, wordsOf } from './prompt-leak.js';

/** What the output guard enforces for one bot. */
export interface OutputGuardOptions {
  /** Per-type PII actions; `block` is treated as `redact` (sent text cannot be recalled). */
  pii?: PiiPolicy;
  /** Hosts links may point to (subdomains included); absent means links are not filtered. */
  allowedHosts?: readonly string[];
  /** The bot's system prompt, to stop it being recited. */
  systemPrompt?: string;
  /** Consecutive words shared with the system prompt that count as a leak (default 8). */
  leakWords?: number;
  /** Sent in place of a leaked system prompt. */
  leakRefusal?: string;
}

/** What the guard changed, by kind (PII types, `link`, `system_prompt`); never the values. */
export type OutputCounts = Partial<Record<PiiType | 'link' | 'system_prompt', number>>;

export const DEFAULT_LEAK_REFUSAL = "I'm sorry, but I can't share my instructions.";

// Leading dashes may have gone out with the text before the cut.
const PEM_END = /END (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----/;
// What can continue a token redacted before its end arrived.
const TOKEN_CONTINUATION = /^[^\s<>"'`)\]]+/;

export class StreamGuard {
  readonly counts: OutputCounts = {};
  private pending = '';
  /** Set after a long token was redacted before it ended: its continuation is dropped. */
  private swallow: 'token' | 'pem' | undefined;
  private pemTail = '';
  private stopped = false;
  private readonly leak: PromptLeakDetector | undefined;

  constructor(private readonly options: OutputGuardOptions = {}) {
    this.leak = options.systemPrompt
      ? new PromptLeakDetector(options.systemPrompt, options.leakWords)
      : undefined;
  }

  /** True once a system-prompt leak was cut off; everything after is dropped. */
  get cutOff(): boolean {
    return this.stopped;
  }

  push(chunk: string): string {
    if (this.stopped) return '';
    this.pending += chunk;
    this.dropSwallowed();
    return this.pending && !this.swallow ? this.drain(false) : '';
  }

  end(): string {
    if (this.stopped) return '';
    const out = this.drain(true);
    this.swallow = undefined;
    return out;
  }

  private dropSwallowed() {
    if (this.swallow === 'pem') {
      // The END line may itself arrive split: search it across what was dropped last time.
      const buffer = this.pemTail + this.pending;
      const end = PEM_END.exec(buffer);
      this.pending = end ? buffer.slice(end.index + end[0].length) : '';
      this.pemTail = end ? '' : buffer.slice(-40);
      if (end) this.swallow = undefined;
    } else if (this.swallow === 'token') {
      const run = TOKEN_CONTINUATION.exec(this.pending)?.[0].length ?? 0;
      this.pending = this.pending.slice(run);
      if (this.pending) this.swallow = undefined;
    }
  }

  private drain(final: boolean): string {
    const text = this.pending;
    const pii = detectPii(text);
    const links = this.options.allowedHosts ? linkSpans(text) : [];
    const spans = [...pii, ...links].sort((a, b) => a.start - b.start);
    const hold = final ? { cut: text.length } : this.holdFrom(text, spans);
    let cut = hold.cut;
    if (this.leak) {
      const words = wordsOf(text.slice(0, cut));
      const leakAt = this.leak.findLeak(words);
      if (leakAt >= 0) return this.cutLeak(text.slice(0, words[leakAt]!.start));
      if (!final) cut = retreatOutOfSpans(words[this.leak.liveRunStart(words)]?.start ?? cut, spans);
    }
    this.pending = text.slice(cut);
    if (cut < hold.cut || !hold.decided) return this.transform(text.slice(0, cut));
    // A match longer than the hold limit reached the end: it is decided now, and what follows
    // of it in later chunks is dropped.
    const { decided } = hold;
    if (decided.kind === 'pii') {
      this.swallow = decided.rule === 'secret:private-key' ? 'pem' : 'token';
      // The END line may have begun in this text.
      this.pemTail = this.swallow === 'pem' ? text.slice(-40) : '';
      return this.transform(text.slice(0, cut));
    }
    if (decided.kind === 'link') {
      const removed = disallowedLinks(text, this.options.allowedHosts ?? []).some(
        (r) => r.end === text.length,
      );
      if (removed) this.swallow = 'token';
      return this.transform(text.slice(0, cut));
    }
    this.swallow = 'token';
    this.count('secret');
    return `${this.transform(text.slice(0, decided.start))}${PII_PLACEHOLDERS.secret}`;
  }

  /** Where the held-back tail starts; spans cut by it are either held whole or decided now. */
  private holdFrom(text: string, spans: Span[]): { cut: number; decided?: Decided } {
    const runStart = trailingRunStart(text);
    const longRun = longSecretRun(text, runStart);
    if (longRun !== undefined) return { cut: text.length, decided: { kind: 'long-token', start: longRun } };
    let hold = Math.max(runStart, text.length - MAX_HOLD);
    hold = Math.min(hold, openConstructStart(text, this.options.allowedHosts !== undefined) ?? hold);
    for (const span of spans) {
      // A span reaching the end of the text may still grow, even when nothing else is held.
      const open = span.end === text.length;
      if (span.start >= hold || (!open && span.end <= hold)) continue;
      if (!open) hold = span.end;
      else if (span.start >= text.length - MAX_HOLD) hold = span.start;
      else {
        const decided: Decided =
          span.rule !== undefined ? { kind: 'pii', rule: span.rule } : { kind: 'link' };
        return { cut: text.length, decided };
      }
    }
    return { cut: hold };
  }

  private cutLeak(before: string): string {
    this.stopped = true;
    this.pending = '';
    this.count('system_prompt');
    return this.transform(before) + (this.options.leakRefusal ?? DEFAULT_LEAK_REFUSAL);
  }

  /** Applies the link policy, then PII redaction, to text that is final. */
  private transform(text: string): string {
    if (!text) return text;
    const allowedHosts = this.options.allowedHosts;
    let linked = text;
    if (allowedHosts) {
      const links = disallowedLinks(text, allowedHosts);
      for (const _ of links) this.count('link');
      linked = applyReplacements(text, links);
    }
    const redactions: Replacement[] = [];
    for (const finding of detectPii(linked)) {
      if ((this.options.pii?.[finding.type] ?? 'redact') === 'allow') continue;
      this.count(finding.type);
      redactions.push({ ...finding, text: PII_PLACEHOLDERS[finding.type] });
    }
    return applyReplacements(linked, redactions);
  }

  private count(kind: keyof OutputCounts) {
    this.counts[kind] = (this.counts[kind] ?? 0) + 1;
  }
}

type Span = { start: number; end: number; rule?: string };
type Decided = { kind: 'pii'; rule: string } | { kind: 'link' } | { kind: 'long-token'; start: number };

// Prefixes of credential formats whose full length may exceed the hold limit (JWTs, tokens).
const SECRET_PREFIX =
  /^(?:eyJ|sk-|sk_|rk_|AKIA|ASIA|gh[pousr]_|github_pat_|xox[abposre]-|AIza|parley_|whsec_)/;

/**
 * Start of a whitespace-free token at the end of `text` that is longer than the hold limit and
 * looks like a credential (a known prefix, or random base64), so it is redacted before it ends.
 */
function longSecretRun(text: string, runStart: number): number | undefined {
  if (text.length - runStart <= MAX_HOLD) return undefined;
  const tail = text.slice(runStart);
  const start = runStart + tail.search(/\S+$/);
  const token = text.slice(start);
  if (token.length <= MAX_HOLD || token.includes('://')) return undefined;
  return SECRET_PREFIX.test(token) || looksRandom(token) ? start : undefined;
}

/** Moves a cut point back to the start of any span it would split. */
function retreatOutOfSpans(cut: number, spans: Span[]): number {
  let at = cut;
  for (const span of [...spans].reverse()) if (span.start < at && at < span.end) at = span.start;
  return at;
}

function applyReplacements(text: string, replacements: Replacement[]): string {
  let out = '';
  let cursor = 0;
  for (const r of replacements) {
    if (r.start < cursor) continue;
    out += text.slice(cursor, r.start) + r.text;
    cursor = r.end;
  }
  return out + text.slice(cursor);
}
