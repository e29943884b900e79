// The shape of one detection rule: a pattern that finds candidates and a check that confirms them.
import type { PiiType } from './pii-types.js';

export interface PiiDetector {
  type: PiiType;
  /** Stable rule name reported in findings and decisions. */
  rule: string;
  /** A global regular expression that finds candidates. */
  pattern: RegExp;
  /** A cheap test every text containing a match passes; texts failing it skip the pattern. */
  hint?: RegExp;
  /** Confirms a candidate (checksums, invalid ranges); absent means every match counts. */
  accept?: (match: string, text: string, index: number) => boolean;
  /**
   * For a pattern that finds values of several types: the candidate's type (undefined: none), in
   * place of `type` and `accept`; the finding's rule is `<type>:<rule>`.
   */
  classify?: (match: string, text: string, index: number) => PiiType | undefined;
}
