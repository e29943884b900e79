// A tenant's keys over their life: created (with scopes and an expiry), listed, revoked, rotated
// (a new secret for the same key id; the old one keeps working for an overlap the caller picks).
// The CLI and the admin API both come here; each change and its audit entry share a transaction.
// A secret is returned once, by create and rotate, and never stored, listed or logged.
import { randomBytes } from 'node:crypto';
import { notFound, ParleyError } from '../../errors/index.js';
import type { Database, Queryable, QueryRunner } from '../../storage/index.js';
import { type AuditActor, recordAudit } from '../audit-log.js';
import {
  DEFAULT_PUBLISHABLE_RATE_LIMIT,
  ensureTenant,
  hashSecret,
  normalizeOrigin,
  type PublishableScope,
} from './api-keys.js';
import type { KeyScope } from './key-scopes.js';

/** How long a rotated-out secret keeps working when the caller does not say. */
export const DEFAULT_ROTATION_OVERLAP_SECONDS = 24 * 3600;
/** The longest overlap a rotation may give the old secret. */
export const MAX_ROTATION_OVERLAP_SECONDS = 30 * 24 * 3600;

const CLI: AuditActor = { keyId: null, via: 'cli' };

export interface CreateKeyOptions {
  label?: string | undefined;
  /** What a secret key may call (default admin, as keys made before scopes). */
  scopes?: KeyScope[] | undefined;
  /** When the key stops working (none: never). */
  expiresAt?: Date | undefined;
  /** Makes a publishable key (`pk_...`) instead of a secret one. */
  publishable?: { bot: string; origins: string[]; ratePerMinute?: number | undefined } | undefined;
  /** Who creates it, for the audit log (default: the command line). */
  actor?: AuditActor | undefined;
}

export interface CreatedKey {
  /** The key itself: shown once, stored only as a hash. */
  key: string;
  keyId: string;
  tenantId: string;
}

/** A key as listed: everything but its secret. */
export interface KeyView {
  id: string;
  kind: 'secret' | 'publishable';
  label: string | null;
  scopes: KeyScope[];
  status: 'active' | 'expired' | 'revoked';
  created_at: string;
  expires_at: string | null;
  last_used_at: string | null;
  revoked_at: string | null;
  rotated_at: string | null;
  /** While a rotated-out secret still works: until when. */
  previous_secret_expires_at: string | null;
  bot: string | null;
  allowed_origins: string[];
}

const VIEW_COLUMNS = `id, kind, label, scopes, created_at, expires_at, last_used_at, revoked_at, rotated_at,
  case when previous_expires_at > now() then previous_expires_at end as previous_expires_at,
  bot, allowed_origins,
  case when revoked_at is not null then 'revoked'
       when expires_at is not null and expires_at <= now() then 'expired'
       else 'active' end as status`;

interface ViewRow {
  id: string;
  kind: 'secret' | 'publishable';
  label: string | null;
  scopes: KeyScope[];
  status: KeyView['status'];
  created_at: Date;
  expires_at: Date | null;
  last_used_at: Date | null;
  revoked_at: Date | null;
  rotated_at: Date | null;
  previous_expires_at: Date | null;
  bot: string | null;
  allowed_origins: string[];
}

const iso = (value: Date | null) => value?.toISOString() ?? null;

function toView(row: ViewRow): KeyView {
  return {
    id: row.id,
    kind: row.kind,
    label: row.label,
    scopes: row.kind === 'publishable' ? ['chat'] : row.scopes,
    status: row.status,
    created_at: row.created_at.toISOString(),
    expires_at: iso(row.expires_at),
    last_used_at: iso(row.last_used_at),
    revoked_at: iso(row.revoked_at),
    rotated_at: iso(row.rotated_at),
    previous_secret_expires_at: iso(row.previous_expires_at),
    bot: row.bot,
    allowed_origins: row.allowed_origins,
  };
}

const newSecret = () => randomBytes(32).toString('base64url');
const keyText = (kind: KeyView['kind'], keyId: string, secret: string) =>
  `${kind === 'publishable' ? 'pk' : 'parley'}_${keyId}_${secret}`;

