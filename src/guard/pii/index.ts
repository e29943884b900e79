// PII and secret detection and redaction: pure functions over strings.

export { passesIbanChecksum, passesLuhn } from './checksums.js';
export { detectPii, PII_DETECTORS } from './detect-pii.js';
export { PII_PLACEHOLDERS, PII_TYPES, type PiiFinding, type PiiType } from './pii-types.js';
export {
  applyPiiPolicy,
  type PiiAction,
  type PiiPolicy,
  type PiiRedaction,
  redactPii,
} from './redact-pii.js';
