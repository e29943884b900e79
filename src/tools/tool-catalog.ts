// The tools a bot may call, gathered per turn from their sources: the operator's shared sources
// (MCP servers, each open to all tenants or to the ones listed) and the tenant's own tools (HTTP
// tools defined through the API). Only the names on the bot's allowlist are offered; a tenant
// never sees another tenant's tools. A source that cannot list its tools (an MCP server that is
// down) is left out of the turn and reported, rather than failing it.
import type { Tool, ToolSource } from './tool-types.js';

/** An operator's source, open to every tenant or to those listed. */
export interface SharedToolSource {
  readonly source: ToolSource;
  readonly tenants?: readonly string[];
}

/** Tools each tenant defines for itself. */
export interface TenantToolSource {
  readonly id: string;
  list(tenantId: string): Promise<readonly Tool[]>;
}

/** A tool as offered to one turn: `key` names it across the process (breakers, metrics). */
export interface CatalogTool {
  readonly key: string;
  readonly source: string;
  readonly tool: Tool;
}

export interface BotToolList {
  readonly tools: CatalogTool[];
  /** Sources that could not say what they offer, with why. */
  readonly unavailable: { source: string; error: string }[];
}

export class ToolCatalog {
  constructor(
    private readonly shared: readonly SharedToolSource[] = [],
    private readonly tenant?: TenantToolSource,
  ) {}

  /** Whether any source exists (none: bots' allowlists can only name built-in tools). */
  get empty(): boolean {
    return this.shared.length === 0 && this.tenant === undefined;
  }

  /** The allowed tools among every source open to `tenantId`, first source first on a name clash. */
  async forBot(tenantId: string, allow: readonly string[], signal?: AbortSignal): Promise<BotToolList> {
    const wanted = new Set(allow);
    const listings: { source: string; scope: string; tools: Promise<readonly Tool[]> }[] = [];
    if (this.tenant) {
      listings.push({
        source: this.tenant.id,
        scope: `${this.tenant.id}:${tenantId}`,
        tools: this.tenant.list(tenantId),
      });
    }
    for (const { source, tenants } of this.shared) {
      if (tenants && !tenants.includes(tenantId)) continue;
      listings.push({ source: source.id, scope: source.id, tools: source.list(signal) });
    }
    const settled = await Promise.allSettled(listings.map((listing) => listing.tools));
    const tools: CatalogTool[] = [];
    const unavailable: BotToolList['unavailable'] = [];
    const taken = new Set<string>();
    settled.forEach((result, index) => {
      const listing = listings[index]!;
      if (result.status === 'rejected') {
        const error = result.reason instanceof Error ? result.reason.message : String(result.reason);
        unavailable.push({ source: listing.source, error });
        return;
      }
      for (const tool of result.value) {
        if (!wanted.has(tool.name) || taken.has(tool.name)) continue;
        taken.add(tool.name);
        tools.push({ key: `${listing.scope}:${tool.name}`, source: listing.source, tool });
      }
    });
    return { tools, unavailable };
  }

  async close(): Promise<void> {
    await Promise.allSettled(this.shared.map(({ source }) => source.close()));
  }
}
