// `parley keys create|list|revoke|rotate`: a tenant's API keys from the command line. Each opens
// the database itself, or goes through the running server's embedded database; a change is seen
// by every server process within a second (key_generations). A key is printed once, alone on the
// last stdout line, by create and rotate; list never shows a secret.

import {
  createApiKey,
  DEFAULT_ROTATION_OVERLAP_SECONDS,
  type KeyView,
  listKeys,
  parseScopes,
  revokeKey,
  rotateKey,
  tenantIdByName,
} from '../edge/index.js';
import { validationError } from '../errors/index.js';
import { type Database, openDatabase } from '../storage/index.js';
import { commandContext } from './command-context.js';
import { parseDuration } from './duration.js';

export interface KeysCreateOptions {
  tenant: string;
  label?: string;
  scope?: string[];
  expiresIn?: string;
  publishable?: boolean;
  bot?: string;
  origin?: string[];
  rateLimit?: string;
}

async function withDatabase<T>(work: (db: Database) => Promise<T>): Promise<T> {
  const { config, log } = commandContext();
  const db = await openDatabase(config.storage, log);
  try {
    return await work(db);
  } finally {
    await db.close();
  }
}

export async function keysCreateCommand(options: KeysCreateOptions): Promise<void> {
  const tenant = options.tenant.trim();
  if (!tenant) throw new Error('--tenant must not be empty');
  if (!options.publishable && (options.bot || options.origin?.length || options.rateLimit))
    throw validationError('--bot, --origin and --rate-limit apply to publishable keys: add --publishable');
  if (options.publishable && !options.origin?.length)
    throw validationError('a publishable key needs at least one --origin (the site that embeds the widget)');
  if (options.publishable && options.scope?.length)
    throw validationError('a publishable key has no --scope: it may only chat, through the widget');
  const scopes = options.scope?.length ? parseScopes(options.scope) : undefined;
  const expiresAt =
    options.expiresIn === undefined
      ? undefined
      : new Date(Date.now() + parseDuration(options.expiresIn, '--expires-in') * 1000);
  const ratePerMinute = options.rateLimit === undefined ? undefined : Number(options.rateLimit);
  const publishable = options.publishable
    ? { bot: options.bot ?? 'parley', origins: options.origin ?? [], ratePerMinute }
    : undefined;
  await withDatabase(async (db) => {
    const created = await createApiKey(db, tenant, { label: options.label, publishable, scopes, expiresAt });
    process.stdout.write(`tenant: ${tenant} (${created.tenantId})\nkey id: ${created.keyId}\n`);
    if (publishable) {
      process.stdout.write(
        `publishable key for bot ${publishable.bot}: chat only, from ${publishable.origins.join(', ')}\n`,
      );
    } else {
      process.stdout.write(`scopes: ${(scopes ?? ['admin']).join(', ')}\n`);
    }
    if (expiresAt) process.stdout.write(`expires: ${expiresAt.toISOString()}\n`);
    process.stdout.write('store this key now: it is not shown again\n');
    process.stdout.write(`${created.key}\n`);
  });
}

const cell = (value: string | null) => value ?? '-';

/** The keys as a table, one per line; never a secret. */
function keyLines(keys: KeyView[]): string[] {
  const rows = keys.map((key) => [
    key.id,
    key.kind,
    key.scopes.join(','),
    key.status,
    key.created_at,
    cell(key.expires_at),
    cell(key.last_used_at),
    cell(key.label),
  ]);
  const header = ['id', 'kind', 'scopes', 'status', 'created', 'expires', 'last used', 'label'];
  const widths = header.map((title, column) =>
    Math.max(title.length, ...rows.map((row) => row[column]!.length)),
  );
  return [header, ...rows].map((row) =>
    row
      .map((text, column) => text.padEnd(widths[column]!))
      .join('  ')
      .trimEnd(),
  );
}

export async function keysListCommand(options: { tenant: string }): Promise<void> {
  await withDatabase(async (db) => {
    const tenantId = await tenantIdByName(db, options.tenant);
    const keys = await listKeys(db, tenantId);
    process.stdout.write(`${keyLines(keys).join('\n')}\n`);
  });
}

export async function keysRevokeCommand(keyId: string, options: { tenant: string }): Promise<void> {
  await withDatabase(async (db) => {
    const tenantId = await tenantIdByName(db, options.tenant);
    const view = await revokeKey(db, tenantId, keyId);
    process.stdout.write(
      `key ${view.id} revoked at ${view.revoked_at}: every server refuses it within a second\n`,
    );
  });
}

export async function keysRotateCommand(
  keyId: string,
  options: { tenant: string; overlap?: string },
): Promise<void> {
  const overlapSeconds =
    options.overlap === undefined
      ? DEFAULT_ROTATION_OVERLAP_SECONDS
      : parseDuration(options.overlap, '--overlap', { allowZero: true });
  await withDatabase(async (db) => {
    const tenantId = await tenantIdByName(db, options.tenant);
    const rotated = await rotateKey(db, tenantId, keyId, { overlapSeconds });
    const until = rotated.view.previous_secret_expires_at;
    process.stdout.write(
      until
        ? `key ${keyId} rotated: the old secret works until ${until}\n`
        : `key ${keyId} rotated: the old secret no longer works\n`,
    );
    process.stdout.write('store this key now: it is not shown again\n');
    process.stdout.write(`${rotated.key}\n`);
  });
}
