// Applies a per-type policy to the personal data found in a text: replace it with a placeholder
// (the default), block the whole text, or let it through.
import { detectPii } from './detect-pii.js';
import { PII_PLACEHOLDERS, type PiiFinding, type PiiType } from './pii-types.js';

/** What to do with one type of value. */
export type PiiAction = 'redact' | 'block' | 'allow';

/** Per-type actions; a type not listed is redacted. */
export type PiiPolicy = Partial<Record<PiiType, PiiAction>>;

/** The result of applying a policy: counts by type, never the values. */
export interface PiiRedaction {
  /** The text with redacted and blocked values replaced; allowed values stay. */
  text: string;
  /** How many values of each type were found (redacted, blocking or allowed). */
  findings: Partial<Record<PiiType, number>>;
  /** `block` if any found type is blocked, else `redact` if anything was replaced, else `allow`. */
  action: PiiAction;
  /** The rules that fired, e.g. `card:luhn`, once each. */
  rules: string[];
}

export function redactPii(text: string, policy: PiiPolicy = {}): PiiRedaction {
  return applyPiiPolicy(text, detectPii(text), policy);
}

/** Applies `policy` to findings already computed for `text`. */
export function applyPiiPolicy(text: string, found: PiiFinding[], policy: PiiPolicy): PiiRedaction {
  const findings: Partial<Record<PiiType, number>> = {};
  const rules = new Set<string>();
  let blocked = false;
  let replaced = false;
  let out = '';
  let cursor = 0;
  for (const finding of found) {
    const verdict = policy[finding.type] ?? 'redact';
    findings[finding.type] = (findings[finding.type] ?? 0) + 1;
    rules.add(finding.rule);
    if (verdict === 'allow') continue;
    // A blocked value is replaced too: the text may still be logged or stored.
    blocked ||= verdict === 'block';
    replaced = true;
    out += text.slice(cursor, finding.start) + PII_PLACEHOLDERS[finding.type];
    cursor = finding.end;
  }
  const action: PiiAction = blocked ? 'block' : replaced ? 'redact' : 'allow';
  return { text: replaced ? out + text.slice(cursor) : text, findings, action, rules: [...rules] };
}
