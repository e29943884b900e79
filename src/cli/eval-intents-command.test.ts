import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { runCommand } from './command-context.js';
import { evalIntentsCommand } from './eval-intents-command.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'parley-intents-'));
});
afterEach(() => {
  vi.restoreAllMocks();
  process.exitCode = undefined;
});

/** Runs `parley eval intents` as the CLI wires it; returns what it wrote and its exit code. */
async function run(options: { dataset: string; split?: string; label?: string }) {
  let stdout = '';
  let stderr = '';
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
    stdout += String(chunk);
    return true;
  });
  vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => {
    stderr += String(chunk);
    return true;
  });
  await runCommand(evalIntentsCommand)(options);
  vi.restoreAllMocks();
  return { stdout, stderr, code: process.exitCode ?? 0 };
}

describe('parley eval intents', () => {
  it('scores a JSONL set and ends with the machine-readable line', async () => {
    const rows = [
      { text: 'hello there', label: 'greeting' },
      { text: 'thank you so much', label: 'thanks' },
      { text: 'I want to talk to a person', label: 'human' },
      { text: 'how do I configure the logger?', label: 'question' },
    ];
    const file = path.join(dir, 'set.jsonl');
    await writeFile(file, rows.map((row) => JSON.stringify(row)).join('\n'));
    const result = await run({ dataset: file, split: 'all' });
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/all items \(4 messages\)/);
    expect(result.stdout).toMatch(/^human\s+1\s+\d+\s+\d\.\d{4}\s+\d\.\d{4}/m);
    expect(result.stdout.trimEnd().split('\n').at(-1)).toMatch(
      /^macro_f1=\d\.\d{4} accuracy=\d\.\d{4} p50_ms=\d+\.\d{3} p99_ms=\d+\.\d{3}$/,
    );
  });

  it('reads a set of questions with --label as all of that intent, and counts sure mistakes', async () => {
    const file = path.join(dir, 'questions.jsonl');
    const rows = [
      { question: 'how do I configure the logger?', expected: ['a.md'] },
      { text: 'thanks a lot!' },
    ];
    await writeFile(file, rows.map((row) => JSON.stringify(row)).join('\n'));
    const result = await run({ dataset: file, label: 'question' });
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/all items, each expected to be question \(2 messages\)/);
    expect(result.stdout).toMatch(/^question\s+2\s+1\s/m);
    expect(result.stdout).toMatch(/^sure wrong: thanks 1 \(score >= 0\.85\)$/m);
    const bad = await run({ dataset: file, label: 'smalltalk' });
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/--label is one of greeting/);
  });

  it('scores CLINC test + oos_test, mapped', async () => {
    const file = path.join(dir, 'data_full.json');
    await writeFile(
      file,
      JSON.stringify({ test: [['hello', 'greeting']], oos_test: [['what color is water', 'oos']] }),
    );
    const result = await run({ dataset: file });
    expect(result.stdout).toMatch(/CLINC150 test \+ oos_test, mapped to Parley's intents \(2 messages\)/);
    expect(result.stdout).toMatch(/macro_f1=\S+ accuracy=\S+ p50_ms=\S+ p99_ms=\S+\n$/);
  });

  it('fails with a clear message and exit code 1 on a missing dataset file', async () => {
    const result = await run({ dataset: path.join(dir, 'missing.json') });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^parley: cannot read dataset .*missing\.json: ENOENT\n$/);
    expect(result.stdout).toBe('');
  });

  it('fails with the bad line named on a malformed set, and on an unknown split', async () => {
    const file = path.join(dir, 'bad.jsonl');
    await writeFile(file, '{"text": "hi", "label": "greeting"}\n{"text": "no label"}\n');
    const bad = await run({ dataset: file, split: 'all' });
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/bad\.jsonl: line 2: needs a text and a label/);
    const split = await run({ dataset: file, split: 'test' });
    expect(split.code).toBe(1);
    expect(split.stderr).toMatch(/--split for a JSONL file is one of held-out, all/);
  });
});
