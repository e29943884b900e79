// API keys: `parley_<id>_<secret>`, stored only as scrypt(secret, salt) and scoped to a tenant.
// scrypt runs on libuv's thread pool; verified keys are cached (by a SHA-256 of the key) so a
// request pays the slow hash once per key per few minutes, not on every call.
import { createHash, randomBytes, randomUUID, scrypt, timingSafeEqual } from 'node:crypto';
import { promisify } from 'node:util';
import { ParleyError } from '../../errors/index.js';
import type { Database } from '../../storage/index.js';

const scryptAsync = promisify(scrypt) as (password: string, salt: string, keylen: number) => Promise<Buffer>;
const KEY_PATTERN = /^parley_([0-9a-f]{16})_([A-Za-z0-9_-]{43})$/;
const CACHE_TTL_MS = 5 * 60_000;
const CACHE_MAX = 10_000;

/** Who a valid key belongs to. */
export interface KeyIdentity {
  keyId: string;
  tenantId: string;
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

async function hashSecret(secret: string, salt: string): Promise<string> {
  return (await scryptAsync(secret, salt, 32)).toString('base64');
}

/** Creates a key for `tenantName` (creating the tenant if new); the key is returned once, never stored. */
export async function createApiKey(
  db: Database,
  tenantName: string,
  label?: string,
): Promise<{ key: string; keyId: string; tenantId: string }> {
  const tenantId = await ensureTenant(db, tenantName);
  const keyId = randomBytes(8).toString('hex');
  const secret = randomBytes(32).toString('base64url');
  const salt = randomBytes(16).toString('base64');
  await db.query('insert into api_keys(id, tenant_id, hash, salt, label) values ($1, $2, $3, $4, $5)', [
    keyId,
    tenantId,
    await hashSecret(secret, salt),
    salt,
    label ?? null,
  ]);
  return { key: `parley_${keyId}_${secret}`, keyId, tenantId };
}

export class KeyVerifier {
  private readonly cache = new Map<string, KeyIdentity & { expires: number }>();
  private anyKey: { value: boolean; expires: number } | undefined;

  constructor(private readonly db: Database) {}

  /** The key's identity, or undefined when it is malformed, unknown, revoked or wrong. */
  async verify(presented: string): Promise<KeyIdentity | undefined> {
    const match = KEY_PATTERN.exec(presented);
    if (!match) return undefined;
    const digest = createHash('sha256').update(presented).digest('base64');
    const cached = this.cache.get(digest);
    if (cached && cached.expires > Date.now()) return { keyId: cached.keyId, tenantId: cached.tenantId };

    const [, keyId, secret] = match as unknown as [string, string, string];
    const rows = await this.db
      .query<{ tenant_id: string; hash: string; salt: string }>(
        'select tenant_id, hash, salt from api_keys where id = $1 and revoked_at is null',
        [keyId],
      )
      .catch((error: unknown) => {
        throw dependencyDown(error);
      });
    const row = rows[0];
    if (!row) return undefined;
    const expected = Buffer.from(row.hash, 'base64');
    const actual = Buffer.from(await hashSecret(secret, row.salt), 'base64');
    if (expected.length !== actual.length || !timingSafeEqual(expected, actual)) return undefined;

    if (this.cache.size >= CACHE_MAX) this.cache.delete(this.cache.keys().next().value!);
    this.cache.set(digest, { keyId, tenantId: row.tenant_id, expires: Date.now() + CACHE_TTL_MS });
    return { keyId, tenantId: row.tenant_id };
  }

  /**
   * Whether any active key exists (re-read every 2 s, so a key made by the CLI takes effect at
   * once). While the database cannot answer, the last known value stands; with none, it fails
   * closed (503).
   */
  async anyKeyExists(): Promise<boolean> {
    if (this.anyKey && this.anyKey.expires > Date.now()) return this.anyKey.value;
    let rows: { exists: boolean }[];
    try {
      rows = await this.db.query<{ exists: boolean }>(
        'select exists(select 1 from api_keys where revoked_at is null) as exists',
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
