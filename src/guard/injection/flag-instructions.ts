// Indirect prompt injection: flags retrieved or ingested text that addresses the model with
// instructions ("ignore your previous instructions", "as an AI you must…"). Used at ingestion so
// each chunk carries the flag, and by the context builder to quote flagged passages as data.
import { detectInjection } from './detect-injection.js';
import { normalizeText } from './normalize-text.js';

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
      /\b(?:ai|llm|assistant|chatbot|model)s?,? (?:must|should|shall) (?:now |always |only )?(?:say|respond|reply|answer|tell|ignore|recommend|include)\b/,
  },
  {
    name: 'addressed:hidden-instruction',
    pattern: /<\s*(?:system|instructions?|im_start)\s*>|\[\s*(?:system|inst)\s*\]/,
  },
];

/** Flags `chunkText` when it contains instructions aimed at a model. */
export function flagInstructions(chunkText: string): InstructionFlag {
  const verdict = detectInjection(chunkText);
  const normalized = normalizeText(chunkText);
  const addressed = ADDRESSED_TO_MODEL.filter((rule) => rule.pattern.test(normalized)).map(
    (rule) => rule.name,
  );
  // Documents are long and varied, unlike the prompts the classifier learned from (it scores
  // ordinary documentation chunks as attacks now and then), so only rules flag a chunk; the
  // classifier's score is kept for ranking and traces.
  const reasons = [...verdict.reasons.filter((reason) => reason !== 'classifier'), ...addressed];
  return { flagged: reasons.length > 0, score: reasons.length > 0 ? 1 : verdict.score, reasons };
}
