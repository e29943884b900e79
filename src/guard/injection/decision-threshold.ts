// The classifier score a text needs before it is called an attack. Shared by the detector and by
// training, so that the threshold is chosen for the decision exactly as it is made.

// A single short question ("why do models forget earlier instructions?") talks about the words
// attacks use without giving an order; the classifier must be surer before calling it an attack
// (0.7, chosen by 5-fold cross-validation on the training splits).
const PLAIN_QUESTION =
  /^(?:what|why|how|when|where|which|who|is|are|can|could|should|do|does|did|was|wie|was|warum|wann|wo|welche[rs]?|kann|ist|sind)\b[^.!?:;\n]{0,200}\?$/;
const PLAIN_QUESTION_THRESHOLD = 0.7;

/** The score at or above which the classifier calls already-normalised text an attack. */
export function thresholdFor(normalized: string, trainedThreshold: number): number {
  return PLAIN_QUESTION.test(normalized)
    ? Math.max(trainedThreshold, PLAIN_QUESTION_THRESHOLD)
    : trainedThreshold;
}
