// `parley eval guard --dataset FILE`: runs the input guard's injection detector over a labelled
// set (JSON lines `{text, label}` or CSV `prompt,type`) through the input guard and prints precision, recall, F1, the
// false-positive rate and per-message latency, ending with the machine-readable line
// `precision=… recall=… f1=… fpr=… p50_ms=… p99_ms=…` (the fast input guard), followed on the same line by
// the two-stage detector's `combined_precision=… combined_recall=… combined_f1=… combined_fpr=…
// escalated=… degraded=… semantic_p50_ms=… semantic_p99_ms=…` unless `--no-semantic`. Beside the
// dataset's figures it reports the false positives on a benign set of real technical questions
// (`--benign FILE`, default examples/eval/benign-technical-questions.jsonl; `--no-benign` skips
// it): `benign_fpr=… benign_blocked=…` at the end of the line, and `combined_benign_fpr=…` with
// the semantic stage. With `--pii` (or `parley eval pii`), the
// dataset is a Presidio-format span set and PII detection is scored per entity type.
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { validationError } from '../errors/index.js';
import {
  formatOf,
  PRESIDIO_LABELS,
  parseLabelledTexts,
  parsePresidioRecords,
  scoreDetector,
  scorePii,
  scoreStagedDetector,
} from '../eval/index.js';
import {
  DEFAULT_GUARD_POLICY,
  defaultSemanticHead,
  detectInjection,
  inspectInput,
  type LabelledText,
  SemanticInjectionStage,
  stripTagCharacters,
} from '../guard/index.js';

const f = (value: number) => value.toFixed(4);
const ms = (value: number) => value.toFixed(3);

/** The held-out benign set: real technical questions (`npm run extract:benign` rebuilds it). */
export const DEFAULT_BENIGN_SET = path.resolve(
  import.meta.dirname,
  '../../examples/eval/benign-technical-questions.jsonl',
);

// The whole input guard (size, injection, topics, PII), as the chat pipeline runs it.
const blocksAsInjection = (text: string) =>
  inspectInput(text, DEFAULT_GUARD_POLICY).decisions.some((decision) => decision.kind === 'injection');

export async function evalGuardCommand(options: {
  dataset: string;
  pii?: boolean;
  semantic?: boolean;
  /** A benign set's path; `false` (`--no-benign`) skips it; unset: the repo's set, if present. */
  benign?: string | false;
}): Promise<void> {
  if (options.pii) return evalPiiCommand(options);
  const data = await readLabelledSet(options.dataset);
  const benign = await readBenignSet(options.benign);
  const score = scoreDetector(data, blocksAsInjection);
  const lines = [
    `dataset:    ${options.dataset} (${score.messages} messages, ${score.attacks} attacks)`,
    'detector:   input guard, default policy (injection rules + hashed n-gram logistic regression, PII)',
    `precision:  ${f(score.precision)}`,
    `recall:     ${f(score.recall)}`,
    `F1:         ${f(score.f1)}`,
    `FPR:        ${f(score.fpr)}`,
    `latency:    p50 ${ms(score.latencyMs.p50)} ms, p99 ${ms(score.latencyMs.p99)} ms, max ${ms(score.latencyMs.max)} ms per message`,
  ];
  let last =
    `precision=${f(score.precision)} recall=${f(score.recall)} f1=${f(score.f1)} fpr=${f(score.fpr)} ` +
    `p50_ms=${ms(score.latencyMs.p50)} p99_ms=${ms(score.latencyMs.p99)}`;
  let benignFields = '';
  if (benign) {
    const blocked = benign.data.filter((item) => blocksAsInjection(item.text)).length;
    const fpr = blocked / benign.data.length;
    lines.push(
      `benign:     ${benign.file} (${benign.data.length} real technical questions): FPR ${f(fpr)} (${blocked} blocked)`,
    );
    benignFields = ` benign_fpr=${f(fpr)} benign_blocked=${blocked}`;
  }
  if (options.semantic !== false) {
    // A generous timeout: the evaluation measures the stage's verdicts, not the machine's load.
    const stage = new SemanticInjectionStage({ head: defaultSemanticHead(), timeoutMs: 60_000 });
    try {
      // The injection check as the input guard runs it (tag characters stripped first).
      const staged = await scoreStagedDetector(
        data,
        (text) => detectInjection(stripTagCharacters(text)),
        stage,
      );
      const { band, threshold } = stage.head;
      lines.push(
        `two-stage:  fast, then Universal Sentence Encoder Lite + logistic regression when the fast score is in [${band.low}, ${band.high}) with no rule fired (attack at >= ${threshold})`,
        `  precision ${f(staged.precision)}, recall ${f(staged.recall)}, F1 ${f(staged.f1)}, FPR ${f(staged.fpr)}`,
        `  escalated ${f(staged.escalated)} of messages (${staged.degraded} degraded); semantic wait p50 ${ms(staged.semanticMs.p50)} ms, p99 ${ms(staged.semanticMs.p99)} ms one at a time, ${ms(staged.batchedMsPerText)} ms per text batched`,
      );
      last +=
        ` combined_precision=${f(staged.precision)} combined_recall=${f(staged.recall)} combined_f1=${f(staged.f1)}` +
        ` combined_fpr=${f(staged.fpr)} escalated=${f(staged.escalated)} degraded=${staged.degraded}` +
        ` semantic_p50_ms=${ms(staged.semanticMs.p50)} semantic_p99_ms=${ms(staged.semanticMs.p99)}`;
      if (benign) {
        const stagedBenign = await scoreStagedDetector(
          benign.data,
          (text) => detectInjection(stripTagCharacters(text)),
          stage,
        );
        lines.push(`  benign FPR ${f(stagedBenign.fpr)} (${f(stagedBenign.escalated)} escalated)`);
        benignFields += ` combined_benign_fpr=${f(stagedBenign.fpr)}`;
      }
    } finally {
      await stage.close();
    }
  }
  process.stdout.write(`${[...lines, last + benignFields, ''].join('\n')}`);
}

