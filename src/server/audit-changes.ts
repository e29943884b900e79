// The audit log's entries for changes made through routes other than the keys' (those write theirs
// in the change's own transaction): bots, documents, budgets, retention, curated answers, HTTP tools
// and tool secrets. After a route below answers 2xx, one entry naming the caller's key, the route's target
// and the names of the fields the body carried (never values), written in the background
// (retried), off the request's critical path.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { recordAudit } from '../edge/index.js';
import type { BackgroundRunner } from '../jobs/index.js';
import type { Database } from '../storage/index.js';

/** The audited routes and their action. */
const AUDITED: Record<string, string> = {
  'POST /v1/bots': 'bot.created',
  'PATCH /v1/bots/:id': 'bot.updated',
  'DELETE /v1/bots/:id': 'bot.deleted',
  'POST /v1/documents': 'document.uploaded',
  'DELETE /v1/documents/:id': 'document.deleted',
  'PUT /v1/budgets': 'budget.updated',
  'POST /v1/bots/:bot/curated-answers': 'curated.created',
  'POST /v1/bots/:bot/curated-answers/import': 'curated.imported',
  'PATCH /v1/bots/:bot/curated-answers/:id': 'curated.updated',
  'DELETE /v1/bots/:bot/curated-answers/:id': 'curated.deleted',
  'PUT /v1/tools/:name': 'tool.saved',
  'DELETE /v1/tools/:name': 'tool.deleted',
  'PUT /v1/tool-secrets/:name': 'tool_secret.set',
  'DELETE /v1/tool-secrets/:name': 'tool_secret.deleted',
  'DELETE /v1/users/:id': 'user.erased',
  'PUT /v1/retention': 'retention.updated',
};

type Fields = Record<string, unknown>;
const asFields = (value: unknown): Fields =>
  typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Fields) : {};

/** What was acted on: the path's id or name, else the id the answer gives a created thing. */
function targetOf(request: FastifyRequest, payload: unknown): string | null {
  const params = asFields(request.params);
  if (typeof params.id === 'string') return params.id;
  if (typeof params.name === 'string') return params.name;
  if (typeof payload === 'string' && payload.startsWith('{')) {
    try {
      const body = asFields(JSON.parse(payload));
      const id = body.id ?? body.document_id;
      if (typeof id === 'string') return id;
    } catch {
      // not JSON after all: no target but the path's
    }
  }
  return typeof params.bot === 'string' ? params.bot : null;
}

export function auditChanges(
  app: FastifyInstance,
  { db, tasks }: { db: Pick<Database, 'forTenant'>; tasks: BackgroundRunner },
): void {
  app.addHook('onSend', async (request, reply, payload) => {
    const action = AUDITED[`${request.method} ${request.routeOptions.url}`];
    if (!action || reply.statusCode >= 300 || !request.principal) return payload;
    const { tenantId, keyId } = request.principal;
    const params = asFields(request.params);
    const details: Fields = {
      ...(typeof params.bot === 'string' ? { bot: params.bot } : {}),
      fields: Object.keys(asFields(request.body)).sort(),
    };
    const entry = { action, targetId: targetOf(request, payload), details, at: new Date() };
    void tasks.enqueue('audit-log', () =>
      db
        .forTenant(tenantId)
        .transaction((client) => recordAudit(client, tenantId, { keyId, via: 'api' }, entry)),
    );
    return payload;
  });
}