function publishableScope(publishable: NonNullable<CreateKeyOptions['publishable']>): PublishableScope {
  if (!/^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/.test(publishable.bot))
    throw new ParleyError('PARLEY_ERR_VALIDATION', `not a bot name: ${publishable.bot}`);
  const origins = [...new Set(publishable.origins.map(normalizeOrigin))];
  if (origins.length === 0)
    throw new ParleyError('PARLEY_ERR_VALIDATION', 'a publishable key needs at least one --origin');
  const ratePerMinute = publishable.ratePerMinute ?? DEFAULT_PUBLISHABLE_RATE_LIMIT;
  if (!Number.isInteger(ratePerMinute) || ratePerMinute < 1)
    throw new ParleyError(
      'PARLEY_ERR_VALIDATION',
      'the rate limit must be a whole number of requests, at least 1',
    );
  return { bot: publishable.bot, origins, ratePerMinute };
}

/** Creates a key for `tenantName` (creating the tenant if new); the key is returned once, never stored. */
export async function createApiKey(
  db: Database,
  tenantName: string,
  options: string | CreateKeyOptions = {},
): Promise<CreatedKey> {
  const tenantId = await ensureTenant(db, tenantName);
  return createTenantKey(db, tenantId, typeof options === 'string' ? { label: options } : options);
}

