// API keys: `parley_<id>_<secret>` (secret keys) or `pk_<id>_<secret>` (publishable keys for the
// web widget), stored only as scrypt(secret, salt) and scoped to a tenant.
// scrypt runs on libuv's thread pool; verified keys are cached (by a SHA-256 of the key) so a
// request pays the slow hash once per key per few minutes, not on every call. Guesses are bounded
// too: at most two hashes run at once (the pool's other threads stay free for the file system
// and the embedded database), a wrong key is remembered for a minute, and an unknown key id costs
// the same hash as a known one, so timing does not tell whether an id exists.
// A cached key stops working at once when it expires (or its rotated-out secret does), and within
// a poll (KEY_POLL_MS) when it is revoked, rotated or rescoped in any process: each change bumps
// the tenant's row in key_generations (a trigger, in the change's transaction) and this process
// drops the cached keys of a tenant whose generation moved. When a key was last used is written
// in the background, at most once a minute per key (key-usage.ts).
import { createHash, randomBytes, randomUUID, scrypt, timingSafeEqual } from 'node:crypto';
import { promisify } from 'node:util';
import pLimit from 'p-limit';
import { ParleyError } from '../../errors/index.js';
import type { BackgroundLoops, LoopHandle } from '../../jobs/index.js';
import type { Database } from '../../storage/index.js';
import type { KeyScope } from './key-scopes.js';
import { KeyUsage } from './key-usage.js';
import { VerifiedKeys } from './verified-keys.js';

const scryptAsync = promisify(scrypt) as (password: string, salt: string, keylen: number) => Promise<Buffer>;
export const KEY_PATTERN = /^(parley|pk)_([0-9a-f]{16})_([A-Za-z0-9_-]{43})$/;
/** What a publishable key may do when it is not given a limit of its own. */
export const DEFAULT_PUBLISHABLE_RATE_LIMIT = 20;
const CACHE_TTL_MS = 5 * 60_000;
const CACHE_MAX = 10_000;
/** How often the key generations of cached tenants are read: a revocation elsewhere applies within it. */
export const KEY_POLL_MS = 250;
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
  /** What a secret key may call (key-scopes.ts); a publishable key's are not read. */
  scopes: KeyScope[];
  /** Set for a publishable key; absent for a secret key. */
  publishable?: PublishableScope;
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

interface KeyRow {
  tenant_id: string;
  hash: string;
  /** The secret before the last rotation, while it is still valid. */
  previous_hash: string | null;
  previous_expires_at: Date | null;
  salt: string;
  kind: string;
  bot: string | null;
  allowed_origins: string[];
  rate_limit_per_minute: number | null;
  scopes: KeyScope[];
  expires_at: Date | null;
  /** The tenant's key generation when the row was read. */
  generation: number;
}

/** The union of every active publishable key's origins: what a CORS preflight (which carries no key) may be told. */
export async function publishableOrigins(db: Database): Promise<Set<string>> {
  const rows = await db.query<{ origin: string }>(
    `select distinct unnest(allowed_origins) as origin from api_keys
       where kind = 'publishable' and revoked_at is null and (expires_at is null or expires_at > now())`,
  );
  return new Set(rows.map((row) => row.origin));
}

/** Whether `actual` is one of the stored hashes (each compared in constant time). */
function matchesHash(actual: Buffer, stored: string | null): boolean {
  if (stored === null) return false;
  const expected = Buffer.from(stored, 'base64');
  return expected.length === actual.length && timingSafeEqual(expected, actual);
}

export class KeyVerifier {
  private readonly cache = new VerifiedKeys<KeyIdentity>(CACHE_MAX);
  /** Digests of keys found wrong lately (unknown id, revoked, or a wrong secret): expiry by digest. */
  private readonly refused = new Map<string, number>();
  private readonly hashing = pLimit(HASHES_AT_ONCE);
  /** Checks under way, by the presented key's digest. */
  private readonly checking = new Map<string, Promise<KeyIdentity | undefined>>();
  private anyKey: { value: boolean; expires: number } | undefined;
  /** When each key was last used, written in the background. */
  readonly usage: KeyUsage;
  private poller: LoopHandle | undefined;

  constructor(
    private readonly db: Database,
    /** scrypt of a presented secret with a key's salt (replaceable to count hashes in tests). */
    private readonly hash: (secret: string, salt: string) => Promise<string> = hashSecret,
  ) {
    this.usage = new KeyUsage(db);
  }

  /** The key's identity, or undefined when it is malformed, unknown, revoked, expired or wrong. */
  async verify(presented: string): Promise<KeyIdentity | undefined> {
    const match = KEY_PATTERN.exec(presented);
    if (!match) return undefined;
    const digest = createHash('sha256').update(presented).digest('base64');
    const cached = this.cache.get(digest, Date.now());
    if (cached) {
      this.usage.used(cached.keyId);
      return cached;
    }
    if ((this.refused.get(digest) ?? 0) > Date.now()) return undefined;
    // One check per key at a time: the requests that present a key while it is being checked
    // (every client of a busy key after a restart, or when its cache entry ends) wait for that
    // check instead of each queueing a hash of its own (500 at once took ~15 s of hashing).
    let checking = this.checking.get(digest);
    if (!checking) {
      checking = this.check(match, digest).finally(() => this.checking.delete(digest));
      this.checking.set(digest, checking);
    }
    const identity = await checking;
    if (identity) this.usage.used(identity.keyId);
    return identity;
  }

