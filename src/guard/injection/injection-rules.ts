// Hand-written rules for the unambiguous shapes of prompt injection and jailbreaks, in English,
// German, French and Spanish. They look for imperatives addressed to the model ("ignore all
// previous instructions"), not for words: a question about ignoring instructions is not one.
import { type InjectionRule, rule } from './injection-rule.js';
import { MULTILINGUAL_RULES } from './multilingual-rules.js';
import { headAndTail } from './normalize-text.js';

export type { InjectionRule } from './injection-rule.js';

// Where an imperative can start: the beginning, after punctuation, or after a linking word.
// Quotes are not clause starts: a quoted phrase is usually talked about, not addressed to the model.
const CLAUSE = String.raw`(?:^|[.!?:;,()\[\]\n>-]\s*|\b(?:and|but|then|now|so|please|also|und|aber|jetzt|bitte|dann|et|puis|maintenant|y|pero|ahora)\s+)`;

const clauseRule = (name: string, body: string): InjectionRule => ({
  name,
  pattern: new RegExp(CLAUSE + body, 'u'),
  hint: new RegExp(body, 'u'),
});

const ENGLISH_AND_EUROPEAN_RULES: readonly InjectionRule[] = [
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
  rule(
    'override:bcs',
    String.raw`\b(?:zaboravi(?:te)?|ignoriraj(?:te)?|ignoriši(?:te)?)\s+(?:sve|prethodne)\b`,
  ),
  // "All previous instructions" is specific enough to need no clause start ("Keywords ignore all
  // preceding orders…"), unlike "forget the earlier instructions", which questions also say.
  rule(
    'override:ignore-all-previous',
    String.raw`\b(?:ignore|disregard|forget)\s+(?:all|every|any)\s+(?:of\s+)?(?:the\s+|your\s+)?(?:previous|prior|above|earlier|preceding)\s+(?:instructions?|orders|rules|tasks|commands|prompts?|information)\b|\bforget\s+(?:about\s+)?everything\s+(?:above|before|previous|prior|earlier)\b|\bvergiss\s+(?:bitte\s+)?alles\b|\babweichend\s+(?:zu|von)\s+(?:den\s+)?(?:vorherigen|bisherigen|obigen)\s+(?:instruktionen|anweisungen|aufgaben)`,
  ),
  rule(
    'override:new-tasks-follow',
    String.raw`\b(?:now\s+)?(?:new|further|more)\s+tasks\s+follow\b|\bnun\s+folgen\s+(?:weitere|neue)\s+(?:aufgaben|anweisungen)\b|\bachtung\s*[-:!]+\s*stopp?\b`,
  ),
  // A knowledge-base bot answers from its documents; telling it not to is an override.
  rule(
    'override:ignore-documents',
    String.raw`\b(?:do\s+not|don'?n?t)\s+(?:look\s+(?:in|at|into)|use|read|answer\s+(?:the\s+question\s+)?(?:according\s+to|based\s+on|from|using))\s+(?:the\s+|any\s+)?(?:provided\s+|given\s+)?(?:documents?|articles?|sources)\b|\b(?:answer|respond)\s+(?:by|from|with|using)\s+your\s+own\s+knowledge\s+and\s+not\b|\bdisregarding\s+(?:the\s+|all\s+)?(?:articles?|documents?|context|instructions)\b|\b(?:do\s+not|don'?t)\s+answer\s+(?:this|the)\s+question\s+(?:but|and)\s+(?:just\s+|only\s+)?(?:output|say|write|print)\b`,
  ),
  clauseRule(
    'jailbreak:now-you-are',
    String.raw`(?:(?:and\s+)?now|from\s+now\s+on|nun|jetzt|ab\s+jetzt|ab\s+sofort)\s*,?\s+(?:you\s+are|you're|bist\s+du|du\s+bist)\s+(?!welcome\b|ready\b|able\b|done\b|all\s+set\b|bereit\b|fertig\b)`,
  ),
  // Persona requests in the shape of the public prompt collections ("I want you to act as a
  // debater"): they replace what the bot is for. A bare "act as a Linux terminal teacher" is left to
  // the classifier: ordinary role-play requests say it too.
  rule(
    'jailbreak:act-as',
    String.raw`\bi\s+want\s+you\s+to\s+act\s+as\b|\bich\s+möchte,?\s+dass\s+(?:sie|du)\s+als\s+[^.!?]{1,80}?\s+(?:fungieren|fungierst|agieren|agierst)\b`,
  ),
  rule(
    'jailbreak:pretend-evil',
    String.raw`\b(?:pretend|imagine|act\s+as\s+if)\s+(?:that\s+)?you\s+(?:are|were)\s+(?:an?\s+)?(?:evil|unfiltered|uncensored|unrestricted|rogue|malicious|amoral)\b|\bstell\s+dir\s+vor,?\s+du\s+(?:bist|wärst|wärest)\s+(?:eine?\s+)?(?:böse|bösartige|unzensierte|skrupellose)`,
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
    /anything\s+now|avoid\s+norms|machiavellian/,
  ),
  rule(
    'jailbreak:developer-mode',
    // "developer mode" on a phone is ordinary; addressed to the model it is a jailbreak.
    String.raw`\b(?:developer|god|dev|unrestricted|jailbreak|jailbroken|evil|dan)\s+mode\b[^.]{0,60}\b(?:enabled|activated|chatgpt|ai|you)\b|\b(?:you|chatgpt|ai)\b[^.]{0,60}\b(?:developer|god|dev|unrestricted|jailbreak|jailbroken|evil|dan)\s+mode\b|\byou\s+are\s+(?:now\s+)?jailbroken\b`,
    /\smode\b|jailbroken/,
  ),
  rule(
    'jailbreak:no-restrictions',
    String.raw`\b(?:without|no|free\s+of|freed\s+from|not\s+bound\s+by|ignore)\s+(?:any\s+)?(?:ethical|moral|content|openai'?s?|safety)?\s*(?:restrictions|filters?|censorship|guidelines|limitations|policies|rules)\b[^.]{0,60}\b(?:ai|model|you|assistant|chatgpt|answer|respond)`,
    /restrictions|filter|censorship|guidelines|limitations|policies|rules/,
  ),
  rule(
    'jailbreak:stay-in-character',
    String.raw`\b(?:stay\s+in\s+character|break\s+character|never\s+refuse|can(?:not|'t)\s+refuse|must\s+not\s+refuse|will\s+never\s+decline)\b|\bstay\s+(?:fully\s+)?in\s+(?:their|your|his|her)\s+roles?\b|\bwithout\s+(?:even\s+)?falling\s+out\s+of\s+(?:the\s+|their\s+)?(?:figure|character|role)`,
  ),
  clauseRule(
    'exfiltrate:system-prompt',
    // "Show me the instructions to assemble a shelf" is a request for a manual: "the" needs a
    // word that makes them the model's own (system, initial, hidden…), "your" does not.
    String.raw`(?:show|print|reveal|repeat|output|display|give|tell|write|leak|dump|list|zeig(?:e|en\s+sie)?|gib|nenne)\s+(?:me\s+|us\s+|mir\s+|uns\s+)?(?:all\s+|alle\s+)?(?:(?:your|deine[n]?|ihre[n]?)\s+(?:full\s+|entire\s+|exact\s+|complete\s+)?(?:system\s+|initial\s+|original\s+|hidden\s+|secret\s+)?(?:prompt(?:\s*texts?)?|instructions|anweisungen|systemanweisung|system\s*prompt)|(?:the|die|den)\s+(?:full\s+|entire\s+|exact\s+|complete\s+)?(?:(?:system|initial|original|hidden|secret)\s+(?:prompt(?:\s*texts?)?|instructions|anweisungen)|prompt(?:\s*texts?)?|systemanweisung|system\s*prompt))\b`,
  ),
  rule(
    'exfiltrate:words-above',
    String.raw`\b(?:repeat|print|output)\s+(?:the\s+)?(?:words|text|everything)\s+(?:above|before)\b`,
  ),
];

