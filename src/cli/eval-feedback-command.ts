// `parley eval export-feedback --tenant NAME [--rating down] [--bot ID] --out FILE`: writes the
// tenant's rated answers as a JSONL evaluation set, one `{question, answer, rating, comment,
// citations, turn_id}` per line, the latest rating first. Answers rated down are the questions a
// retrieval or prompt change should fix; those rated up, the answers it must keep.
import { writeFile } from 'node:fs/promises';
import { createRuntime } from '../app/index.js';
import { validationError } from '../errors/index.js';
import { FEEDBACK_RATINGS, type FeedbackRating } from '../orchestrator/index.js';
import { commandContext } from './command-context.js';

/** More than any tenant rates: the export is whole, not a page. */
const EXPORT_LIMIT = 1_000_000;

export interface ExportFeedbackOptions {
  tenant: string;
  out: string;
  rating?: string;
  bot?: string;
}

function ratingOption(value: string | undefined): FeedbackRating | undefined {
  if (value === undefined) return undefined;
  if (!(FEEDBACK_RATINGS as readonly string[]).includes(value))
    throw validationError(`--rating is ${FEEDBACK_RATINGS.join(' or ')}, not ${value}`);
  return value as FeedbackRating;
}

export async function evalExportFeedbackCommand(options: ExportFeedbackOptions): Promise<void> {
  const tenant = options.tenant.trim();
  if (!tenant) throw validationError('--tenant must not be empty');
  const rating = ratingOption(options.rating);
  const { config, log } = commandContext();
  const runtime = await createRuntime(config, log);
  try {
    const [row] = await runtime.db.query<{ id: string }>('select id from tenants where name = $1', [tenant]);
    if (!row) throw validationError(`no tenant named ${tenant}`);
    const entries = await runtime.feedback.list(row.id, {
      ...(rating ? { rating } : {}),
      ...(options.bot ? { bot: options.bot } : {}),
      limit: EXPORT_LIMIT,
    });
    const lines = entries.map((entry) =>
      JSON.stringify({
        question: entry.question,
        answer: entry.answer,
        rating: entry.rating,
        comment: entry.comment,
        citations: entry.citations,
        turn_id: entry.turn_id,
      }),
    );
    await writeFile(options.out, lines.map((line) => `${line}\n`).join(''));
    const down = entries.filter((entry) => entry.rating === 'down').length;
    process.stdout.write(
      `${entries.length} rated answers (${entries.length - down} up, ${down} down) of tenant ${tenant} written to ${options.out}\n`,
    );
  } finally {
    await runtime.close();
  }
}
