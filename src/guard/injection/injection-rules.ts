// Hand-written rules for the unambiguous shapes of prompt injection and jailbreaks, in English,
// German, French and Spanish. They look for imperatives addressed to the model ("ignore all
// previous instructions"), not for words: a question about ignoring instructions is not one.

/** One rule: a pattern over normalised text and the family it belongs to. */
export interface InjectionRule {
  /** Stable name reported in reasons, e.g. `override:ignore-previous`. */
  name: string;
  pattern: RegExp;
}

// Where an imperative can start: the beginning, after punctuation, or after a linking word.
const CLAUSE = String.raw`(?:^|[.!?:;,"'()\[\]\n>-]\s*|\b(?:and|but|then|now|so|please|also|und|aber|jetzt|bitte|dann|et|puis|maintenant|y|pero|ahora)\s+)`;

const rule = (name: string, source: string): InjectionRule => ({ name, pattern: new RegExp(source, 'u') });

export const INJECTION_RULES: readonly InjectionRule[] = [
  rule(
    'override:ignore-previous',
    String.raw`${CLAUSE}(?:ignore|disregard|forget|skip|override|bypass|drop)\s+(?:about\s+)?(?:all|any|every|the|your|my|these|those|everything)?\s*(?:of\s+)?(?:the\s+|your\s+)?(?:previous|prior|above|earlier|preceding|former|initial|original|system|old|current)?\s*(?:instructions?|rules|directions|prompts?|guidelines|tasks?|context|commands|everything|guidance|programming|constraints)\b`,
  ),
  rule(
    'override:forget-everything',
    String.raw`${CLAUSE}(?:forget|ignore|disregard)\s+(?:about\s+)?(?:everything|all(?:\s+that)?|what\s+(?:i|we|you)\s+(?:said|told|discussed))\b`,
  ),
  rule(
    'override:new-instructions',
    String.raw`${CLAUSE}(?:now\s+)?(?:focus\s+on\s+your\s+new\s+task|your\s+new\s+(?:task|instructions?|role)\s+(?:is|are)|new\s+instructions?\s*:)`,
  ),
  rule(
    'override:de',
    String.raw`${CLAUSE}(?:vergiss|vergessen\s+sie|ignoriere|ignorieren\s+sie|missachte)\s+(?:bitte\s+)?(?:alles|alle|die|deine|ihre|sämtliche|das|was)\b`,
  ),
  rule(
    'override:de-irrelevant',
    String.raw`(?:alle|die)\s+(?:bisherigen|vorherigen|obigen|vorangegangenen)\s+(?:informationen|anweisungen|aufgaben|befehle)[^.!?]{0,40}(?:irrelevant|unwichtig|vergessen|ignorier)`,
  ),
  rule(
    'override:fr',
    String.raw`${CLAUSE}(?:oubliez|oublie|ignorez|ignore)\s+(?:toutes?|tout|les|vos|tes)\s*(?:les\s+)?(?:instructions|consignes|règles|précédentes)?`,
  ),
  rule(
    'override:es',
    String.raw`${CLAUSE}(?:olvida|olvide|ignora|ignore)\s+(?:todo|todas?|las|tus|sus)\s*(?:las\s+)?(?:instrucciones|reglas|anteriores)?`,
  ),
  rule(
    'jailbreak:dan',
    String.raw`\b(?:dan|stan|dude|aim)\b[^.]{0,80}\b(?:do\s+anything\s+now|strive\s+to\s+avoid\s+norms|always\s+intelligent\s+and\s+machiavellian)|\bdo\s+anything\s+now\b`,
  ),
  rule(
    'jailbreak:developer-mode',
    String.raw`\b(?:developer|god|dev|unrestricted|jailbreak|jailbroken|evil)\s+mode\b|\bjailbr(?:eak|oken)\b`,
  ),
  rule(
    'jailbreak:no-restrictions',
    String.raw`\b(?:without|no|free\s+of|freed\s+from|not\s+bound\s+by|ignore)\s+(?:any\s+)?(?:ethical|moral|content|openai'?s?|safety)?\s*(?:restrictions|filters?|censorship|guidelines|limitations|policies|rules)\b[^.]{0,60}\b(?:ai|model|you|assistant|chatgpt|answer|respond)`,
  ),
  rule(
    'jailbreak:stay-in-character',
    String.raw`\b(?:stay\s+in\s+character|break\s+character|never\s+refuse|can(?:not|'t)\s+refuse|must\s+not\s+refuse|will\s+never\s+decline)\b`,
  ),
  rule(
    'exfiltrate:system-prompt',
    String.raw`${CLAUSE}(?:show|print|reveal|repeat|output|display|give|tell|write|leak|dump|list|zeig(?:e|en\s+sie)?|gib|nenne)\s+(?:me\s+|us\s+|mir\s+|uns\s+)?(?:all\s+|alle\s+)?(?:your|the|deine[n]?|ihre[n]?|die|den)\s+(?:full\s+|entire\s+|exact\s+|complete\s+)?(?:system\s+|initial\s+|original\s+|hidden\s+|secret\s+)?(?:prompt(?:\s*texts?)?|instructions|anweisungen|systemanweisung|system\s*prompt)\b`,
  ),
  rule(
    'exfiltrate:words-above',
    String.raw`\b(?:repeat|print|output)\s+(?:the\s+)?(?:words|text|everything)\s+(?:above|before)\b`,
  ),
];

/** The names of the rules that fire on already-normalised text. */
export function matchInjectionRules(normalized: string): string[] {
  return INJECTION_RULES.filter((candidate) => candidate.pattern.test(normalized)).map((r) => r.name);
}
