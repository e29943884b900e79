// System prompts are versioned by content: each distinct text is stored once under the first 16
// hex digits of its SHA-256, and every turn records the version it used.
import { createHash } from 'node:crypto';
import type { QueryRunner } from '../storage/index.js';

export interface PromptVersion {
  id: string;
  text: string;
}

export function promptVersionId(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, 16);
}

/** Stores the prompt if this text is new; returns its version. */
export async function registerPrompt(db: QueryRunner, text: string): Promise<PromptVersion> {
  const id = promptVersionId(text);
  await db.query(
    'insert into prompt_versions(id, system_prompt) values ($1, $2) on conflict (id) do nothing',
    [id, text],
  );
  return { id, text };
}

export async function listPromptVersions(db: QueryRunner) {
  return db.query<{ id: string; system_prompt: string; created_at: string }>(
    'select id, system_prompt, created_at from prompt_versions order by created_at desc, id',
  );
}