  /** Reads the key and hashes the presented secret; caches what it finds. */
  private async check(match: RegExpExecArray, digest: string): Promise<KeyIdentity | undefined> {
    const [, prefix, keyId, secret] = match as unknown as [string, string, string, string];
    // The generation in the same statement as the key: a change committed after it bumps it again.
    const rows = await this.db
      .query<KeyRow>(
        `select k.tenant_id, k.hash, k.salt, k.kind, k.bot, k.allowed_origins, k.rate_limit_per_minute,
                k.scopes, k.expires_at,
                case when k.previous_expires_at > now() then k.previous_hash end as previous_hash,
                case when k.previous_expires_at > now() then k.previous_expires_at end as previous_expires_at,
                coalesce(g.generation, 0) as generation
           from api_keys k left join key_generations g on g.tenant_id = k.tenant_id
          where k.id = $1 and k.revoked_at is null and (k.expires_at is null or k.expires_at > now())`,
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
    // A rotation keeps the salt, so the one hash checks the current secret and the previous one.
    const current = usable && matchesHash(actual, row.hash);
    const previous = usable && !current && matchesHash(actual, row.previous_hash);
    if (!row || !(current || previous)) {
      this.remember(this.refused, digest, Date.now() + REFUSED_TTL_MS);
      return undefined;
    }

    const identity: KeyIdentity = { keyId, tenantId: row.tenant_id, scopes: row.scopes };
    if (row.kind === 'publishable') {
      identity.publishable = {
        bot: row.bot ?? 'parley',
        origins: row.allowed_origins,
        ratePerMinute: row.rate_limit_per_minute ?? DEFAULT_PUBLISHABLE_RATE_LIMIT,
      };
    }
    // Cached until the key (or the rotated-out secret) expires, if that comes first.
    const ends = [Date.now() + CACHE_TTL_MS, row.expires_at?.getTime() ?? Infinity];
    if (previous) ends.push(row.previous_expires_at?.getTime() ?? 0);
    this.cache.set(digest, identity, Math.min(...ends), Number(row.generation));
    return identity;
  }

  /** Forgets a key at once (changed through this process; the others see it at their next poll). */
  forget(keyId: string): void {
    this.cache.forgetKey(keyId);
    this.anyKey = undefined;
  }

  /**
   * Reads the key generations of the tenants with cached keys and drops the keys of those whose
   * generation moved (a key of theirs was revoked, rotated, rescoped or deleted somewhere).
   */
  async poll(): Promise<void> {
    const tenants = this.cache.tenants();
    if (tenants.length === 0) return;
    const rows = await this.db.query<{ tenant_id: string; generation: number }>(
      'select tenant_id, generation from key_generations where tenant_id = any($1::text[])',
      [tenants],
    );
    this.cache.dropOlderThan(new Map(rows.map((row) => [row.tenant_id, Number(row.generation)])));
  }

  /** Starts the generation poll and the last-used writer. */
  start(loops: BackgroundLoops, pollMs = KEY_POLL_MS): void {
    this.poller ??= loops.loop('key-generations-poll', () => this.poll(), {
      everyMs: pollMs,
      backoff: { firstMs: pollMs, maxMs: 5_000 },
    });
    this.usage.start(loops);
  }

  /** Stops polling and writes the last-used times still pending. */
  async stop(): Promise<void> {
    await this.poller?.stop();
    this.poller = undefined;
    await this.usage.stop();
  }

  /** Sets `key` in a bounded map (the oldest entry makes room). */
  private remember<V>(map: Map<string, V>, key: string, value: V): void {
    if (map.size >= CACHE_MAX && !map.has(key)) map.delete(map.keys().next().value!);
    map.set(key, value);
  }

  /**
   * Whether any active secret key exists (re-read every 2 s, so a key made by the CLI takes effect
   * at once). Publishable keys do not count: they are public by design (they sit in web pages), so
   * creating one for the widget does not lock the operator's own loopback access. Revoked and
   * expired keys do not count either. While the database cannot answer, the last known value
   * stands; with none, it fails closed (503).
   */
  async anyKeyExists(): Promise<boolean> {
    if (this.anyKey && this.anyKey.expires > Date.now()) return this.anyKey.value;
    let rows: { exists: boolean }[];
    try {
      rows = await this.db.query<{ exists: boolean }>(
        `select exists(select 1 from api_keys where revoked_at is null and kind = 'secret'
                         and (expires_at is null or expires_at > now())) as exists`,
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
