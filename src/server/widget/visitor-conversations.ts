// Which widget visitor owns which conversation: a publishable key may continue or read only the
// conversations its own visitor started, so one visitor cannot read another's (403).

import type { Principal } from '../../edge/auth/authenticate.js';
import { ParleyError } from '../../errors/index.js';
import type { QueryRunner } from '../../storage/index.js';

const notYours = () =>
  new ParleyError('PARLEY_ERR_FORBIDDEN', 'this conversation was not started by this visitor');

/** Throws 403 unless the publishable caller's visitor started `conversationId`; a no-op for secret keys. */
export async function assertVisitorOwns(db: QueryRunner, principal: Principal, conversationId: string) {
  if (!principal.publishable) return;
  const rows = await db.query(
    `select 1 from visitor_conversations
       where conversation_id = $1 and tenant_id = $2 and key_id = $3 and visitor_id = $4`,
    [conversationId, principal.tenantId, principal.keyId, principal.visitorId],
  );
  if (rows.length === 0) throw notYours();
}

/** Records that the publishable caller's visitor started `conversationId`; a no-op for secret keys. */
export async function bindVisitorConversation(db: QueryRunner, principal: Principal, conversationId: string) {
  if (!principal.publishable) return;
  await db.query(
    `insert into visitor_conversations(conversation_id, tenant_id, key_id, visitor_id)
       values ($1, $2, $3, $4) on conflict (conversation_id) do nothing`,
    [conversationId, principal.tenantId, principal.keyId, principal.visitorId],
  );
}
