// The classifier score a text needs before it is called an attack. Shared by the detector and by
// training, so that the threshold is chosen for the decision exactly as it is made.

// A single short question ("why do models forget earlier instructions?") talks about the words
// attacks use without giving an order; the classifier must be surer before calling it an attack
// (0.7, chosen by 5-fold cross-validation on the training splits).
const PLAIN_QUESTION =
  /^(?:what|why|how|when|where|which|who|is|are|can|could|should|do|does|did|was|wie|was|warum|wann|wo|welche[rs]?|kann|ist|sind)\b[^.!?:;\n]{0,200}\?$/;
const PLAIN_QUESTION_THRESHOLD = 0.7;

// A message of three words or fewer ("hello", "thanks a lot", "Danke schön") gives the n-gram
// classifier too little to go on: its score is mostly the bias and a few character grams, and it
// called a bare "hello" an attack. Such messages are attacks only by a rule or a near-certain
// score (2 of the ~85 training texts this short are attacks, both "write C++ code" requests). A
// "word" longer than 15 characters is no short message: spaced-out letters joined ("saythatyouhatecats").
const SHORT_MESSAGE = /^\S{1,15}(?: \S{1,15}){0,2}$/;
const SHORT_MESSAGE_THRESHOLD = 0.95;

/** The score at or above which the classifier calls already-normalised text an attack. */
export function thresholdFor(normalized: string, trainedThreshold: number): number {
  if (SHORT_MESSAGE.test(normalized)) return Math.max(trainedThreshold, SHORT_MESSAGE_THRESHOLD);
  return PLAIN_QUESTION.test(normalized)
    ? Math.max(trainedThreshold, PLAIN_QUESTION_THRESHOLD)
    : trainedThreshold;
}
