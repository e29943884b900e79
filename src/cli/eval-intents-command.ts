// `parley eval intents --dataset FILE`: runs the local intent classifier over a labelled set —
// CLINC150's data_full.json (its test + oos_test splits, mapped onto our intents) or JSON lines
// `{text, label}` (by default only their held-out part, the items training never saw) — and
// prints per-intent precision and recall, macro-F1 and per-message latency, ending with the
// machine-readable line `macro_f1=… accuracy=… p50_ms=… p99_ms=…`. With `--label INTENT`, a JSONL
// of `{text}` or `{question}` lines gathered for something else (the citation set's questions)
// is read as all of that intent and scored in full: a check on messages training never saw.
import { readFile } from 'node:fs/promises';
import { availableParallelism, loadavg } from 'node:os';
import { validationError } from '../errors/index.js';
import {
  CLINC_SPLITS,
  type ClincSplit,
  isHeldOut,
  type LabelledIntent,
  looksLikeClinc,
  parseClinc,
  parseIntentJsonl,
  parseUnlabelledJsonl,
  scoreIntents,
} from '../eval/index.js';
import { defaultIntentClassifier, INTENTS, isIntent } from '../orchestrator/index.js';

const JSONL_SPLITS = ['held-out', 'all'] as const;
const f = (value: number) => value.toFixed(4);
const ms = (value: number) => value.toFixed(3);
/** The score small talk and clarifying questions need by default (`intents.min_score`). */
const SURE_SCORE = 0.85;

export async function evalIntentsCommand(options: {
  dataset: string;
  split?: string;
  label?: string;
}): Promise<void> {
  const { label } = options;
  if (label !== undefined && !isIntent(label)) {
    throw validationError(`--label is one of ${INTENTS.join(', ')}`);
  }
  const content = await readDataset(options.dataset);
  const { data, described } = parseOrFail(options.dataset, () =>
    label === undefined
      ? selectItems(content, options.split)
      : { data: parseUnlabelledJsonl(content, label), described: `all items, each expected to be ${label}` },
  );
  if (data.length === 0) throw validationError(`${options.dataset}: no labelled messages in ${described}`);
  const classifier = defaultIntentClassifier();
  const score = scoreIntents(data, (text) => classifier.classify(text));
  const sureWrong = new Map<string, number>();
  for (const item of data) {
    const result = classifier.classify(item.text);
    if (result.intent !== item.label && result.score >= SURE_SCORE) {
      sureWrong.set(result.intent, (sureWrong.get(result.intent) ?? 0) + 1);
    }
  }
  const lines = [
    `dataset:    ${options.dataset}, ${described} (${score.messages} messages)`,
    `classifier: local hashed n-gram softmax regression, unsure below ${classifier.threshold}`,
    'intent        support  predicted  precision  recall     F1',
    ...score.perIntent
      .filter((row) => row.support > 0 || row.predicted > 0)
      .map(
        (row) =>
          `${row.intent.padEnd(13)}${String(row.support).padStart(8)}  ${String(row.predicted).padStart(9)}  ` +
          `${f(row.precision).padStart(9)}  ${f(row.recall).padStart(6)}  ${f(row.f1).padStart(6)}`,
      ),
    `macro-F1:   ${f(score.macroF1)} (over the intents the set contains)`,
    `confused:   ${mostConfused(score.confusion) || 'none'}`,
    `sure wrong: ${[...sureWrong].map(([intent, count]) => `${intent} ${count}`).join(', ') || 'none'} (score >= ${SURE_SCORE})`,
    `accuracy:   ${f(score.accuracy)}; unsure ${f(score.unsure)}, accuracy when sure ${f(score.accuracySure)}`,
    `latency:    p50 ${ms(score.latencyMs.p50)} ms, p99 ${ms(score.latencyMs.p99)} ms, max ${ms(score.latencyMs.max)} ms per message`,
    // Wall-clock times: on a machine busier than its cores, the tail is time spent preempted.
    `load:       1-minute load average ${loadavg()[0]!.toFixed(1)} on ${availableParallelism()} cores`,
    `macro_f1=${f(score.macroF1)} accuracy=${f(score.accuracy)} ` +
      `p50_ms=${ms(score.latencyMs.p50)} p99_ms=${ms(score.latencyMs.p99)}`,
    '',
  ];
  process.stdout.write(lines.join('\n'));
}

/** The five commonest mistakes, as `expected→predicted count`. */
function mostConfused(confusion: Record<string, Record<string, number>>): string {
  return Object.entries(confusion)
    .flatMap(([expected, row]) =>
      Object.entries(row)
        .filter(([predicted]) => predicted !== expected)
        .map(([predicted, count]) => ({ pair: `${expected}→${predicted}`, count })),
    )
    .sort((a, b) => b.count - a.count)
    .slice(0, 5)
    .map(({ pair, count }) => `${pair} ${count}`)
    .join(', ');
}

function selectItems(
  content: string,
  split: string | undefined,
): { data: LabelledIntent[]; described: string } {
  if (looksLikeClinc(content)) {
    const name = split ?? 'test';
    if (!(CLINC_SPLITS as readonly string[]).includes(name)) {
      throw new Error(`--split for a CLINC file is one of ${CLINC_SPLITS.join(', ')}`);
    }
    return {
      data: parseClinc(content, name as ClincSplit),
      described: `CLINC150 ${name} + oos_${name}, mapped to Parley's intents`,
    };
  }
  const name = split ?? 'held-out';
  if (!(JSONL_SPLITS as readonly string[]).includes(name)) {
    throw new Error(`--split for a JSONL file is one of ${JSONL_SPLITS.join(', ')}`);
  }
  const all = parseIntentJsonl(content);
  return name === 'all'
    ? { data: all, described: 'all items' }
    : {
        data: all.filter((item) => isHeldOut(item.text)),
        described: `the held-out part (hash split) of ${all.length} items`,
      };
}

async function readDataset(file: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (error) {
    throw validationError(
      `cannot read dataset ${file}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`,
    );
  }
}

function parseOrFail<T>(file: string, parse: () => T): T {
  try {
    return parse();
  } catch (error) {
    const message = error instanceof Error ? error.message.split('\n')[0] : String(error);
    throw validationError(`${file}: ${message}`);
  }
}
