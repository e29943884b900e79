// `parley eval citations --questions FILE --docs DIR`: ingests DIR into a fresh, temporary embedded
// database, asks every question of the chat pipeline and checks that the page that answers it is
// cited. Prints hit@1, hit@3, MRR and latency, then every miss, ending with the machine-readable
// line `hit@1=… hit@3=… mrr=…`.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { ensureTenant } from '../app/index.js';
import { ParleyError } from '../errors/index.js';
import { evaluateCitations, pageNames, parseCitationQuestions } from '../eval/index.js';
import { ensureKnowledgeBase } from '../knowledge/index.js';
import { collectFiles } from './collect-files.js';
import { cliCaller } from './command-context.js';
import { keywordIndexOption } from './eval-command.js';
import { withEvalDatabase } from './eval-database.js';
import { ingestFiles } from './ingest-files.js';

export async function evalCitationsCommand(options: {
  questions: string;
  docs: string;
  keep?: boolean;
  /** Under each miss, how the turn answered and where retrieval ranked the expected page. */
  explain?: boolean;
  /** Keyword search in memory (as a server does, the default) or in the database. */
  keywordIndex?: string;
  /** Only files with these extensions (comma-separated, e.g. `html`): a manual shipped with its sources beside it. */
  ext?: string;
}): Promise<void> {
  const keywordIndex = keywordIndexOption(options.keywordIndex);
  const text = await readFile(options.questions, 'utf8').catch((error: unknown) => {
    throw new ParleyError('PARLEY_ERR_VALIDATION', `${options.questions}: cannot read the question file`, {
      cause: error,
    });
  });
  const questions = parseCitationQuestions(text, options.questions);
  const extensions = options.ext
    ?.split(',')
    .map((ext) => `.${ext.trim().replace(/^\./, '').toLowerCase()}`)
    .filter((ext) => ext !== '.');
  const files = (await collectFiles([options.docs])).files.filter(
    (file) => !extensions?.length || extensions.includes(path.extname(file).toLowerCase()),
  );
  const root = path.resolve(options.docs);
  if (files.length === 0) {
    throw new ParleyError('PARLEY_ERR_VALIDATION', `${options.docs}: no supported documents to ingest`);
  }
  // An expected page that is not in the corpus can never be cited: a typo, not a miss.
  // A page is named by its file name or by its path relative to the docs folder.
  const pages = new Set(files.flatMap((file) => pageNames({ source: file, title: '' }, root)));
  for (const { expected, line } of questions) {
    const unknown = expected.filter((page) => !pages.has(page));
    if (unknown.length) {
      throw new ParleyError(
        'PARLEY_ERR_VALIDATION',
        `${options.questions}:${line}: expected page(s) not found in ${options.docs}: ${unknown.join(', ')}`,
      );
    }
  }

  await withEvalDatabase({ keep: options.keep, keywordIndex }, async (runtime, config) => {
    const tenantId = await ensureTenant(runtime.db, 'eval');
    const kbId = await ensureKnowledgeBase(runtime.db, tenantId);
    process.stderr.write(`docs ${options.docs}: ${files.length} files; ${questions.length} questions\n`);
    const ingest = await ingestFiles(runtime.ingestion, { tenantId, kbId }, files);
    for (const failure of ingest.failed)
      process.stderr.write(`parley: skipped ${failure.file}: ${failure.reason}\n`);
    const inMemory = keywordIndex === 'memory' && (await runtime.keywordIndex.warm(tenantId));
    const explain = options.explain
      ? async (question: string) =>
          (await runtime.retriever.search(question, { tenantId, topK: config.retrieval.topK })).chunks
      : undefined;
    const scores = await evaluateCitations(
      runtime.turns,
      { caller: cliCaller(tenantId) },
      questions,
      root,
      explain,
    );
    const f = (value: number) => value.toFixed(4);
    const lines = [
      `retriever:  ${runtime.retriever.name} (top-k ${config.retrieval.topK}), keyword search ${inMemory ? 'in memory' : 'in the database'}`,
      `ingestion:  ${ingest.documents} documents, ${ingest.chunks} chunks in ${ingest.seconds.toFixed(1)} s` +
        (ingest.failed.length ? `, ${ingest.failed.length} failed` : ''),
      `questions:  ${scores.questions}, turn latency p50 ${scores.latencyMs.p50.toFixed(1)} ms, p99 ${scores.latencyMs.p99.toFixed(1)} ms`,
      `hit@1:      ${f(scores.hitAt1)}`,
      `hit@3:      ${f(scores.hitAt3)}`,
      `MRR:        ${f(scores.mrr)}`,
      `misses:     ${scores.misses.length} (expected page not among the first three citations)`,
    ];
    for (const miss of scores.misses) {
      lines.push(
        `  - ${miss.question}`,
        `      expected: ${miss.expected.join(', ')}`,
        `      got:      ${miss.got.length ? miss.got.join(', ') : '(no citations)'}`,
      );
      if (miss.retrieved) {
        const { pages: found, expectedRank } = miss.retrieved;
        lines.push(
          `      answer:   ${miss.mode}; expected page ${expectedRank ? `retrieved at page rank ${expectedRank}` : 'not retrieved'} (top-${config.retrieval.topK} passages: ${found.join(', ') || 'none'})`,
        );
      }
    }
    lines.push(`hit@1=${f(scores.hitAt1)} hit@3=${f(scores.hitAt3)} mrr=${f(scores.mrr)}`, '');
    process.stdout.write(lines.join('\n'));
  });
}
