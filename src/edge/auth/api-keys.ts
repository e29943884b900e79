// API keys: `parley_<id>_<secret>` (secret keys) or `pk_<id>_<secret>` (publishable keys for the
// web widget), stored only as scrypt(secret, salt) and scoped to a tenant.
// scrypt runs on libuv's thread pool; verified keys are cached (by a SHA-256 of the key) so a
// request pays the slow hash once per key per few minutes, not on every call. Guesses are bounded
// too: at most two hashes run at once (the pool's other threads stay free for the file system
// and the embedded database), a wrong key is remembered for a minute, and an unknown key id costs
// the same hash as a known one, so timing does not tell whether an id exists.
import { createHash, randomBytes, randomUUID, scrypt, timingSafeEqual } from 'node:crypto';
import { promisify } from 'node:util';
import pLimit from 'p-limit';
import { ParleyError } from '../../errors/index.js';
import type { Database } from '../../storage/index.js';

const scryptAsync = promisify(scrypt) as (password: string, salt: string, keylen: number) => Promise<Buffer>;
const KEY_PATTERN = /^(parley|pk)_([0-9a-f]{16})_([A-Za-z0-9_-]{43})$/;
/** What a publishable key may do when it is not given a limit of its own. */
export const DEFAULT_PUBLISHABLE_RATE_LIMIT = 20;
const CACHE_TTL_MS = 5 * 60_000;
const CACHE_MAX = 10_000;
/** How long a wrong key is refused without hashing it again. */
const REFUSED_TTL_MS = 60_000;
/** Hashes of presented secrets running at once, over the whole process (libuv's pool has 4 threads). */
const HASHES_AT_ONCE = 2;
/** What an unknown key id's secret is hashed with, so it takes as long as a known id's. */
const DECOY_SALT = randomBytes(16).toString('base64');

/**
 * A key meant to be seen by browsers (the widget's `data-key`): chat only, for one bot, from the
 * listed origins, under its own per-minute request limit.
 */
export interface PublishableScope {
  bot: string;
  /** Exact origins (`https://example.com`, no path) whose pages may use the key. */
  origins: string[];
  ratePerMinute: number;
}

/** Who a valid key belongs to. */
export interface KeyIdentity {
  keyId: string;
  tenantId: string;
  /** Set for a publishable key; absent for a secret key. */
  publishable?: PublishableScope;
}

export interface CreateKeyOptions {
  label?: string;
  /** Makes a publishable key (`pk_...`) instead of a secret one. */
  publishable?: { bot: string; origins: string[]; ratePerMinute?: number };
}

/** `https://example.com:8443` from a URL the operator typed; throws on anything that is not an http(s) origin. */
export function normalizeOrigin(value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new ParleyError(
      'PARLEY_ERR_VALIDATION',
      `not an origin: ${value} (expected e.g. https://example.com)`,
    );
  }
  if ((url.protocol !== 'http:' && url.protocol !== 'https:') || url.pathname.length > 1 || url.search) {
    throw new ParleyError(
      'PARLEY_ERR_VALIDATION',
      `not an origin: ${value} (scheme, host and port only, e.g. https://example.com)`,
    );
  }
  return url.origin;
}

function dependencyDown(error: unknown): ParleyError {
  return new ParleyError('PARLEY_ERR_DEPENDENCY', 'cannot check the API key: the database is unavailable', {
    cause: error,
    isRetryable: true,
  });
}

export async function ensureTenant(db: Database, name: string): Promise<string> {
  const rows = await db.query<{ id: string }>(
    `insert into tenants(id, name) values ($1, $2)
       on conflict (name) do update set name = excluded.name returning id`,
    [randomUUID(), name],
  );
  return rows[0]!.id;
}

export async function hashSecret(secret: string, salt: string): Promise<string> {
  return (await scryptAsync(secret, salt, 32)).toString('base64');
}

