// The semantic second stage of injection detection: a message the fast stage is unsure of (its
// classifier score in the head's grey band, no rule fired) is embedded by Universal Sentence
// Encoder Lite in a worker thread and scored by a logistic-regression head. Sure messages never
// reach it. It never throws into a turn: a failure or a timeout gives back the fast verdict,
// marked `degraded`, and is counted.
import { readFile } from 'node:fs/promises';
import type { InjectionVerdict } from './detect-injection.js';
import {
  isUnsure,
  type LoadedSemanticHead,
  parseSemanticHead,
  scoreEmbedding,
  semanticWindow,
} from './semantic-head.js';
import { SentenceEmbedder, type SentenceEmbedderOptions } from './sentence-embedder.js';

export interface SemanticStageOptions extends SentenceEmbedderOptions {
  /** The trained head (`semantic-model.json`). */
  head: LoadedSemanticHead;
  /** What embeds texts (default: USE Lite in a worker thread); replaceable in tests. */
  embedder?: Pick<SentenceEmbedder, 'embed' | 'close'>;
  /** How long a message may wait for its score before the fast verdict stands. */
  timeoutMs?: number;
  /** Told of each degraded message (a log line, a counter). */
  onDegraded?: (reason: string) => void;
}

/** The combined verdict: the fast one, or the semantic stage's when it was consulted. */
export interface StagedVerdict extends InjectionVerdict {
  /** `fast`: decided by rules or a sure classifier; `semantic`: escalated and scored; `degraded`: escalated, but the stage failed or timed out. */
  stage: 'fast' | 'semantic' | 'degraded';
  /** The semantic head's probability, when it answered. */
  semanticScore?: number;
  /** Why the stage degraded, when it did. */
  error?: string;
}

/** Reads and validates a head file; throws on a missing or malformed file (start-up fails loudly). */
export async function loadSemanticHead(file: string | URL): Promise<LoadedSemanticHead> {
  return parseSemanticHead(JSON.parse(await readFile(file, 'utf8')));
}

export class SemanticInjectionStage {
  readonly head: LoadedSemanticHead;
  private readonly embedder: Pick<SentenceEmbedder, 'embed' | 'close'>;
  private readonly timeoutMs: number;
  private readonly onDegraded: (reason: string) => void;

  constructor(options: SemanticStageOptions) {
    this.head = options.head;
    this.embedder = options.embedder ?? new SentenceEmbedder(options);
    // Loading the encoder takes about half a second on an idle core: call warm() at start-up, or
    // the first unsure messages degrade.
    this.timeoutMs = options.timeoutMs ?? 1000;
    this.onDegraded = options.onDegraded ?? (() => {});
  }

  /** The head's attack probability for `text`, or undefined when the stage failed or timed out. */
  async score(text: string): Promise<number | undefined> {
    const scored = await this.scoreOrError(text);
    return typeof scored === 'number' ? scored : undefined;
  }

  private async scoreOrError(text: string): Promise<number | Error> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no score within ${this.timeoutMs} ms`)), this.timeoutMs);
    });
    try {
      const vector = await Promise.race([this.embedder.embed(semanticWindow(text)), timeout]);
      return scoreEmbedding(this.head, vector);
    } catch (error) {
      const failure = error instanceof Error ? error : new Error(String(error));
      this.onDegraded(failure.message);
      return failure;
    } finally {
      clearTimeout(timer);
    }
  }

  /** Whether `fast` is unsure enough for this stage to be asked (its score in the head's band, no rule fired). */
  escalates(fast: InjectionVerdict): boolean {
    return isUnsure(this.head.band, fast);
  }

  /** Escalates `fast` when it is unsure; otherwise returns it as it is. */
  async check(text: string, fast: InjectionVerdict): Promise<StagedVerdict> {
    if (!isUnsure(this.head.band, fast)) return { ...fast, stage: 'fast' };
    const semanticScore = await this.scoreOrError(text);
    if (semanticScore instanceof Error) return { ...fast, stage: 'degraded', error: semanticScore.message };
    const attack = semanticScore >= this.head.threshold;
    return {
      attack,
      score: Math.round(semanticScore * 1000) / 1000,
      reasons: attack ? ['semantic'] : [],
      stage: 'semantic',
      semanticScore,
    };
  }

  /** Starts the worker and loads the encoder now (at start-up) rather than on the first unsure message; false when it cannot. */
  async warm(): Promise<boolean> {
    try {
      await this.embedder.embed('hello');
      return true;
    } catch (error) {
      this.onDegraded(error instanceof Error ? error.message : String(error));
      return false;
    }
  }

  /** Ends the worker; later calls degrade. */
  close(): Promise<void> {
    return this.embedder.close();
  }
}
