// `parley eval gate [--baseline FILE] [--only NAMES] [--update] [--html FILE]`: the evaluation gate. Runs every
// set its baseline file names (each a `parley eval` command of this CLI, in a process of its own,
// from the repository root), reads the command's closing machine-readable line (`name=value …`),
// and fails when a metric falls below its baseline by more than its noise band (or, marked
// `lower_is_better`, rises above it by more). Prints one row per metric; exits 1 on a failure,
// naming it. `--update` writes the figures measured as the new baselines (bands kept); `--html`
// writes the rows as a report (gate-report.ts). CI runs it
// (test/cli/eval-gate.test.ts), so a change that lowers a measured figure does not land unnoticed.
import { execFile } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { z } from 'zod';
import { ParleyError } from '../errors/index.js';
import { type GateRow, type GateRunFacts, gateReportHtml } from './gate-report.js';

const run = promisify(execFile);
const REPO_ROOT = path.resolve(import.meta.dirname, '../..');
/** The committed baselines. */
export const DEFAULT_GATE_FILE = path.join(REPO_ROOT, 'examples', 'eval', 'gate.json');
const CLI = path.join(REPO_ROOT, 'bin', 'parley.js');

const metricSchema = z.object({
  baseline: z.number(),
  band: z.number().min(0),
  lower_is_better: z.boolean().optional(),
});
const gateSchema = z.object({
  about: z.string().optional(),
  sets: z
    .array(
      z.object({
        name: z.string().min(1),
        args: z.array(z.string()).min(1),
        metrics: z.record(z.string(), metricSchema),
      }),
    )
    .min(1),
});
type GateFile = z.infer<typeof gateSchema>;

/** The `name=value` pairs of the last line of `output` that is made of nothing else. */
export function closingFigures(output: string): Record<string, number> {
  const line = output
    .trim()
    .split('\n')
    .reverse()
    .find((candidate) => /^\S+=\S+(?: \S+=\S+)*$/.test(candidate.trim()));
  const figures: Record<string, number> = {};
  for (const pair of line?.trim().split(' ') ?? []) {
    const [name, value] = pair.split('=');
    if (name && value !== undefined && Number.isFinite(Number(value))) figures[name] = Number(value);
  }
  return figures;
}

/** Whether a measured figure is within the band of its baseline, on the side that matters. */
export function withinBand(measured: number, metric: z.infer<typeof metricSchema>): boolean {
  const slack = 1e-9;
  return metric.lower_is_better
    ? measured <= metric.baseline + metric.band + slack
    : measured >= metric.baseline - metric.band - slack;
}

export async function evalGateCommand(options: {
  baseline?: string;
  only?: string;
  update?: boolean;
  /** Also write the rows as an HTML report to this file. */
  html?: string;
}): Promise<void> {
  const file = options.baseline ?? DEFAULT_GATE_FILE;
  const gate = await readGate(file);
  const only = options.only ? new Set(options.only.split(',').map((name) => name.trim())) : undefined;
  const unknown = [...(only ?? [])].filter((name) => !gate.sets.some((set) => set.name === name));
  if (unknown.length > 0) {
    throw new ParleyError('PARLEY_ERR_VALIDATION', `${file}: no set named ${unknown.join(', ')}`);
  }
  const rows: GateRow[] = [];
  const facts: GateRunFacts = { started: new Date().toISOString(), revision: await revision(), sets: [] };
  for (const set of gate.sets) {
    if (only && !only.has(set.name)) continue;
    const command = `parley eval ${set.args.join(' ')}`;
    process.stderr.write(`gate: ${set.name}: ${command}\n`);
    const started = performance.now();
    const { stdout } = await run(process.execPath, [CLI, 'eval', ...set.args], {
      cwd: REPO_ROOT,
      maxBuffer: 64 * 1024 * 1024,
    }).catch((error: { stderr?: string }) => {
      throw new ParleyError(
        'PARLEY_ERR_VALIDATION',
        `gate: ${set.name}: the evaluation failed: ${String(error.stderr ?? error)
          .trim()
          .split('\n')
          .at(-1)}`,
      );
    });
    facts.sets.push({ name: set.name, command, seconds: (performance.now() - started) / 1000 });
    const figures = closingFigures(stdout);
    for (const [metric, bounds] of Object.entries(set.metrics)) {
      const measured = figures[metric];
      rows.push({
        set: set.name,
        metric,
        baseline: bounds.baseline,
        band: bounds.band,
        measured,
        lowerIsBetter: bounds.lower_is_better ?? false,
        pass: measured !== undefined && withinBand(measured, bounds),
      });
      if (options.update && measured !== undefined) bounds.baseline = measured;
    }
  }
  process.stdout.write(
    '| set | metric | baseline | band | measured | verdict |\n| --- | --- | --- | --- | --- | --- |\n',
  );
  for (const row of rows) {
    process.stdout.write(
      `| ${row.set} | ${row.metric} | ${row.baseline} | ±${row.band} | ${row.measured ?? 'missing'} | ${row.pass ? 'pass' : '**FAIL**'} |\n`,
    );
  }
  if (options.html) {
    await writeFile(options.html, gateReportHtml(rows, facts));
    process.stdout.write(`report written to ${options.html}\n`);
  }
  if (options.update) {
    await writeFile(file, `${JSON.stringify(gate, null, 2)}\n`);
    process.stdout.write(`baselines written to ${file}\n`);
    return;
  }
  const failed = rows.filter((row) => !row.pass);
  if (failed.length > 0) {
    throw new ParleyError(
      'PARLEY_ERR_VALIDATION',
      `gate: ${failed.length} metric(s) out of their band: ${failed
        .map(
          (row) =>
            `${row.set} ${row.metric} ${row.measured ?? 'missing'} (baseline ${row.baseline} ±${row.band})`,
        )
        .join('; ')}`,
    );
  }
  process.stdout.write(`gate: all ${rows.length} metrics within their bands\n`);
}

/** The commit of the tree measured, when it is a git checkout with git at hand. */
async function revision(): Promise<string | undefined> {
  try {
    const { stdout } = await run('git', ['rev-parse', '--short', 'HEAD'], { cwd: REPO_ROOT });
    const dirty = (await run('git', ['status', '--porcelain'], { cwd: REPO_ROOT })).stdout.trim() !== '';
    return `${stdout.trim()}${dirty ? ' (with uncommitted changes)' : ''}`;
  } catch {
    return undefined;
  }
}

async function readGate(file: string): Promise<GateFile> {
  const text = await readFile(file, 'utf8').catch((error: unknown) => {
    throw new ParleyError('PARLEY_ERR_VALIDATION', `${file}: cannot read the baseline file`, {
      cause: error,
    });
  });
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new ParleyError('PARLEY_ERR_VALIDATION', `${file}: not JSON`, { cause: error });
  }
  const parsed = gateSchema.safeParse(json);
  if (!parsed.success) {
    throw new ParleyError(
      'PARLEY_ERR_VALIDATION',
      `${file}: ${parsed.error.issues[0]?.message ?? 'invalid'}`,
    );
  }
  return parsed.data;
}
