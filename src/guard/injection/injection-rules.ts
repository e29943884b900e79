// Hand-written rules for the unambiguous shapes of prompt injection and jailbreaks, in English,
// German, French and Spanish. They look for imperatives addressed to the model ("ignore all
// previous instructions"), not for words: a question about ignoring instructions is not one.

/** One rule: a pattern over normalised text and the family it belongs to. */
export interface InjectionRule {
  /** Stable name reported in reasons, e.g. `override:ignore-previous`. */
  name: string;
  pattern: RegExp;
  /** For rules that start at a clause: the part after the clause start. */
  clauseBody?: string;
}

// Where an imperative can start: the beginning, after punctuation, or after a linking word.
// Quotes are not clause starts: a quoted phrase is usually talked about, not addressed to the model.
const CLAUSE = String.raw`(?:^|[.!?:;,()\[\]\n>-]\s*|\b(?:and|but|then|now|so|please|also|und|aber|jetzt|bitte|dann|et|puis|maintenant|y|pero|ahora)\s+)`;

const rule = (name: string, source: string): InjectionRule => ({ name, pattern: new RegExp(source, 'u') });
const clauseRule = (name: string, body: string): InjectionRule => ({
  name,
  pattern: new RegExp(CLAUSE + body, 'u'),
  clauseBody: body,
});

