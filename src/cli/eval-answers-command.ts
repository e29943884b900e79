// `parley eval answers --set squad|rgb`: asks a question set through the chat pipeline (the turn
// runner `/v1/chat` uses: guards, retrieval, the prompt and the configured model, or extractive
// answers without one) over its own documents, ingested into a fresh, temporary embedded database,
// and scores the answers: SQuAD v2's answerable questions (gold answer contained, token F1) and
// unanswerable ones ("I don't know"), RGB's counterfactual queries (the passages' false answer
// repeated, the true one stated, the error flagged), and every answer sentence's support in the
// passages it cites. Prints which model answered, the figures, and the machine-readable line
// `name=value …` that `parley eval gate` reads.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { ensureTenant, type Runtime } from '../app/index.js';
import type { Config } from '../config/index.js';
import { ParleyError } from '../errors/index.js';
import {
  type AnswerRecord,
  type AnswerScores,
  type AnswerSet,
  corpusSource,
  DEFAULT_SUPPORT_SHARE,
  evaluateAnswers,
  ingestBeirCorpus,
  parseCounterfactualSet,
  parseSquadSet,
  scoreAnswers,
} from '../eval/index.js';
import { ensureKnowledgeBase } from '../knowledge/index.js';
import { getTrace, type TurnContext } from '../orchestrator/index.js';
import { cliCaller } from './command-context.js';
import { keywordIndexOption } from './eval-command.js';
import { withEvalDatabase } from './eval-database.js';

// The shared evaluation data lives beside the Parley folder (as `parley eval gate`'s sets expect).
const SHARED_DATA = path.resolve(import.meta.dirname, '../../../shared/data');
const SETS = {
  squad: {
    file: path.join(SHARED_DATA, 'squad-v2-dev-subset', 'small_flat.jsonl'),
    parse: parseSquadSet,
  },
  rgb: { file: path.join(SHARED_DATA, 'rgb-counterfactual', 'en_fact.json'), parse: parseCounterfactualSet },
} as const;
type SetName = keyof typeof SETS;

export interface EvalAnswersOptions {
  set: string;
  /** The set's file (default: the shared copy). */
  data?: string;
  /** Only the first N questions (queries). */
  limit?: string;
  /** Share of a sentence's content terms its cited passages must hold. */
  supportShare?: string;
  /** Under the figures, every answer that missed: its question, mode and answer. */
  explain?: boolean;
  keep?: boolean;
  keywordIndex?: string;
}

export async function evalAnswersCommand(options: EvalAnswersOptions): Promise<void> {
  const keywordIndex = keywordIndexOption(options.keywordIndex);
  const set = await readAnswerSet(options);
  const supportShare = supportShareOption(options.supportShare);
  // Each question is answered afresh: a repeated question must not be served from the answer cache.
  const env = { PARLEY_ANSWER_CACHE_SECONDS: '0' };
  await withEvalDatabase({ keep: options.keep, keywordIndex, env }, async (runtime, config) => {
    process.stdout.write(
      await answerReport(runtime, config, set, { ...options, supportShare, keywordIndex }),
    );
  });
}

/** The named set, read and limited; a bad option or file fails with a clear message. */
export async function readAnswerSet(options: EvalAnswersOptions): Promise<AnswerSet> {
  if (!(options.set in SETS)) {
    throw new ParleyError(
      'PARLEY_ERR_VALIDATION',
      `--set is ${Object.keys(SETS).join(' or ')}, not ${options.set}`,
    );
  }
  const { file: shared, parse } = SETS[options.set as SetName];
  const limit = options.limit === undefined ? undefined : Number(options.limit);
  if (limit !== undefined && !(Number.isInteger(limit) && limit > 0)) {
    throw new ParleyError('PARLEY_ERR_VALIDATION', `--limit is a whole number above 0, not ${options.limit}`);
  }
  const file = options.data ?? shared;
  const text = await readFile(file, 'utf8').catch((error: unknown) => {
    throw new ParleyError('PARLEY_ERR_VALIDATION', `${file}: cannot read the ${options.set} set`, {
      cause: error,
    });
  });
  return parse(text, file, limit);
}

function supportShareOption(value: string | undefined): number {
  const share = value === undefined ? DEFAULT_SUPPORT_SHARE : Number(value);
  if (!(share > 0 && share <= 1)) {
    throw new ParleyError('PARLEY_ERR_VALIDATION', `--support-share is a number in (0, 1], not ${value}`);
  }
  return share;
}

