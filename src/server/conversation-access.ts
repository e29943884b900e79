// Who may see a conversation: an end user (signed in, or named by a key acting for users) only
// their own — any other is 404, as a conversation that is not there; a widget visitor without a
// signed-in user only the ones it started (403, widget/visitor-conversations.ts); a key the
// tenant's every conversation, the users' included.
import type { Principal } from '../edge/index.js';
import { notFound } from '../errors/index.js';
import { isUsersConversation } from '../orchestrator/index.js';
import type { QueryRunner } from '../storage/index.js';
import { assertVisitorOwns, bindVisitorConversation } from './widget/index.js';

/** Whether the tenant has the conversation pending (first turn not stored), for that user if named. */
export type IsPending = (tenantId: string, conversationId: string, userId?: string) => boolean;

/** Throws unless the caller may see `conversationId` (see above); a no-op for a key's own requests. */
export async function assertCallerOwns(
  db: QueryRunner,
  principal: Principal,
  conversationId: string,
  isPending: IsPending = () => false,
): Promise<void> {
  const { userId, tenantId } = principal;
  if (userId === undefined) return assertVisitorOwns(db, principal, conversationId);
  if (isPending(tenantId, conversationId, userId)) return;
  if (!(await isUsersConversation(db, tenantId, conversationId, userId))) throw notFound('conversation');
}

/** Records a widget visitor's new conversation; a user's is theirs by its row (a no-op here). */
export async function bindCallerConversation(
  db: QueryRunner,
  principal: Principal,
  conversationId: string,
): Promise<void> {
  if (principal.userId === undefined) await bindVisitorConversation(db, principal, conversationId);
}