/** Creates a key for `tenantName` (creating the tenant if new); the key is returned once, never stored. */
export async function createApiKey(
  db: Database,
  tenantName: string,
  options: string | CreateKeyOptions = {},
): Promise<{ key: string; keyId: string; tenantId: string }> {
  const { label, publishable } = typeof options === 'string' ? { label: options } : options;
  let scope: PublishableScope | undefined;
  if (publishable) {
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
    scope = { bot: publishable.bot, origins, ratePerMinute };
  }
  const tenantId = await ensureTenant(db, tenantName);
  const keyId = randomBytes(8).toString('hex');
  const secret = randomBytes(32).toString('base64url');
  const salt = randomBytes(16).toString('base64');
  await db.query(
    `insert into api_keys(id, tenant_id, hash, salt, label, kind, bot, allowed_origins, rate_limit_per_minute)
       values ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
    [
      keyId,
      tenantId,
      await hashSecret(secret, salt),
      salt,
      label ?? null,
      scope ? 'publishable' : 'secret',
      scope?.bot ?? null,
      scope?.origins ?? [],
      scope?.ratePerMinute ?? null,
    ],
  );
  return { key: `${scope ? 'pk' : 'parley'}_${keyId}_${secret}`, keyId, tenantId };
}

interface KeyRow {
  tenant_id: string;
  hash: string;
  salt: string;
  kind: string;
  bot: string | null;
  allowed_origins: string[];
  rate_limit_per_minute: number | null;
}

/** The union of every active publishable key's origins: what a CORS preflight (which carries no key) may be told. */
export async function publishableOrigins(db: Database): Promise<Set<string>> {
  const rows = await db.query<{ origin: string }>(
    `select distinct unnest(allowed_origins) as origin from api_keys
       where kind = 'publishable' and revoked_at is null`,
  );
  return new Set(rows.map((row) => row.origin));
}

export class KeyVerifier {
  private readonly cache = new Map<string, { identity: KeyIdentity; expires: number }>();
  /** Digests of keys found wrong lately (unknown id, revoked, or a wrong secret): expiry by digest. */
  private readonly refused = new Map<string, number>();
  private readonly hashing = pLimit(HASHES_AT_ONCE);
  private anyKey: { value: boolean; expires: number } | undefined;

  constructor(
    private readonly db: Database,
    /** scrypt of a presented secret with a key's salt (replaceable to count hashes in tests). */
    private readonly hash: (secret: string, salt: string) => Promise<string> = hashSecret,
  ) {}

  /** The key's identity, or undefined when it is malformed, unknown, revoked or wrong. */
  async verify(presented: string): Promise<KeyIdentity | undefined> {
    const match = KEY_PATTERN.exec(presented);
    if (!match) return undefined;
    const digest = createHash('sha256').update(presented).digest('base64');
    const cached = this.cache.get(digest);
    if (cached && cached.expires > Date.now()) return cached.identity;
    if ((this.refused.get(digest) ?? 0) > Date.now()) return undefined;

    const [, prefix, keyId, secret] = match as unknown as [string, string, string, string];
    const rows = await this.db
      .query<KeyRow>(
        `select tenant_id, hash, salt, kind, bot, allowed_origins, rate_limit_per_minute
           from api_keys where id = $1 and revoked_at is null`,
        [keyId],
      )
      .catch((error: unknown) => {
        throw dependencyDown(error);
      });
    const row = rows[0];
    // The prefix says which kind the key is: a secret key's id under `pk_` (or the reverse) is refused.
    const usable = row !== undefined && (row.kind === 'publishable') === (prefix === 'pk');
    const actual = Buffer.from(
      await this.hashing(() => this.hash(secret, usable ? row.salt : DECOY_SALT)),
      'base64',
    );
    const expected = usable ? Buffer.from(row.hash, 'base64') : undefined;
    if (!row || !expected || expected.length !== actual.length || !timingSafeEqual(expected, actual)) {
      this.remember(this.refused, digest, Date.now() + REFUSED_TTL_MS);
      return undefined;
    }

    const identity: KeyIdentity = { keyId, tenantId: row.tenant_id };
    if (row.kind === 'publishable') {
      identity.publishable = {
        bot: row.bot ?? 'parley',
        origins: row.allowed_origins,
        ratePerMinute: row.rate_limit_per_minute ?? DEFAULT_PUBLISHABLE_RATE_LIMIT,
      };
    }
    this.remember(this.cache, digest, { identity, expires: Date.now() + CACHE_TTL_MS });
    return identity;
  }

  /** Sets `key` in a bounded map (the oldest entry makes room). */
  private remember<V>(map: Map<string, V>, key: string, value: V): void {
    if (map.size >= CACHE_MAX && !map.has(key)) map.delete(map.keys().next().value!);
    map.set(key, value);
  }

  /**
   * Whether any active secret key exists (re-read every 2 s, so a key made by the CLI takes effect
   * at once). Publishable keys do not count: they are public by design (they sit in web pages), so
   * creating one for the widget does not lock the operator's own loopback access. While the database cannot answer, the last known value stands; with none, it fails
   * closed (503).
   */
  async anyKeyExists(): Promise<boolean> {
    if (this.anyKey && this.anyKey.expires > Date.now()) return this.anyKey.value;
    let rows: { exists: boolean }[];
    try {
      rows = await this.db.query<{ exists: boolean }>(
        `select exists(select 1 from api_keys where revoked_at is null and kind = 'secret') as exists`,
      );
    } catch (error) {
      if (this.anyKey) return this.anyKey.value;
      throw dependencyDown(error);
    }
    const value = rows[0]?.exists ?? false;
    this.anyKey = { value, expires: Date.now() + 2_000 };
    return value;
  }
}
