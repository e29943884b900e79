// Which tenant a signed-in user belongs to, decided by the operator: one configured tenant
// (created at start-up if new), or, only when a tenant claim is configured, the existing tenant the
// token's claim names (a token never creates a tenant; an unknown name is refused).
import type { OidcConfig } from '../../config/index.js';
import type { Database } from '../../storage/index.js';
import { ensureTenant } from './api-keys.js';
import type { UserSignIn } from './authenticate.js';
import { UserTokens } from './user-tokens.js';

/** Tenant ids remembered by name (tenants are not renamed; a miss is asked again). */
const KNOWN_TENANTS_MAX = 10_000;

export async function createUserSignIn(db: Database, config: OidcConfig): Promise<UserSignIn> {
  const tokens = new UserTokens(config);
  if (config.tenantClaim === undefined) {
    const only = await ensureTenant(db, config.tenant);
    return { tokens, tenantId: async (name) => (name === config.tenant ? only : undefined) };
  }
  const known = new Map<string, string>();
  return {
    tokens,
    async tenantId(name) {
      const cached = known.get(name);
      if (cached !== undefined) return cached;
      const [row] = await db.query<{ id: string }>('select id from tenants where name = $1', [name]);
      if (!row) return undefined;
      if (known.size >= KNOWN_TENANTS_MAX) known.delete(known.keys().next().value!);
      known.set(name, row.id);
      return row.id;
    },
  };
}
