// `parley eval passages`: scores the document flagger (`flagInstructions`, run on every chunk at
// ingestion) on passages with planted instructions and on real documentation passages, each
// split into the part the rules were tuned on (`train`) and a held-out part. Prints recall and
// the false-positive rate per split and per category, the misses and false alarms with
// `--errors`, and ends with the machine-readable line
// `train_recall=… train_fpr=… heldout_recall=… heldout_fpr=… recall=… fpr=… p50_ms=… p99_ms=…`.
import path from 'node:path';
import {
  type PassageRecord,
  type PassageScore,
  parsePassageRecords,
  percentile,
  scorePassageFlagger,
} from '../eval/index.js';
import { flagInstructions } from '../guard/index.js';
import { parseOrFail, readDataset } from './eval-guard-command.js';

const EVAL_DIR = path.resolve(import.meta.dirname, '../../examples/eval');
/** The planted-instruction passages (hand-written attacks in realistic documents). */
export const DEFAULT_PLANTED_SET = path.join(EVAL_DIR, 'planted-instructions.jsonl');
/** Real documentation passages (`npm run extract:passages` rebuilds it). */
export const DEFAULT_BENIGN_PASSAGES = path.join(EVAL_DIR, 'benign-doc-passages.jsonl');

const f = (value: number) => value.toFixed(4);

export async function evalPassagesCommand(options: {
  planted?: string;
  benign?: string;
  errors?: boolean;
}): Promise<void> {
  const records = [
    ...(await readPassages(options.planted ?? DEFAULT_PLANTED_SET)),
    ...(await readPassages(options.benign ?? DEFAULT_BENIGN_PASSAGES)),
  ];
  const timings: number[] = [];
  const verdicts = new Map<string, boolean>();
  for (const item of records) {
    const start = performance.now();
    verdicts.set(item.text, flagInstructions(item.text).flagged);
    timings.push(performance.now() - start);
  }
  timings.sort((a, b) => a - b);
  const flagged = (text: string) => verdicts.get(text) === true;
  const score = (split?: PassageRecord['split']) =>
    scorePassageFlagger(split ? records.filter((item) => item.split === split) : records, flagged);
  const train = score('train');
  const heldout = score('heldout');
  const all = score();
  const line = (name: string, s: PassageScore) =>
    `${name.padEnd(9)}recall ${f(s.recall)} (${s.caught} of ${s.planted} planted flagged), FPR ${f(s.fpr)} (${s.falsePositives} of ${s.benign} benign flagged)`;
  const lines = [
    'detector: flagInstructions (injection rules + planted-instruction rules, hidden tag/base64 text decoded)',
    line('train', train),
    line('held-out', heldout),
    line('all', all),
    'by category (flagged / passages):',
    ...Object.entries(all.byCategory).map(
      ([category, c]) => `  ${category.padEnd(16)}${String(c.flagged).padStart(4)} / ${c.passages}`,
    ),
  ];
  if (options.errors) {
    for (const item of all.errors) {
      const kind = item.planted ? 'missed' : 'false alarm';
      lines.push(`${kind} [${item.category}, ${item.split}]: ${JSON.stringify(item.text.slice(0, 200))}`);
    }
  }
  lines.push(
    `train_recall=${f(train.recall)} train_fpr=${f(train.fpr)} heldout_recall=${f(heldout.recall)} ` +
      `heldout_fpr=${f(heldout.fpr)} recall=${f(all.recall)} fpr=${f(all.fpr)} ` +
      `p50_ms=${percentile(timings, 0.5).toFixed(3)} p99_ms=${percentile(timings, 0.99).toFixed(3)}`,
    '',
  );
  process.stdout.write(lines.join('\n'));
}

async function readPassages(file: string): Promise<PassageRecord[]> {
  const content = await readDataset(file);
  return parseOrFail(file, () => parsePassageRecords(content));
}
