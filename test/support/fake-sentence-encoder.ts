// A stand-in for the semantic injection stage's encoder (USE Lite in a worker thread), for turn
// tests: it answers at once (or when a test lets it, or never, or with an error) with a vector the
// head scores as an attack or as benign, so a test decides the stage's verdict per message.
import {
  defaultSemanticHead,
  type LoadedSemanticHead,
  SemanticInjectionStage,
} from '../../src/guard/index.js';

export type FakeVerdict = 'attack' | 'benign' | 'fail' | 'hang';

export class FakeSentenceEncoder {
  /** Every text asked for, in order (the stage's window of the message). */
  readonly asked: string[] = [];
  /** What the next texts get, by a word they contain (lower case); others: benign. */
  readonly verdicts = new Map<string, FakeVerdict>();
  /** Until this resolves, no text is answered (a test holds the verdict back). */
  gate: Promise<void> = Promise.resolve();

  constructor(private readonly head: LoadedSemanticHead) {}

  async embed(text: string): Promise<number[]> {
    this.asked.push(text);
    const verdict = [...this.verdicts].find(([word]) => text.toLowerCase().includes(word))?.[1] ?? 'benign';
    if (verdict === 'hang') return new Promise<never>(() => {});
    await this.gate;
    if (verdict === 'fail') throw new Error('fake encoder failed');
    return this.vectorScoring(verdict === 'attack' ? 4 : -4);
  }

  async close(): Promise<void> {}

  /** A vector along the head's weights whose log-odds under the head are `logit`. */
  private vectorScoring(logit: number): number[] {
    const weights = [...this.head.weights];
    const norm = Math.hypot(...weights);
    const scale = (logit - this.head.bias) / norm;
    return weights.map((weight) => (weight / norm) * scale);
  }
}

/** A semantic stage with the shipped head over a fake encoder. */
export function fakeSemanticStage(timeoutMs = 30_000): {
  stage: SemanticInjectionStage;
  encoder: FakeSentenceEncoder;
} {
  const head = defaultSemanticHead();
  const encoder = new FakeSentenceEncoder(head);
  return { stage: new SemanticInjectionStage({ head, embedder: encoder, timeoutMs }), encoder };
}
