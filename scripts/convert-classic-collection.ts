// `npx tsx scripts/convert-classic-collection.ts --collection cranfield|cisi|cacm --from DIR --out DIR`:
// writes a classic test collection, as distributed in the SMART layout (the Glasgow IR group's
// test-collection files: cran.all.1400 / cran.qry / cranqrel, CISI.ALL / CISI.QRY / CISI.REL,
// cacm.all / query.text / qrels.text), as a BEIR dataset — OUT/corpus.jsonl, OUT/queries.jsonl,
// OUT/qrels/test.tsv — that `parley eval retrieval --dataset OUT` reads. The quirks of each
// collection (query numbering, grade order) are in src/eval/retrieval/classic-collection.ts.
// Where the files came from and the figures measured on them: docs/benchmarks.md, "Retrieval sets".
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import {
  beirFiles,
  CLASSIC_COLLECTIONS,
  type ClassicCollectionName,
  convertClassicCollection,
} from '../src/eval/index.js';

const { values: args } = parseArgs({
  options: {
    collection: { type: 'string' },
    from: { type: 'string' },
    out: { type: 'string' },
  },
});
const names = Object.keys(CLASSIC_COLLECTIONS);
if (!args.collection || !names.includes(args.collection) || !args.from || !args.out) {
  process.stderr.write(
    `usage: convert-classic-collection.ts --collection ${names.join('|')} --from DIR --out DIR\n`,
  );
  process.exit(2);
}
const name = args.collection as ClassicCollectionName;
const { files } = CLASSIC_COLLECTIONS[name];
const read = (file: string) => readFileSync(path.join(args.from!, file), 'latin1');
const converted = convertClassicCollection(name, {
  corpus: read(files.corpus),
  queries: read(files.queries),
  qrels: read(files.qrels),
});
const out = beirFiles(converted);
mkdirSync(path.join(args.out, 'qrels'), { recursive: true });
writeFileSync(path.join(args.out, 'corpus.jsonl'), out.corpus);
writeFileSync(path.join(args.out, 'queries.jsonl'), out.queries);
writeFileSync(path.join(args.out, 'qrels', 'test.tsv'), out.qrels);
const judged = new Set(converted.qrels.map((judgement) => judgement.queryId)).size;
process.stdout.write(
  `${name}: ${converted.corpus.length} documents, ${converted.queries.length} queries (${judged} with relevant documents), ${converted.qrels.length} judgements -> ${args.out}\n`,
);
