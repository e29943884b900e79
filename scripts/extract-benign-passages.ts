// `npm run extract:passages`: rebuilds examples/eval/benign-doc-passages.jsonl, the benign half
// of the planted-instruction set on which `parley eval guard --passages` measures the document
// flagger's false positives: real passages of technical documentation, chunk-sized, as written.
//
// - Fastify's documentation (/work/shared/data/fastify-docs, or FASTIFY_DOCS);
// - Git's manuals, as AsciiDoc (`apt-get install git-doc`: /usr/share/doc/git-doc/*.txt);
// - Python's manuals, as reStructuredText (`apt-get install python3.11-doc`:
//   /usr/share/doc/python3.11/html/_sources).
//
// Documents are cut into runs of whole paragraphs of 250 to 1,200 characters. From each source,
// passages with rarer shapes (base64 strings, HTML comments, images, interactive sessions) and
// those that look most like planted instructions to a naive reader are kept first (imperatives
// to the reader, "Note:", "must", example dialogues, base64 strings, HTML comments, images), then
// others evenly spread. Every third passage is marked `heldout`. A source whose files are missing
// is skipped with a note. With `--all FILE`, every passage of the sources (not a sample, all
// marked `train`) is written to FILE instead: a wider check of false alarms.
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

interface Source {
  name: string;
  dir: string;
  /** Which files of `dir` (recursively) to read. */
  accept: (file: string) => boolean;
  take: number;
}

const allAt = process.argv.indexOf('--all');
const everyPassage = allAt >= 0;
const OUT = everyPassage
  ? path.resolve(process.argv[allAt + 1] ?? 'all-doc-passages.jsonl')
  : path.resolve(import.meta.dirname, '../examples/eval/benign-doc-passages.jsonl');
const SOURCES: Source[] = [
  {
    name: 'fastify-docs',
    dir: process.env.FASTIFY_DOCS ?? path.resolve(import.meta.dirname, '../../shared/data/fastify-docs'),
    accept: (file) => file.endsWith('.md'),
    take: 130,
  },
  {
    name: 'git-doc',
    dir: '/usr/share/doc/git-doc',
    accept: (file) => /^[a-z][\w-]*\.txt$/.test(path.basename(file)),
    take: 90,
  },
  {
    name: 'python3.11-doc',
    dir: '/usr/share/doc/python3.11/html/_sources',
    accept: (file) => file.endsWith('.rst.txt'),
    take: 90,
  },
];

// Shapes a careless flagger could mistake for an instruction to a model.
// Rarer shapes kept before the rest, up to a quarter of a source's share: base64 strings, HTML
// comments, Markdown images, interactive sessions.
const RARE = /[A-Za-z0-9+/]{20,}={1,2}|<!--|!\[|^\s*(?:>>>|\$ git)/m;
const TRICKY =
  /\b(?:you (?:should|must|need to|can)|note:|must|should|ignore|assistant|user:|system|prompt|instruction|base64|<!--|!\[|always|never|do not)\b/i;

function filesUnder(dir: string, accept: (file: string) => boolean): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .map((file) => path.join(dir, file))
    .filter(accept)
    .sort();
}

/** Runs of whole paragraphs, each 250 to 1,200 characters. */
function passagesOf(text: string): string[] {
  const passages: string[] = [];
  let run = '';
  for (const paragraph of text.split(/\n\s*\n/)) {
    const trimmed = paragraph.trim();
    if (!trimmed) continue;
    run = run ? `${run}\n\n${trimmed}` : trimmed;
    if (run.length >= 250) {
      if (run.length <= 1200) passages.push(run);
      run = '';
    }
  }
  return passages;
}

/** `count` items spread evenly over `items`. */
const spread = <T>(items: T[], count: number): T[] =>
  items.length <= count
    ? items
    : Array.from({ length: count }, (_, i) => items[Math.floor((i * items.length) / count)] as T);

const rows: string[] = [];
for (const source of SOURCES) {
  if (!existsSync(source.dir)) {
    process.stderr.write(`skipped ${source.name}: ${source.dir} is missing\n`);
    continue;
  }
  const all = filesUnder(source.dir, source.accept).flatMap((file) =>
    passagesOf(readFileSync(file, 'utf8')).map((text) => ({
      text,
      source: `${source.name}: ${path.relative(source.dir, file)}`,
    })),
  );
  if (everyPassage) {
    rows.push(...all.map((passage) => JSON.stringify({ ...passage, label: 0, split: 'train' })));
    continue;
  }
  const picked = spread(
    all.filter((p) => RARE.test(p.text)),
    Math.ceil(source.take / 4),
  );
  const tricky = all.filter((p) => TRICKY.test(p.text) && !picked.includes(p));
  picked.push(...spread(tricky, Math.ceil(source.take / 2) - picked.length));
  const rest = all.filter((p) => !picked.includes(p));
  picked.push(...spread(rest, source.take - picked.length));
  for (const passage of picked) {
    rows.push(
      JSON.stringify({
        text: passage.text,
        label: 0,
        source: passage.source,
        split: rows.length % 3 === 2 ? 'heldout' : 'train',
      }),
    );
  }
}
writeFileSync(OUT, `${rows.join('\n')}\n`);
process.stdout.write(`${rows.length} passages written to ${path.relative(process.cwd(), OUT)}\n`);
