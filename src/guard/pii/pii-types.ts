// The kinds of personal data and secrets the guard recognises, and the placeholder each becomes.

export const PII_TYPES = ['email', 'phone', 'card', 'iban', 'ssn', 'secret', 'ip'] as const;

/** A kind of personal data or secret. */
export type PiiType = (typeof PII_TYPES)[number];

/** What replaces a redacted value of each type. */
export const PII_PLACEHOLDERS: Record<PiiType, string> = {
  email: '[EMAIL]',
  phone: '[PHONE]',
  card: '[CARD]',
  iban: '[IBAN]',
  ssn: '[SSN]',
  secret: '[SECRET]',
  ip: '[IP]',
};

/** Where a value was found: offsets into the text, never the value itself. */
export interface PiiFinding {
  type: PiiType;
  /** Offset of the first character (UTF-16 code units). */
  start: number;
  /** Offset just past the last character. */
  end: number;
  /** Which rule matched, e.g. `card:luhn` or `secret:aws-access-key`. */
  rule: string;
}
