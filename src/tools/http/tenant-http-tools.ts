// Each tenant's HTTP tools and tool secrets (migration 16), walled by tenant: the API's store and
// the tool source turns list from. A tenant's tools are cached for a few seconds (a change through
// this process applies at once, through another once its poll of the tenant's bot generation sees
// it, bumped by a trigger on tools: Bots.follow); secrets are read
// when a call needs one, sealed at rest (SecretBox) and never returned by the API.
import { notFound, ParleyError } from '../../errors/index.js';
import { type Database, RefreshAheadCache } from '../../storage/index.js';
import type { TenantToolSource } from '../tool-catalog.js';
import type { Tool, ToolSource } from '../tool-types.js';
import { type HttpToolDefinition, hostAllowed, httpTool, httpToolDefinition } from './http-tool.js';
import type { SecretBox } from './secret-box.js';

/** Tools one tenant may define. */
export const MAX_TOOLS_PER_TENANT = 200;
/** Secrets one tenant may store. */
export const MAX_SECRETS_PER_TENANT = 200;

export interface ToolView extends HttpToolDefinition {
  created_at: string;
  updated_at: string;
}

export interface TenantHttpToolsOptions {
  /** Hosts tools may reach (PARLEY_TOOL_HOSTS); empty: HTTP tools cannot be defined. */
  hosts: readonly string[];
  /** Seals secrets at rest (absent: PARLEY_SECRETS_KEY is unset, and secrets cannot be stored). */
  box?: SecretBox;
}

const iso = (value: unknown) => (value instanceof Date ? value.toISOString() : String(value));

export class TenantHttpTools implements TenantToolSource {
  readonly id = 'http';
  private readonly cache = new RefreshAheadCache<readonly Tool[]>((tenantId) => this.load(tenantId), {
    ttlMs: 5_000,
    maxStaleMs: 30_000,
    max: 10_000,
  });

  constructor(
    private readonly db: Database,
    private readonly options: TenantHttpToolsOptions,
  ) {}

  list(tenantId: string): Promise<readonly Tool[]> {
    return this.cache.get(tenantId);
  }

  async definitions(tenantId: string): Promise<ToolView[]> {
    const rows = await this.db
      .forTenant(tenantId)
      .query<{ definition: HttpToolDefinition; created_at: unknown; updated_at: unknown }>(
        'select definition, created_at, updated_at from tools where tenant_id = $1 order by name',
        [tenantId],
      );
    return rows.map((row) => ({
      ...row.definition,
      created_at: iso(row.created_at),
      updated_at: iso(row.updated_at),
    }));
  }

  async get(tenantId: string, name: string): Promise<ToolView> {
    const found = (await this.definitions(tenantId)).find((tool) => tool.name === name);
    if (!found) throw notFound('tool');
    return found;
  }

  /** Creates or replaces the tool of that name; `created`: whether it is new. */
  async put(tenantId: string, input: unknown): Promise<{ tool: ToolView; created: boolean }> {
    const definition = httpToolDefinition.parse(input);
    const host = new URL(definition.url.replace(/\{[a-zA-Z0-9_]+\}/g, 'x'));
    if (!hostAllowed(this.options.hosts, host)) {
      throw new ParleyError(
        'PARLEY_ERR_VALIDATION',
        this.options.hosts.length === 0
          ? 'this server allows no HTTP tools: its operator lists the hosts tools may reach in PARLEY_TOOL_HOSTS'
          : `${host.host} is not among the hosts tools may reach on this server (PARLEY_TOOL_HOSTS)`,
      );
    }
    const db = this.db.forTenant(tenantId);
    const rows = await db.query<{ created: boolean; created_at: unknown; updated_at: unknown }>(
      `insert into tools (tenant_id, name, definition)
         select $1, $2, $3
          where (select count(*) from tools where tenant_id = $1 and name <> $2) < $4
       on conflict (tenant_id, name) do update set definition = excluded.definition, updated_at = now()
       returning (xmax = 0) as created, created_at, updated_at`,
      [tenantId, definition.name, JSON.stringify(definition), MAX_TOOLS_PER_TENANT],
    );
    const row = rows[0];
    if (!row) {
      throw new ParleyError(
        'PARLEY_ERR_VALIDATION',
        `a tenant may define at most ${MAX_TOOLS_PER_TENANT} tools`,
      );
    }
    this.cache.delete(tenantId);
    return {
      tool: { ...definition, created_at: iso(row.created_at), updated_at: iso(row.updated_at) },
      created: row.created,
    };
  }

