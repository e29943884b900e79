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

/** Who registered a prompt: a tenant's id, or SERVER_PROMPT for the server's own (visible to all). */
export const SERVER_PROMPT = '';

/** Stores the prompt if this text is new and records who uses it; returns its version. */
export async function registerPrompt(db: QueryRunner, text: string, owner: string): Promise<PromptVersion> {
  const id = promptVersionId(text);
  await db.transaction(async (client) => {
    await client.query(
      'insert into prompt_versions(id, system_prompt) values ($1, $2) on conflict (id) do nothing',
      [id, text],
    );
    await client.query(
      'insert into prompt_version_owners(tenant_id, version_id) values ($1, $2) on conflict do nothing',
      [owner, id],
    );
  });
  return { id, text };
}

/** The prompt versions a tenant may see: its bots' and the server's. */
export async function listPromptVersions(db: QueryRunner, tenantId: string) {
  return db.query<{ id: string; system_prompt: string; created_at: string }>(
    `select p.id, p.system_prompt, p.created_at from prompt_versions p
      where exists (select 1 from prompt_version_owners o
                     where o.version_id = p.id and o.tenant_id in ($1, ''))
      order by p.created_at desc, p.id`,
    [tenantId],
  );
}
