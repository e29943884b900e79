// The shape of one injection rule, shared by the rule lists.

/** One rule: a pattern over normalised text and the family it belongs to. */
export interface InjectionRule {
  /** Stable name reported in reasons, e.g. `override:ignore-previous`. */
  name: string;
  pattern: RegExp;
  /**
   * A cheap necessary condition, tested first: the pattern cannot match where it does not. A
   * clause rule's body alone is one (its clause-start alternation is what costs, tried at every
   * word), and so is a rare word for rules that open on a common one ("you", "no").
   */
  hint?: RegExp;
}

export const rule = (name: string, source: string, hint?: RegExp): InjectionRule => ({
  name,
  pattern: new RegExp(source, 'u'),
  ...(hint ? { hint } : {}),
});