  async remove(tenantId: string, name: string): Promise<void> {
    const rows = await this.db
      .forTenant(tenantId)
      .query('delete from tools where tenant_id = $1 and name = $2 returning name', [tenantId, name]);
    this.cache.delete(tenantId);
    if (rows.length === 0) throw notFound('tool');
  }

  /** The tenants whose tools are held (GenerationFollower). */
  tenants(): Iterable<string> {
    return this.cache.keys();
  }

  /** Drops the tenant's tools (another process changed them): read again on use. */
  changed(tenantId: string): void {
    this.cache.delete(tenantId);
  }

  /** Stores a secret, sealed; `created`: whether it is new. */
  async putSecret(tenantId: string, name: string, value: string): Promise<{ created: boolean }> {
    const box = this.options.box;
    if (!box) {
      throw new ParleyError(
        'PARLEY_ERR_VALIDATION',
        'this server cannot store secrets: its operator sets PARLEY_SECRETS_KEY to enable them',
      );
    }
    const rows = await this.db.forTenant(tenantId).query<{ created: boolean }>(
      `insert into tool_secrets (tenant_id, name, sealed)
         select $1, $2, $3
          where (select count(*) from tool_secrets where tenant_id = $1 and name <> $2) < $4
       on conflict (tenant_id, name) do update set sealed = excluded.sealed, updated_at = now()
       returning (xmax = 0) as created`,
      [tenantId, name, box.seal(tenantId, name, value), MAX_SECRETS_PER_TENANT],
    );
    if (!rows[0]) {
      throw new ParleyError(
        'PARLEY_ERR_VALIDATION',
        `a tenant may store at most ${MAX_SECRETS_PER_TENANT} secrets`,
      );
    }
    return { created: rows[0].created };
  }

  /** The secrets' names and when they were set (never their values). */
  async secretNames(tenantId: string): Promise<{ name: string; updated_at: string }[]> {
    const rows = await this.db
      .forTenant(tenantId)
      .query<{ name: string; updated_at: unknown }>(
        'select name, updated_at from tool_secrets where tenant_id = $1 order by name',
        [tenantId],
      );
    return rows.map((row) => ({ name: row.name, updated_at: iso(row.updated_at) }));
  }

  async removeSecret(tenantId: string, name: string): Promise<void> {
    const rows = await this.db
      .forTenant(tenantId)
      .query('delete from tool_secrets where tenant_id = $1 and name = $2 returning name', [tenantId, name]);
    if (rows.length === 0) throw notFound('secret');
  }

  /**
   * The operator's HTTP tools (PARLEY_HTTP_TOOLS) as a source every tenant may allow from; each
   * call's auth secret is the calling tenant's. Throws on a definition that is not valid, or
   * whose host PARLEY_TOOL_HOSTS does not list.
   */
  operatorTools(definitions: readonly unknown[]): ToolSource {
    const deps = {
      hosts: this.options.hosts,
      secret: (tenant: string, name: string) => this.secret(tenant, name),
    };
    const tools = definitions.map((input, index) => {
      const parsed = httpToolDefinition.safeParse(input);
      if (!parsed.success) {
        throw new ParleyError(
          'PARLEY_ERR_CONFIG',
          `tool ${index + 1}: ${parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; ')}`,
        );
      }
      const host = new URL(parsed.data.url.replace(/\{[a-zA-Z0-9_]+\}/g, 'x'));
      if (!hostAllowed(this.options.hosts, host)) {
        throw new ParleyError(
          'PARLEY_ERR_CONFIG',
          `tool ${parsed.data.name}: list ${host.host} in PARLEY_TOOL_HOSTS`,
        );
      }
      return httpTool(parsed.data, deps);
    });
    return { id: 'http:operator', list: async () => tools, close: async () => {} };
  }

  private async secret(tenantId: string, name: string): Promise<string | undefined> {
    const box = this.options.box;
    if (!box) return undefined;
    const rows = await this.db
      .forTenant(tenantId)
      .query<{ sealed: string }>('select sealed from tool_secrets where tenant_id = $1 and name = $2', [
        tenantId,
        name,
      ]);
    return rows[0] ? box.open(tenantId, name, rows[0].sealed) : undefined;
  }

  private async load(tenantId: string): Promise<readonly Tool[]> {
    const deps = {
      hosts: this.options.hosts,
      secret: (tenant: string, name: string) => this.secret(tenant, name),
    };
    const definitions = await this.definitions(tenantId);
    return definitions.map((definition) => httpTool(definition, deps));
  }
}
