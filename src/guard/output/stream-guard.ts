// The output guard for a streamed answer. `push(chunk)` returns what is safe to send now and
// `end()` flushes the rest. PII and secrets are redacted even when split across chunks, links to
// hosts outside the allowlist are removed, and a recital of the system prompt is cut off with a
// refusal. Only a short tail that might still grow into a match is held back (see hold-back.ts).
import { detectPii } from '../pii/detect-pii.js';
import { PII_PLACEHOLDERS, type PiiType } from '../pii/pii-types.js';
import type { PiiPolicy } from '../pii/redact-pii.js';
import { looksRandom } from '../pii/secret-patterns.js';
import { wordedNumberTail } from '../pii/worded-numbers.js';
import { MAX_HOLD, openConstructStart, trailingRunStart } from './hold-back.js';
import { disallowedLinks, linkSpans, type Replacement, unsafeLinkOpenings } from './link-policy.js';
import { type PositionedWord, type PromptLeakDetector, promptLeakDetector, wordsOf } from './prompt-leak.js';
import { promptRecitalDetector, RecitalWatcher } from './prompt-recital.js';

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
  /**
   * The end of the text already sent when it is an unfinished word that went out early (it could
   * not begin anything the policy redacts; see `releasable`). Detection reads it together with
   * what follows, so a match that began in it is still found and the unsent rest redacted.
   */
  private carry = '';
  /** The last words sent (lower-cased), so a recital of the system prompt that began in them is found. */
  private sentWords: PositionedWord[] = [];
  /** Set after a long token was redacted before it ended: its continuation is dropped. */
  private swallow: 'token' | 'pem' | undefined;
  private pemTail = '';
  private stopped = false;
  private readonly leak: PromptLeakDetector | undefined;
  /** A recital that is not word for word: reworded, listed, encoded (see prompt-recital.ts). */
  private readonly recital: RecitalWatcher | undefined;

  constructor(private readonly options: OutputGuardOptions = {}) {
    this.leak = options.systemPrompt
      ? promptLeakDetector(options.systemPrompt, options.leakWords)
      : undefined;
    const recital = options.systemPrompt ? promptRecitalDetector(options.systemPrompt) : undefined;
    this.recital = recital?.active ? new RecitalWatcher(recital) : undefined;
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
    this.carry = '';
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

  /**
   * Sends what is decided of `carry + pending`. Offsets are into that text; `base` (the carry's
   * length) is where the unsent part starts: nothing before it can change any more.
   */
  private drain(final: boolean): string {
    const base = this.carry.length;
    const text = this.carry + this.pending;
    const pii = detectPii(text);
    const links = this.options.allowedHosts ? linkSpans(text) : [];
    const spans = [...pii, ...links].filter((span) => span.end > base).sort((a, b) => a.start - b.start);
    const hold = final ? { cut: text.length } : this.holdFrom(text, spans);
    let cut = Math.max(base, hold.cut);
    if (this.leak) {
      const words = [...this.sentWords, ...wordsOf(text.slice(0, cut))];
      const leakAt = this.leak.findLeak(words);
      // The run's first word may have gone out already (it is never held, see below): the cut
      // comes after it, wherever the stream was split.
      if (leakAt >= 0) return this.cutLeak(text, base, Math.max(base, words[leakAt + 1]!.start));
      if (!final) {
        // A word still arriving at the end is not known yet; the run is judged on whole words.
        const last = words.at(-1);
        const partial =
          cut === text.length && last !== undefined && last.start + last.word.length === text.length;
        const whole = partial ? words.slice(0, -1) : words;
        const live = this.leak.liveRunStart(whole);
        // A run that could still grow into a recital is held from its second word, so the first
        // word of an answer is never held for this.
        const holdAt = live < whole.length ? words[live + 1]?.start : undefined;
        if (holdAt !== undefined) cut = Math.max(base, retreatOutOfSpans(holdAt, spans));
      }
    }
    if (this.recital && cut > base) {
      // Read as it is about to go out: the sentence that completes a recital is not sent.
      const at = this.recital.check(text.slice(base, cut), final && cut === text.length);
      if (at >= 0) return this.cutLeak(text, base, base + at);
    }
    this.pending = text.slice(cut);
    if (cut < hold.cut || !hold.decided) return this.send(text, base, cut, final);
    // A match longer than the hold limit reached the end: it is decided now, and what follows
    // of it in later chunks is dropped.
    const { decided } = hold;
    if (decided.kind === 'pii') {
      this.swallow = decided.rule === 'secret:private-key' ? 'pem' : 'token';
      // The END line may have begun in this text.
      this.pemTail = this.swallow === 'pem' ? text.slice(-40) : '';
      return this.send(text, base, cut, true);
    }
    if (decided.kind === 'link') {
      const removed = disallowedLinks(text, this.options.allowedHosts ?? []).some(
        (r) => r.end === text.length,
      );
      if (removed) this.swallow = 'token';
      return this.send(text, base, cut, true);
    }
    this.swallow = 'token';
    this.count('secret');
    const before = this.send(text, base, Math.max(base, decided.start), true);
    return `${before}${PII_PLACEHOLDERS.secret}`;
  }

  /**
   * Sends `text[base, cut)`, transformed, and remembers what the next drain must read with the
   * unsent rest: the unfinished word the sent text ends with (unless `closed`), the last words.
   */
  private send(text: string, base: number, cut: number, closed: boolean): string {
    const out = this.transform(text, base, cut);
    const sent = text.slice(0, cut);
    const carryFrom = closed || this.swallow ? cut : Math.max(trailingRunStart(sent), cut - MAX_HOLD);
    if (this.leak) {
      // The carry's words are read again next time: only those before it are remembered.
      const words = wordsOf(text.slice(0, carryFrom));
      this.sentWords = [...this.sentWords, ...words.map(({ word }) => ({ word, start: 0 }))].slice(
        -this.leak.minWords,
      );
    }
    this.carry = sent.slice(carryFrom);
    return out;
  }

  /**
   * Whether the unfinished word at the end of the stream can go out before it ends: it is a
   * plain word, and nothing the policy redacts can begin with it, so only a long random token
   * could still grow from it (that is then redacted from where it was, see `carry`).
   */
  private releasable(run: string): boolean {
    if (this.options.allowedHosts || !PLAIN_WORD.test(run)) return false;
    const pii = this.options.pii ?? {};
    const redacts = (type: PiiType) => (pii[type] ?? 'redact') !== 'allow';
    // Any word can begin an email address; a hex word, an IPv6 address; two letters, an IBAN.
    if (redacts('email')) return false;
    if (redacts('ip') && /^[0-9a-f]{1,4}$/i.test(run)) return false;
    if (redacts('iban') && run.length <= 2) return false;
    return !SECRET_PREFIX_WORDS.some((prefix) => prefix.startsWith(run));
  }

  /** Where the held-back tail starts; spans cut by it are either held whole or decided now. */
  private holdFrom(text: string, spans: Span[]): { cut: number; decided?: Decided } {
    const runStart = trailingRunStart(text);
    const longRun = longSecretRun(text, runStart);
    if (longRun !== undefined) return { cut: text.length, decided: { kind: 'long-token', start: longRun } };
    let hold = Math.max(runStart, text.length - MAX_HOLD);
    if (hold < text.length && this.releasable(text.slice(runStart))) hold = text.length;
    hold = Math.min(hold, openConstructStart(text, this.options.allowedHosts !== undefined) ?? hold);
    // A number being spelled out ("five five five one …") is held until it is complete.
    hold = Math.min(hold, wordedNumberTail(text) ?? hold);
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

  private cutLeak(text: string, base: number, at: number): string {
    this.stopped = true;
    this.pending = '';
    this.carry = '';
    this.count('system_prompt');
    return this.transform(text, base, at) + (this.options.leakRefusal ?? DEFAULT_LEAK_REFUSAL);
  }

  /**
   * Applies the link policy, then PII redaction, to `text[from, to)`, which is final. What
   * precedes `from` went out already: it is read for context only (a match that began there is
   * redacted from `from` on).
   */
  private transform(text: string, from: number, to: number): string {
    if (to <= from) return '';
    const head = text.slice(0, to);
    const allowedHosts = this.options.allowedHosts;
    let linked = head.slice(from);
    if (allowedHosts) {
      const links = disallowedLinks(head, allowedHosts).filter((link) => link.start >= from);
      for (const _ of links) this.count('link');
      // A disallowed link too long to hold whole is not complete here: it is broken instead.
      // (Read in the whole text: the target's scheme may be in the part still held back.)
      const cut = unsafeLinkOpenings(text, from, allowedHosts).filter(
        (opening) =>
          opening.start < to &&
          !links.some((link) => link.start <= opening.start && opening.start < link.end),
      );
      for (const _ of cut) this.count('link');
      linked = applyReplacements(
        linked,
        [...links, ...cut]
          .sort((a, b) => a.start - b.start)
          .map((link) => ({ ...link, start: link.start - from, end: link.end - from })),
      );
    }
    const context = head.slice(0, from);
    const redactions: Replacement[] = [];
    for (const finding of detectPii(context + linked)) {
      if (finding.end <= from) continue;
      if ((this.options.pii?.[finding.type] ?? 'redact') === 'allow') continue;
      this.count(finding.type);
      redactions.push({
        start: Math.max(0, finding.start - from),
        end: finding.end - from,
        text: PII_PLACEHOLDERS[finding.type],
      });
    }
    return applyReplacements(linked, redactions);
  }

  private count(kind: keyof OutputCounts) {
    this.counts[kind] = (this.counts[kind] ?? 0) + 1;
  }
}

// A plain word: lower case, maybe capitalised, short. Cards, phone numbers, SSNs and IPv4
// addresses begin with digits, IBANs with two letters and digits, known keys with the prefixes below.
const PLAIN_WORD = /^\p{Lu}?\p{Ll}{1,23}$/u;
// Lower-case beginnings of credential formats: a word that could still become one is held.
const SECRET_PREFIX_WORDS = [
  'sk-',
  'sk_',
  'rk_',
  'pk_',
  'ghp_',
  'gho_',
  'ghu_',
  'ghs_',
  'ghr_',
  'github_pat_',
  'xoxa-',
  'xoxb-',
  'xoxp-',
  'xoxo-',
  'xoxs-',
  'xoxr-',
  'xoxe-',
  'eyJ',
  'parley_',
  'whsec_',
];

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
