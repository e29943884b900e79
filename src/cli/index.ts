// The `parley` command line.
import { Command } from 'commander';
import { chatCommand } from './chat-command.js';
import { runCommand } from './command-context.js';
import { curatedImportCommand } from './curated-command.js';
import { evalAnswersCommand } from './eval-answers-command.js';
import { evalCitationsCommand } from './eval-citations-command.js';
import { evalRetrievalCommand } from './eval-command.js';
import { evalExportFeedbackCommand } from './eval-feedback-command.js';
import { evalGateCommand } from './eval-gate-command.js';
import { evalGuardCommand, evalPiiCommand } from './eval-guard-command.js';
import { evalIntentsCommand } from './eval-intents-command.js';
import { evalPassagesCommand } from './eval-passages-command.js';
import { ingestCommand } from './ingest-command.js';
import { keysCreateCommand, keysListCommand, keysRevokeCommand, keysRotateCommand } from './keys-command.js';
import { migrateCommand } from './migrate-command.js';
import { serveCommand } from './serve-command.js';
import { workerCommand } from './worker-command.js';

const program = new Command('parley')
  .description('Self-hostable, production-grade AI chatbot server')
  .showHelpAfterError();

program
  .command('serve')
  .description('start the HTTP server (default port 8787)')
  .option('-p, --port <port>', 'port to listen on (PARLEY_PORT)')
  .option('--host <host>', 'address to bind (PARLEY_HOST, default 127.0.0.1)')
  .option('--docs <dir>', 'ingest this folder into the default knowledge base first')
  .option('--no-jobs', 'run no background work here (PARLEY_SERVE_JOBS=off): leave it to `parley worker`')
  .option(
    '--workers <n>',
    'processes serving the port (PARLEY_WORKERS): a number, or auto (one per core with REDIS_URL, else 1)',
  )
  .action(runCommand(serveCommand));

program
  .command('worker')
  .description('run background work only (ingestion jobs, embedding backfill, trace retention), no API')
  .action(runCommand(workerCommand));

program
  .command('ingest')
  .description('ingest files or folders (md, txt, html, pdf, docx)')
  .argument('<paths...>', 'files or folders')
  .option('--tenant <name>', 'tenant that owns the documents', 'default')
  .action(runCommand(ingestCommand));

program
  .command('chat')
  .description('chat in the terminal against the same pipeline')
  .option('--tenant <name>', 'tenant whose documents to use', 'default')
  .option('--bot <id>', 'the bot to talk to (default: parley)')
  .action(runCommand(chatCommand));

const keys = program.command('keys').description('manage API keys');
keys
  .command('create')
  .description('create an API key for a tenant (created if new); the key is the last line of output')
  .requiredOption('--tenant <name>', 'tenant name')
  .option('--label <label>', 'a note to recognise the key by')
  .option(
    '--scope <scope>',
    'what a secret key may call: chat, read or admin (repeatable or comma-separated; default admin)',
    (value: string, previous: string[] = []) => [...previous, value],
  )
  .option('--expires-in <duration>', 'the key stops working after this long: 90m, 12h, 30d')
  .option('--publishable', 'a publishable key for the web widget: chat only, one bot, listed origins')
  .option('--bot <bot>', 'the bot a publishable key talks to (default parley)')
  .option(
    '--origin <url>',
    'an origin whose pages may use the publishable key (repeatable)',
    (value: string, previous: string[] = []) => [...previous, value],
  )
  .option('--rate-limit <n>', 'requests per minute per visitor IP for a publishable key (default 20)')
  .action(runCommand(keysCreateCommand));
keys
  .command('list')
  .description("list a tenant's keys (never their secrets): scopes, status, expiry, last use")
  .requiredOption('--tenant <name>', 'tenant name')
  .action(runCommand(keysListCommand));
keys
  .command('revoke')
  .description('revoke a key: every server refuses it within a second')
  .argument('<id>', 'the key id (the 16 hex digits after parley_ or pk_)')
  .requiredOption('--tenant <name>', 'the tenant that owns the key')
  .action(runCommand(keysRevokeCommand));
keys
  .command('rotate')
  .description('give a key a new secret (the last line of output); the old one works for the overlap')
  .argument('<id>', 'the key id (the 16 hex digits after parley_ or pk_)')
  .requiredOption('--tenant <name>', 'the tenant that owns the key')
  .option('--overlap <duration>', 'how long the old secret keeps working: 0, 90m, 24h (default 24h)')
  .action(runCommand(keysRotateCommand));

const curated = program
  .command('curated')
  .description("manage a bot's curated answers (sent without a model call)");
curated
  .command('import')
  .description(
    'add question -> answer pairs from a CSV (question,answer header) or JSONL file; known questions get the new answer',
  )
  .requiredOption('--bot <id>', 'the bot whose curated answers these are (e.g. parley)')
  .requiredOption(
    '--file <file>',
    'a .csv file with a question,answer header, or a .jsonl file of {"question", "answer"}',
  )
  .option('--tenant <name>', 'the tenant that owns the bot', 'default')
  .action(runCommand(curatedImportCommand));

program
  .command('migrate')
  .description('apply pending database migrations')
  .action(runCommand(migrateCommand));