/** Creates a key for an existing tenant (`runner` may be walled to it); returned once, never stored. */
export async function createTenantKey(
  runner: QueryRunner,
  tenantId: string,
  options: CreateKeyOptions,
): Promise<CreatedKey> {
  const scope = options.publishable ? publishableScope(options.publishable) : undefined;
  if (scope && options.scopes) {
    throw new ParleyError('PARLEY_ERR_VALIDATION', 'a publishable key has no scopes: it may only chat');
  }
  if (options.expiresAt && options.expiresAt.getTime() <= Date.now()) {
    throw new ParleyError('PARLEY_ERR_VALIDATION', 'the expiry must be in the future');
  }
  const keyId = randomBytes(8).toString('hex');
  const secret = newSecret();
  const salt = randomBytes(16).toString('base64');
  // Hashed before the transaction: a transaction holds the embedded database, keep it short.
  const hash = await hashSecret(secret, salt);
  const kind = scope ? 'publishable' : 'secret';
  const scopes = scope ? ['chat'] : (options.scopes ?? ['admin']);
  await runner.transaction(async (client) => {
    await client.query(
      `insert into api_keys(id, tenant_id, hash, salt, label, kind, bot, allowed_origins,
                            rate_limit_per_minute, scopes, expires_at)
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
      [
        keyId,
        tenantId,
        hash,
        salt,
        options.label ?? null,
        kind,
        scope?.bot ?? null,
        scope?.origins ?? [],
        scope?.ratePerMinute ?? null,
        scopes,
        options.expiresAt ?? null,
      ],
    );
    await recordAudit(client, tenantId, options.actor ?? CLI, {
      action: 'key.created',
      targetId: keyId,
      details: {
        kind,
        scopes,
        ...(options.label ? { label: options.label } : {}),
        ...(options.expiresAt ? { expires_at: options.expiresAt.toISOString() } : {}),
      },
    });
  });
  return { key: keyText(kind, keyId, secret), keyId, tenantId };
}

/** The tenant's keys, newest first (revoked and expired ones too: their status says so). */
export async function listKeys(runner: QueryRunner, tenantId: string): Promise<KeyView[]> {
  const rows = await runner.query<ViewRow>(
    `select ${VIEW_COLUMNS} from api_keys where tenant_id = $1 order by created_at desc, id`,
    [tenantId],
  );
  return rows.map(toView);
}

/** One of the tenant's keys (404 for another tenant's). */
export async function getKey(runner: QueryRunner, tenantId: string, keyId: string): Promise<KeyView> {
  return toView(await runner.transaction((client) => readKey(client, tenantId, keyId)));
}

async function readKey(client: Queryable, tenantId: string, keyId: string): Promise<ViewRow> {
  const { rows } = await client.query<ViewRow>(
    `select ${VIEW_COLUMNS} from api_keys where id = $1 and tenant_id = $2`,
    [keyId, tenantId],
  );
  // Another tenant's key is not found, as an unknown one.
  if (!rows[0]) throw notFound('key');
  return rows[0];
}

/**
 * Revokes a key: it stops working at once in this process and within a poll in the others.
 * Revoking a revoked key changes nothing (and is not audited again).
 */
export async function revokeKey(
  runner: QueryRunner,
  tenantId: string,
  keyId: string,
  actor: AuditActor = CLI,
): Promise<KeyView> {
  return runner.transaction(async (client) => {
    const { rows } = await client.query(
      `update api_keys set revoked_at = now() where id = $1 and tenant_id = $2 and revoked_at is null
        returning id`,
      [keyId, tenantId],
    );
    if (rows.length > 0)
      await recordAudit(client, tenantId, actor, { action: 'key.revoked', targetId: keyId });
    return toView(await readKey(client, tenantId, keyId));
  });
}

/**
 * Gives a key a new secret. The old one keeps working for `overlapSeconds` (0: not at all), so that
 * clients can move over; a secret rotated out before is dropped at once. Its scopes, expiry and id
 * stay. A revoked or expired key cannot be rotated (409).
 */
export async function rotateKey(
  runner: QueryRunner,
  tenantId: string,
  keyId: string,
  options: { overlapSeconds?: number | undefined; actor?: AuditActor | undefined } = {},
): Promise<CreatedKey & { view: KeyView }> {
  const overlap = options.overlapSeconds ?? DEFAULT_ROTATION_OVERLAP_SECONDS;
  if (!Number.isInteger(overlap) || overlap < 0 || overlap > MAX_ROTATION_OVERLAP_SECONDS) {
    throw new ParleyError(
      'PARLEY_ERR_VALIDATION',
      `the overlap must be a whole number of seconds from 0 to ${MAX_ROTATION_OVERLAP_SECONDS}`,
    );
  }
  const [found] = await runner.query<{ salt: string; kind: KeyView['kind']; status: KeyView['status'] }>(
    `select salt, kind, case when revoked_at is not null then 'revoked'
                             when expires_at is not null and expires_at <= now() then 'expired'
                             else 'active' end as status
       from api_keys where id = $1 and tenant_id = $2`,
    [keyId, tenantId],
  );
  if (!found) throw notFound('key');
  const inactive = () =>
    new ParleyError('PARLEY_ERR_CONFLICT', `key ${keyId} is revoked or expired: create a new one instead`);
  if (found.status !== 'active') throw inactive();
  const secret = newSecret();
  // The key's own salt: one hash of a presented secret then checks the new secret and the old one.
  const hash = await hashSecret(secret, found.salt);
  const view = await runner.transaction(async (client) => {
    const { rows } = await client.query(
      `update api_keys
          set previous_hash = case when $4::int > 0 then hash end,
              previous_expires_at = case when $4::int > 0 then now() + $4::int * interval '1 second' end,
              hash = $3, rotated_at = now()
        where id = $1 and tenant_id = $2 and salt = $5 and revoked_at is null
          and (expires_at is null or expires_at > now())
        returning id`,
      [keyId, tenantId, hash, overlap, found.salt],
    );
    if (rows.length === 0) throw inactive();
    await recordAudit(client, tenantId, options.actor ?? CLI, {
      action: 'key.rotated',
      targetId: keyId,
      details: { overlap_seconds: overlap },
    });
    return toView(await readKey(client, tenantId, keyId));
  });
  return { key: keyText(found.kind, keyId, secret), keyId, tenantId, view };
}

/** The id of an existing tenant named `name` (the CLI names tenants; the API knows their id). */
export async function tenantIdByName(db: Pick<QueryRunner, 'query'>, name: string): Promise<string> {
  const [row] = await db.query<{ id: string }>('select id from tenants where name = $1', [name]);
  if (!row) throw notFound(`tenant ${name}`);
  return row.id;
}