async function readLabelledSet(file: string): Promise<LabelledText[]> {
  const content = await readDataset(file);
  return parseOrFail(file, () => parseLabelledTexts(content, formatOf(file)));
}

/** The benign set to report beside the dataset; every text must be labelled benign. */
async function readBenignSet(
  option: string | false | undefined,
): Promise<{ file: string; data: LabelledText[] } | undefined> {
  if (option === false) return undefined;
  // The default set ships with the repository, not with every install: absent, it is skipped.
  if (option === undefined && !existsSync(DEFAULT_BENIGN_SET)) return undefined;
  const file = option ?? DEFAULT_BENIGN_SET;
  const data = await readLabelledSet(file);
  if (data.length === 0 || data.some((item) => item.attack)) {
    throw validationError(`${file}: a benign set needs at least one text, every one labelled benign (0)`);
  }
  return { file: option ?? path.relative(process.cwd(), file), data };
}

export async function evalPiiCommand(options: { dataset: string }): Promise<void> {
  const content = await readDataset(options.dataset);
  const records = parseOrFail(options.dataset, () => parsePresidioRecords(content));
  const scored = scorePii(records).filter((s) => s.labelled > 0 || s.predicted > 0);
  const labelOf = Object.fromEntries(Object.entries(PRESIDIO_LABELS).map(([label, type]) => [type, label]));
  const lines = [
    `dataset: ${options.dataset} (${records.length} texts)`,
    'type    label            labelled  predicted  precision  recall',
  ];
  for (const s of scored) {
    lines.push(
      `${s.type.padEnd(8)}${(labelOf[s.type] ?? '-').padEnd(17)}${String(s.labelled).padStart(8)}  ${String(s.predicted).padStart(9)}  ${f(s.precision).padStart(9)}  ${f(s.recall).padStart(6)}`,
    );
  }
  lines.push(
    scored.map((s) => `${s.type}_precision=${f(s.precision)} ${s.type}_recall=${f(s.recall)}`).join(' '),
    '',
  );
  process.stdout.write(lines.join('\n'));
}

export async function readDataset(file: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (error) {
    throw validationError(
      `cannot read dataset ${file}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`,
    );
  }
}

export function parseOrFail<T>(file: string, parse: () => T): T {
  try {
    return parse();
  } catch (error) {
    throw validationError(
      `${file}: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}`,
    );
  }
}