/** Ingests the set's documents (each scope a tenant of its own), asks its questions, and writes the report. */
export async function answerReport(
  runtime: Runtime,
  config: Config,
  set: AnswerSet,
  options: {
    set: string;
    explain?: boolean | undefined;
    supportShare?: number;
    /** Where keyword search runs, as the runtime was opened (default memory). */
    keywordIndex?: 'memory' | 'database';
  },
): Promise<string> {
  const supportShare = options.supportShare ?? DEFAULT_SUPPORT_SHARE;
  const scopes = new Map<string, { tenantId: string; context: TurnContext }>();
  const texts = new Map<string, string>();
  const started = performance.now();
  let chunks = 0;
  let inMemory = options.keywordIndex !== 'database';
  for (const scope of new Set(set.documents.map((document) => document.scope))) {
    const tenantId = await ensureTenant(runtime.db, `eval-${scope}`);
    const kbId = await ensureKnowledgeBase(runtime.db, tenantId);
    const corpus = set.documents
      .filter((document) => document.scope === scope)
      .map((document) => ({ id: document.key, title: document.title, text: document.text }));
    for (const document of corpus) texts.set(corpusSource(document.id), document.text);
    chunks += (await ingestBeirCorpus(runtime.ingestion, { tenantId, kbId }, { corpus })).chunks;
    if (options.keywordIndex !== 'database')
      inMemory = (await runtime.keywordIndex.warm(tenantId)) && inMemory;
    scopes.set(scope, { tenantId, context: { caller: cliCaller(tenantId) } });
  }
  if (runtime.embeddings) await runtime.embeddings.drain();
  const ingestSeconds = (performance.now() - started) / 1000;
  const chain = config.models.chain;
  process.stderr.write(
    `${options.set}: ${set.documents.length} documents in ${scopes.size} scope(s), ${set.questions.length} questions; ` +
      `answered by ${chain.length ? chain.join(', ') : 'no model (extractive answers)'}\n`,
  );
  const records = await evaluateAnswers(
    {
      turns: runtime.turns,
      scopeContext: (scope) => {
        const found = scopes.get(scope);
        if (found) return found;
        throw new ParleyError('PARLEY_ERR_VALIDATION', `${options.set}: no documents for ${scope}`);
      },
      readTrace: (tenantId, turnId) => getTrace(runtime.db.forTenant(tenantId), tenantId, turnId),
      citedText: (citation) => (citation.source ? texts.get(citation.source) : undefined),
      supportShare,
      onAnswer: (_, done) => {
        if (done % 50 === 0 || done === set.questions.length) {
          process.stderr.write(`asked ${done}/${set.questions.length}\n`);
        }
      },
    },
    set.questions,
  );
  const scores = scoreAnswers(records);
  const lines = [
    `models:      ${chain.length ? chain.join(', ') : 'none configured (PARLEY_MODELS unset): extractive answers'}` +
      (scores.models.length ? `; answered by ${scores.models.join(', ')}` : ''),
    `retriever:   ${runtime.retriever.name} (top-k ${config.retrieval.topK}), keyword search ${inMemory ? 'in memory' : 'in the database'}`,
    `ingestion:   ${set.documents.length} documents, ${chunks} chunks in ${ingestSeconds.toFixed(1)} s`,
    `questions:   ${scores.questions}, turn latency p50 ${scores.latencyMs.p50.toFixed(1)} ms, p99 ${scores.latencyMs.p99.toFixed(1)} ms`,
    `modes:       ${Object.entries(scores.modes)
      .map(([mode, count]) => `${mode} ${count}`)
      .join(', ')}`,
    ...setLines(options.set as SetName, scores),
    `faithful:    ${f(scores.faithfulness.share)} of ${scores.faithfulness.sentences} answer sentences supported by their citations (≥ ${supportShare} of their terms)`,
  ];
  if (options.explain) lines.push(...misses(records));
  lines.push(closingLine(options.set as SetName, scores), '');
  return lines.join('\n');
}

const f = (value: number) => value.toFixed(4);

function setLines(set: SetName, scores: AnswerScores): string[] {
  if (set === 'squad') {
    const { squad } = scores;
    return [
      `answerable:  ${squad.answerable}: gold answer in the answer ${f(squad.answerableHit)}, token F1 ${f(squad.answerableF1)}, declined ${f(squad.answerableDeclined)}`,
      `unanswerable: ${squad.unanswerable}: declined ("I don't know") ${f(squad.unanswerableDeclined)}`,
    ];
  }
  const { counterfactual: rgb } = scores;
  return [
    `queries:     ${rgb.queries}, every passage stating a false answer`,
    `false answer repeated:      ${f(rgb.statesFake)}`,
    `true answer stated:         ${f(rgb.statesTrue)}`,
    `error flagged or declined:  ${f(rgb.flagsError)} (RGB's error detection)`,
    `flagged and corrected:      ${f(rgb.corrects)} (RGB's error correction)`,
  ];
}

function closingLine(set: SetName, scores: AnswerScores): string {
  const faithful = `faithful_sentences=${f(scores.faithfulness.share)}`;
  if (set === 'squad') {
    const { squad } = scores;
    return `answerable_hit=${f(squad.answerableHit)} answerable_f1=${f(squad.answerableF1)} unanswerable_declined=${f(squad.unanswerableDeclined)} ${faithful}`;
  }
  const { counterfactual: rgb } = scores;
  return `fake_answer=${f(rgb.statesFake)} true_answer=${f(rgb.statesTrue)} error_detected=${f(rgb.flagsError)} error_corrected=${f(rgb.corrects)} ${faithful}`;
}

/** The answers that missed: an answerable question unanswered, an unanswerable one answered, a false answer repeated. */
function misses(records: AnswerRecord[]): string[] {
  const lines = ['misses:'];
  for (const record of records) {
    const { question } = record;
    const missed =
      question.kind === 'squad'
        ? question.answerable
          ? !record.hit
          : !record.declined
        : (record.counterfactual?.statesFake ?? false);
    if (!missed) continue;
    const answer = record.answer.replace(/\s+/g, ' ').slice(0, 300);
    lines.push(
      `  - ${question.question}`,
      `      expected: ${question.kind === 'squad' && !question.answerable ? "I don't know" : question.answers.slice(0, 3).join(' | ')}`,
      `      got (${record.mode}): ${answer}`,
    );
  }
  return lines;
}
