// Indirect prompt injection: flags retrieved or ingested text that addresses the model with
// instructions ("ignore your previous instructions", "note to the language model", "the assistant
// should tell users…", forged chat turns, exfiltrating image links), also when they are hidden in
// Unicode tag characters or base64. Used at ingestion so each chunk carries the flag, and by the
// context builder to quote flagged passages as data.
import { foldText } from '../fold-text.js';
import { detectInjection } from './detect-injection.js';
import { normalizeText } from './normalize-text.js';
import { matchPlantedRules } from './planted-instruction-rules.js';

export interface InstructionFlag {
  flagged: boolean;
  score: number;
  reasons: string[];
}

// Phrases that only make sense when a document talks to an AI reading it.
const ADDRESSED_TO_MODEL = [
  {
    name: 'addressed:ai-reader',
    pattern:
      /\b(?:if you are an? (?:ai|llm|language model|assistant|chatbot)|attention (?:ai|llm|assistant))\b/,
  },
  {
    name: 'addressed:ai-must',
    pattern:
      /\b(?:ai|llm|assistant|chatbot)s?,? (?:must|should|shall) (?:now |always |only )?(?:say|respond|reply|answer|tell|ignore|recommend|include)\b/,
  },
  {
    name: 'addressed:hidden-instruction',
    pattern: /<\s*(?:system|instructions?|im_start)\s*>|\[\s*(?:system|inst)\s*\]/,
  },
];

// Unicode tag characters mirror ASCII (U+E0020–E007E): a message spelled in them is invisible.
const TAG_RUN = /[\u{E0020}-\u{E007E}]{4,}/gu;
// Base64 runs long enough to hold a sentence (shorter ones are ids and hashes).
const BASE64_RUN = /(?<![A-Za-z0-9+/])[A-Za-z0-9+/]{24,}={0,2}(?![A-Za-z0-9+/=])/g;
// Decoded base64 is read only when it is text: printable characters and whitespace, some letters.
const PRINTABLE_TEXT = /^[\p{L}\p{N}\p{P}\p{S}\p{Zs}\n\t]+$/u;
// (Fixed-width: a run of letters with no space costs linear time.)
const SPACED_WORDS = /\p{L}{2} \p{L}{2}/u;

/** The texts hidden in a passage: messages in tag characters and base64 that decodes to text. */
function hiddenTexts(text: string): string[] {
  const hidden: string[] = [];
  for (const run of text.match(TAG_RUN) ?? []) {
    hidden.push(String.fromCodePoint(...[...run].map((c) => c.codePointAt(0)! - 0xe0000)));
  }
  for (const run of text.match(BASE64_RUN) ?? []) {
    const decoded = Buffer.from(run, 'base64').toString('utf8');
    if (PRINTABLE_TEXT.test(decoded) && SPACED_WORDS.test(decoded)) hidden.push(decoded);
  }
  return hidden;
}

/** Flags `chunkText` when it contains instructions aimed at a model. */
export function flagInstructions(chunkText: string): InstructionFlag {
  // What a hidden message says is read as if it were written out, after the visible text.
  const text = [chunkText, ...hiddenTexts(chunkText)].join('\n');
  const verdict = detectInjection(text);
  const normalized = normalizeText(text);
  const cased = foldText(text);
  const addressed = ADDRESSED_TO_MODEL.filter((rule) => rule.pattern.test(normalized)).map(
    (rule) => rule.name,
  );
  const planted = matchPlantedRules({ flat: normalized, lines: cased.toLowerCase(), cased });
  // Documents are long and varied, unlike the prompts the classifier learned from (it scores
  // ordinary documentation chunks as attacks now and then), so only rules flag a chunk; the
  // classifier's score is kept for ranking and traces.
  const reasons = [...verdict.reasons.filter((reason) => reason !== 'classifier'), ...addressed, ...planted];
  return { flagged: reasons.length > 0, score: reasons.length > 0 ? 1 : verdict.score, reasons };
}