const evaluate = program.command('eval').description('measure quality');
evaluate
  .command('retrieval')
  .description('run a BEIR-format dataset through ingestion and retrieval; print nDCG@10, Recall@100, MRR@10')
  .requiredOption('--dataset <dir>', 'folder with corpus.jsonl, queries.jsonl and qrels/<split>.tsv')
  .option('--split <name>', 'qrels split to evaluate', 'test')
  .option('--keep', 'keep the temporary evaluation database')
  .option(
    '--database-url <url>',
    'evaluate on this (empty) PostgreSQL database instead of a temporary embedded one',
  )
  .option(
    '--keyword-index <where>',
    'keyword search in memory (as a server does) or in the database: memory | database',
    'memory',
  )
  .action(runCommand(evalRetrievalCommand));
evaluate
  .command('citations')
  .description('ask a JSONL question set of the chat pipeline over a docs folder; print hit@1, hit@3, MRR')
  .requiredOption(
    '--questions <file>',
    'JSONL file of {"question": "...", "expected": ["page.md"]} lines (a file name, or a path relative to --docs)',
  )
  .requiredOption('--docs <dir>', 'folder of documents to ingest')
  .option(
    '--ext <list>',
    'ingest only files with these extensions, e.g. html (a manual with its sources beside it)',
  )
  .option('--keep', 'keep the temporary evaluation database')
  .option('--explain', 'under each miss: the answer mode and where retrieval ranked the expected page')
  .option(
    '--keyword-index <where>',
    'keyword search in memory (as a server does) or in the database: memory | database',
    'memory',
  )
  .action(runCommand(evalCitationsCommand));
evaluate
  .command('answers')
  .description(
    'ask SQuAD v2 or RGB counterfactual questions of the chat pipeline over their passages; print answer, "I don\'t know" and faithfulness figures',
  )
  .requiredOption('--set <name>', 'squad (SQuAD v2 dev subset) | rgb (RGB counterfactual set)')
  .option(
    '--data <file>',
    'the set file (default: ../shared/data/squad-v2-dev-subset/small_flat.jsonl or ../shared/data/rgb-counterfactual/en_fact.json beside the Parley folder)',
  )
  .option('--limit <n>', 'only the first N questions (queries)')
  .option(
    '--support-share <share>',
    "share of an answer sentence's content terms its cited passages must hold to count as supported (default 0.6)",
  )
  .option('--explain', 'list every miss: the question, the expected answer, the mode and the answer')
  .option('--keep', 'keep the temporary evaluation database')
  .option(
    '--keyword-index <where>',
    'keyword search in memory (as a server does) or in the database: memory | database',
    'memory',
  )
  .action(runCommand(evalAnswersCommand));
evaluate
  .command('guard')
  .description(
    'score prompt-injection detection on a labelled set; print precision, recall, F1, FPR, latency',
  )
  .requiredOption(
    '--dataset <file>',
    'JSONL of {"text", "label"} (1/0, jailbreak/benign) or CSV with prompt,type',
  )
  .option('--pii', 'score PII detection on a Presidio-format span set instead')
  .option('--no-semantic', 'score the fast stage alone (no sentence-embedding second stage)')
  .option(
    '--benign <file>',
    'benign set whose false-positive rate is reported beside (default: examples/eval/benign-technical-questions.jsonl)',
  )
  .option('--no-benign', 'report no benign set')
  .action(runCommand(evalGuardCommand));
evaluate
  .command('passages')
  .description(
    'score the document flagger on planted instructions and real documentation; print recall and FPR per split',
  )
  .option(
    '--planted <file>',
    'JSONL of passages with planted instructions (default: examples/eval/planted-instructions.jsonl)',
  )
  .option(
    '--benign <file>',
    'JSONL of documentation passages (default: examples/eval/benign-doc-passages.jsonl)',
  )
  .option('--errors', 'print every missed plant and every false alarm')
  .action(runCommand(evalPassagesCommand));
evaluate
  .command('intents')
  .description('score the local intent classifier; print per-intent precision and recall, macro-F1, latency')
  .requiredOption(
    '--dataset <file>',
    'CLINC150 data_full.json (scored on test + oos_test, mapped) or JSONL of {"text", "label"}',
  )
  .option(
    '--split <name>',
    'CLINC: test (default; train and val are trained on) | val | train; JSONL: held-out (default) | all',
  )
  .option(
    '--label <intent>',
    'read a JSONL of {"text"} or {"question"} as all of this intent, scored in full (e.g. question)',
  )
  .action(runCommand(evalIntentsCommand));
evaluate
  .command('pii')
  .description('score PII detection per entity type on a Presidio-format span set (JSON)')
  .requiredOption(
    '--dataset <file>',
    'JSON array of {full_text, spans: [{entity_type, start_position, end_position}]}',
  )
  .action(runCommand(evalPiiCommand));
evaluate
  .command('gate')
  .description('run the evaluation sets of a baseline file; fail when a metric drops beyond its noise band')
  .option('--baseline <file>', 'the baselines (default: examples/eval/gate.json)')
  .option('--only <names>', 'only these sets, comma-separated')
  .option('--update', 'write the figures measured as the new baselines')
  .option('--html <file>', 'also write the results as an HTML report')
  .action(runCommand(evalGateCommand));
evaluate
  .command('export-feedback')
  .description("write a tenant's rated answers as a JSONL evaluation set (the latest rating first)")
  .requiredOption('--tenant <name>', 'the tenant whose ratings to export')
  .requiredOption(
    '--out <file>',
    'the JSONL file to write: {question, answer, rating, comment, citations, turn_id} per line',
  )
  .option('--rating <rating>', 'only answers rated up, or down')
  .option('--bot <id>', "only this bot's answers")
  .action(runCommand(evalExportFeedbackCommand));

await program.parseAsync(process.argv);
