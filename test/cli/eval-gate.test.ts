// The evaluation gate, as CI runs it: every committed baseline (examples/eval/gate.json) holds on
// this tree, and a figure below its band fails the command, naming the set and the metric.
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { cliTestTimeout, runCli } from '../support/cli.js';

const GATE = path.resolve(import.meta.dirname, '../../examples/eval/gate.json');

describe('parley eval gate', () => {
  // In three runs, so that each stays well inside one CLI run's time limit on a loaded machine.
  it.each([
    ['fastify-citations'],
    ['deepset-injections,jailbreaks,planted-instructions'],
    ['intents-own,intents-clinc150'],
  ])(
    'holds every committed baseline of %s',
    async (sets) => {
      const result = await runCli(['eval', 'gate', '--only', sets], {});
      expect(result.stderr).not.toMatch(/FAIL|error/i);
      expect(result.code).toBe(0);
      expect(result.stdout).toMatch(/all \d+ metrics within their bands/);
      for (const set of sets.split(',')) expect(result.stdout).toContain(`| ${set} |`);
    },
    cliTestTimeout(1),
  );

  // Two manuals, SciFact and the answer sets: minutes of ingestion (Python's 530 pages take two on
  // an idle machine).
  const LONG_RUN_MS = 20 * 60_000;
  const holdsWithReport = async (sets: string) => {
    const report = path.join(await mkdtemp(path.join(tmpdir(), 'parley-gate-')), 'gate.html');
    const result = await runCli(
      ['eval', 'gate', '--only', sets, '--html', report],
      {},
      undefined,
      LONG_RUN_MS,
    );
    expect(result.stderr).not.toMatch(/FAIL|error/i);
    expect(result.code).toBe(0);
    const html = await readFile(report, 'utf8');
    for (const set of sets.split(',')) {
      expect(result.stdout).toContain(`| ${set} |`);
      expect(html).toContain(`<td>${set}</td>`);
    }
    expect(html).toMatch(/<strong>all \d+ metrics within their bands<\/strong>/);
    expect(html).not.toContain('class="fail"');
  };
  it.each([
    ['git-manual-citations,python-manual-citations'],
    ['scifact-retrieval,squad-answers,rgb-answers'],
  ])(
    'holds every committed baseline of %s, and writes the HTML report',
    holdsWithReport,
    LONG_RUN_MS + 60_000,
  );

  // The classic collections are kept in the repository in BEIR layout (examples/eval/retrieval,
  // docs/benchmarks.md "Retrieval sets").
  it(
    'holds every committed baseline of the classic retrieval sets (Cranfield, CISI, CACM)',
    () => holdsWithReport('cranfield-retrieval,cisi-retrieval,cacm-retrieval'),
    LONG_RUN_MS + 60_000,
  );

  it(
    'fails, naming the metric, when a figure falls below its band, and refuses an unknown set',
    async () => {
      const gate = JSON.parse(await readFile(GATE, 'utf8')) as {
        sets: { name: string; metrics: Record<string, { baseline: number; band: number }> }[];
      };
      const planted = gate.sets.find((set) => set.name === 'planted-instructions')!;
      // A baseline above what the flagger can reach: its recall is "dropped" beyond the band.
      planted.metrics.recall = { baseline: 1.5, band: 0.01 };
      const file = path.join(await mkdtemp(path.join(tmpdir(), 'parley-gate-')), 'gate.json');
      await writeFile(file, JSON.stringify(gate));
      const report = path.join(path.dirname(file), 'gate.html');
      const failed = await runCli(
        ['eval', 'gate', '--baseline', file, '--only', 'planted-instructions', '--html', report],
        {},
      );
      expect(failed.code).toBe(1);
      // The report is written all the same, with the failing row marked.
      const html = await readFile(report, 'utf8');
      expect(html).toMatch(/<tr class="fail"><td>planted-instructions<\/td><td>recall<\/td><td>1\.5<\/td>/);
      expect(html).toContain('<strong>1 of 2 metrics out of their band</strong>');
      expect(failed.stdout).toMatch(/\| planted-instructions \| recall \| 1\.5 \|.*\*\*FAIL\*\*/);
      expect(failed.stderr).toContain('planted-instructions recall 1 (baseline 1.5 ±0.01)');

      const unknown = await runCli(['eval', 'gate', '--baseline', file, '--only', 'no-such-set'], {});
      expect(unknown.code).not.toBe(0);
      expect(unknown.stderr).toContain('no set named no-such-set');
    },
    cliTestTimeout(2),
  );
});