export const INJECTION_RULES: readonly InjectionRule[] = [
  clauseRule(
    'override:ignore-previous',
    String.raw`(?:ignore|disregard|forget|skip|override|bypass|drop)\s+(?:about\s+)?(?:all|any|every|the|your|my|these|those|everything)?\s*(?:of\s+)?(?:the\s+|your\s+)?(?:previous|prior|above|earlier|preceding|former|initial|original|system|old|current)?\s*(?:instructions?|rules|directions|prompts?|guidelines|tasks?|context|commands|orders|information|statements|everything|guidance|programming|constraints)\b`,
  ),
  clauseRule(
    'override:forget-everything',
    String.raw`(?:forget|ignore|disregard)\s+(?:about\s+)?(?:everything|all(?:\s+that)?|what\s+(?:i|we|you)\s+(?:said|told|discussed))\b`,
  ),
  clauseRule(
    'override:new-instructions',
    String.raw`(?:now\s+)?(?:focus\s+on\s+your\s+new\s+task|your\s+new\s+(?:task|instructions?|role)\s+(?:is|are)|new\s+instructions?\s*:)`,
  ),
  clauseRule(
    'override:de',
    String.raw`(?:vergiss|vergessen\s+sie|ignoriere|ignorieren\s+sie|missachte)\s+(?:bitte\s+)?(?:alles|alle|die|deine|ihre|sämtliche|das|was)\b`,
  ),
  clauseRule(
    'override:leave-behind',
    String.raw`(?:leave|put|set)\s+(?:all\s+)?(?:the\s+|your\s+)?(?:previous|prior|above|earlier)\s+(?:information|instructions?|tasks?|context)\s+(?:behind|aside)|\bdespite\s+what\s+you(?:'ve|\s+have)\s+been\s+(?:told|instructed)`,
  ),
  rule(
    'override:fake-completion',
    String.raw`\b(?:that|this|it)\s+is\s+(?:done|finished|complete)[.!]?\s+(?:now|next)\b|\bdas\s+ist\s+erledigt[.!]?\s+(?:\S+\s+){0,2}(?:nun|jetzt)\b`,
  ),
  clauseRule('override:stop-and-write', String.raw`stop\s*[-:!]\s*(?:write|say|print|output|schreib|sag)\b`),
  rule(
    'override:de-verb-final',
    String.raw`(?:die\s+)?(?:obigen|vorherigen|bisherigen|vorangegangenen)\s+(?:ausführungen|anweisungen|informationen|aufgaben)\s+(?:ignorieren|vergessen|missachten)`,
  ),
  rule('override:ru', String.raw`(?:забудь(?:те)?|игнорируй(?:те)?)\s+(?:все|всё|предыдущие)`),
  clauseRule(
    'jailbreak:now-you-are',
    String.raw`(?:(?:and\s+)?now|from\s+now\s+on|nun|jetzt|ab\s+jetzt|ab\s+sofort)\s*,?\s+(?:you\s+are|you're|bist\s+du|du\s+bist)\s+(?!welcome\b|ready\b|able\b|done\b|all\s+set\b|bereit\b|fertig\b)`,
  ),
  rule(
    'jailbreak:pretend-evil',
    String.raw`\b(?:pretend|imagine|act\s+as\s+if)\s+(?:that\s+)?you\s+(?:are|were)\s+(?:an?\s+)?(?:evil|unfiltered|uncensored|unrestricted|rogue|malicious|amoral)\b`,
  ),
  rule(
    'override:de-irrelevant',
    String.raw`(?:alle|die)\s+(?:bisherigen|vorherigen|obigen|vorangegangenen)\s+(?:informationen|anweisungen|aufgaben|befehle)[^.!?]{0,40}(?:irrelevant|unwichtig|vergessen|ignorier)`,
  ),
  clauseRule(
    'override:fr',
    String.raw`(?:oubliez|oublie|ignorez|ignore)\s+(?:toutes?|tout|les|vos|tes)\s*(?:les\s+)?(?:instructions|consignes|règles|précédentes)?`,
  ),
  clauseRule(
    'override:es',
    String.raw`(?:olvida|olvide|ignora|ignore)\s+(?:todo|todas?|las|tus|sus)\s*(?:las\s+)?(?:instrucciones|reglas|anteriores)?`,
  ),
  rule(
    'jailbreak:dan',
    String.raw`\b(?:dan|stan|dude|aim)\b[^.]{0,80}\b(?:do\s+anything\s+now|strive\s+to\s+avoid\s+norms|always\s+intelligent\s+and\s+machiavellian)|\bdo\s+anything\s+now\b`,
  ),
  rule(
    'jailbreak:developer-mode',
    // "developer mode" on a phone is ordinary; addressed to the model it is a jailbreak.
    String.raw`\b(?:developer|god|dev|unrestricted|jailbreak|jailbroken|evil|dan)\s+mode\b[^.]{0,60}\b(?:enabled|activated|chatgpt|ai|you)\b|\b(?:you|chatgpt|ai)\b[^.]{0,60}\b(?:developer|god|dev|unrestricted|jailbreak|jailbroken|evil|dan)\s+mode\b|\byou\s+are\s+(?:now\s+)?jailbroken\b`,
  ),
  rule(
    'jailbreak:no-restrictions',
    String.raw`\b(?:without|no|free\s+of|freed\s+from|not\s+bound\s+by|ignore)\s+(?:any\s+)?(?:ethical|moral|content|openai'?s?|safety)?\s*(?:restrictions|filters?|censorship|guidelines|limitations|policies|rules)\b[^.]{0,60}\b(?:ai|model|you|assistant|chatgpt|answer|respond)`,
  ),
  rule(
    'jailbreak:stay-in-character',
    String.raw`\b(?:stay\s+in\s+character|break\s+character|never\s+refuse|can(?:not|'t)\s+refuse|must\s+not\s+refuse|will\s+never\s+decline)\b`,
  ),
  clauseRule(
    'exfiltrate:system-prompt',
    String.raw`(?:show|print|reveal|repeat|output|display|give|tell|write|leak|dump|list|zeig(?:e|en\s+sie)?|gib|nenne)\s+(?:me\s+|us\s+|mir\s+|uns\s+)?(?:all\s+|alle\s+)?(?:your|the|deine[n]?|ihre[n]?|die|den)\s+(?:full\s+|entire\s+|exact\s+|complete\s+)?(?:system\s+|initial\s+|original\s+|hidden\s+|secret\s+)?(?:prompt(?:\s*texts?)?|instructions|anweisungen|systemanweisung|system\s*prompt)\b`,
  ),
  rule(
    'exfiltrate:words-above',
    String.raw`\b(?:repeat|print|output)\s+(?:the\s+)?(?:words|text|everything)\s+(?:above|before)\b`,
  ),
];

// All clause rules in one pattern, so that a long benign text is scanned for clause starts once
// rather than once per rule; the rules are told apart only when it matches.
const ANY_CLAUSE_RULE = new RegExp(
  `${CLAUSE}(?:${INJECTION_RULES.flatMap((r) => (r.clauseBody ? [`(?:${r.clauseBody})`] : [])).join('|')})`,
  'u',
);

/** The names of the rules that fire on already-normalised text. */
export function matchInjectionRules(normalized: string): string[] {
  const clauseHit = ANY_CLAUSE_RULE.test(normalized);
  return INJECTION_RULES.filter(
    (candidate) => (clauseHit || !candidate.clauseBody) && candidate.pattern.test(normalized),
  ).map((r) => r.name);
}
