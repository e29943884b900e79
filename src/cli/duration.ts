// Durations as the commands take them: `90s`, `45m`, `12h`, `30d`, or plain seconds.
import { validationError } from '../errors/index.js';

const UNIT_SECONDS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86_400 };

/** Seconds in `text`; `option` names the option in the error. Zero only when allowed. */
export function parseDuration(text: string, option: string, { allowZero = false } = {}): number {
  const match = /^(\d{1,9})\s*([smhd]?)$/.exec(text.trim());
  const seconds = match ? Number(match[1]) * UNIT_SECONDS[match[2] || 's']! : Number.NaN;
  if (!Number.isSafeInteger(seconds) || seconds < (allowZero ? 0 : 1)) {
    throw validationError(`${option} takes a duration like 90s, 45m, 12h or 30d (got ${text})`);
  }
  return seconds;
}
