// Benchmark (not a test): how long one crafted upload holds an ingestion worker. The worker's
// whole job (parse, chunk, flag) runs here in-process on inputs from the security review
// (docs/security.md, "Ingestion"): each must finish, or fail cleanly, within seconds.
//
//   npx tsx bench/hostile-inputs.ts
import { prepareDocument } from '../src/knowledge/ingest/prepare-document.js';
import type { DocumentFormat } from '../src/knowledge/parse/index.js';

const cases: { name: string; format: DocumentFormat; text: () => string }[] = [
  { name: 'markdown: one 80,000-letter word', format: 'markdown', text: () => 'a'.repeat(80_000) },
  { name: 'markdown: 1 MB of one repeated word', format: 'markdown', text: () => 'ab'.repeat(500_000) },
  { name: 'html: 280 KB of unclosed <title>', format: 'html', text: () => '<title>'.repeat(40_000) },
  {
    name: 'html: 280 KB of unclosed <a',
    format: 'html',
    text: () => `<title>${'<a'.repeat(140_000)}</title>`,
  },
  {
    name: 'html: 20,000 nested <div>s',
    format: 'html',
    text: () => `${'<div>'.repeat(20_000)}deep text${'</div>'.repeat(20_000)}`,
  },
  {
    name: 'html: 200,000 nested <div>s',
    format: 'html',
    text: () => `${'<div>'.repeat(200_000)}deep text${'</div>'.repeat(200_000)}`,
  },
  { name: 'text: 1 MB without a line break', format: 'text', text: () => 'word '.repeat(200_000) },
];

console.log('| input | bytes | outcome | time (ms) |\n| --- | --- | --- | --- |');
for (const { name, format, text } of cases) {
  const bytes = new TextEncoder().encode(text());
  const started = performance.now();
  let outcome: string;
  try {
    const prepared = await prepareDocument({ bytes, format, filename: `hostile.${format}` });
    outcome = `${prepared.chunks.length} chunks`;
  } catch (error) {
    outcome = `refused: ${(error as Error).message.slice(0, 80)}`;
  }
  console.log(`| ${name} | ${bytes.length} | ${outcome} | ${(performance.now() - started).toFixed(0)} |`);
}