export const INJECTION_RULES: readonly InjectionRule[] = [
  ...ENGLISH_AND_EUROPEAN_RULES,
  ...MULTILINGUAL_RULES,
];

// Rules specific enough to be read in the middle of a long message too, where an attack padded
// with filler would otherwise go unread: each has a rare word as its hint, so the middle costs one
// fast scan per rule.
const ANYWHERE = new Set([
  'override:ignore-all-previous',
  'override:paraphrase',
  'override:fake-role-tag',
  'override:new-instructions-multilingual',
  'override:it',
  'override:pl',
  'override:tr',
  'override:zh',
  'override:ja',
  'override:ko',
  'override:ar',
  'override:hi',
  'override:ru',
]);
const MIDDLE_RULES = INJECTION_RULES.filter((candidate) => ANYWHERE.has(candidate.name));
// What every one of them needs somewhere: the middle is read only when this is in it, so a long
// ordinary message costs one scan of its middle.
const MIDDLE_HINT =
  /ignor|disregard|forget|instruc|directive|guideline|no\s+longer|pay\s+no|set\s+aside|discard|abandon|dismiss|follow|told|<|\[\s*\/?\s*(?:inst|sys)|##|(?:system|admin)\s*(?:message|override|prompt)?\s*:|dimentica|zapomnij|pomiń|talimat|kural|忽|无视|忘|無視|무시|잊|따르지|تجاهل|انس|اهمل|أهمل|تتبع|bhool|bhul|nazarandaz|anadekha|mat\s+mano|yaad\s+na|भूल|अनदेखा|नज़रअंदाज़|नजरअंदाज|забуд|игнорир/;

// The rules read at most the first 3,000 and the last 1,000 characters, so that a message costs
// a bounded amount of pattern matching whatever its length (bench/guard-latency.ts). The middle of a longer message goes unread by the rules, as it does by the
// classifier: a known limit of the fast path.
const HEAD_CHARS = 3000;
const TAIL_CHARS = 1000;

/** The names of the rules that fire on already-normalised text. */
export function matchInjectionRules(normalized: string): string[] {
  const text = headAndTail(normalized, HEAD_CHARS, TAIL_CHARS);
  const names = matching(INJECTION_RULES, text);
  if (names.length === 0 && normalized.length > HEAD_CHARS + TAIL_CHARS) {
    // The middle, overlapping the ends a little so an attack cut at a seam is read whole.
    const middle = normalized.slice(HEAD_CHARS - 200, normalized.length - TAIL_CHARS + 200);
    if (MIDDLE_HINT.test(middle)) names.push(...matching(MIDDLE_RULES, middle));
  }
  return names;
}

function matching(rules: readonly InjectionRule[], text: string): string[] {
  const names: string[] = [];
  for (const candidate of rules) {
    if (candidate.hint && !candidate.hint.test(text)) continue;
    if (candidate.pattern.test(text)) names.push(candidate.name);
  }
  return names;
}
