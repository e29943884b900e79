// `parley keys create|list|revoke|rotate`, run as a user runs them (the built bin in a child
// process): scopes and expiry on create, a list that never shows a secret, a rotation that prints
// the new key alone on the last line, a revocation, and clear refusals.
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/index.js';
import { openDatabase } from '../../src/storage/index.js';
import { createLogger } from '../../src/telemetry/index.js';
import { cliTestTimeout, runCli } from '../support/cli.js';
import { prepareDataDir } from '../support/test-backend.js';

const KEY = /^parley_([0-9a-f]{16})_[A-Za-z0-9_-]{43}$/;
const lastLine = (stdout: string) => stdout.trimEnd().split('\n').at(-1)!;
const secretOf = (key: string) => key.split('_').slice(2).join('_');

describe('parley keys', () => {
  it(
    'creates scoped, expiring keys, lists them without secrets, rotates and revokes them',
    async () => {
      const env = { PARLEY_DATA_DIR: await prepareDataDir() };
      const created = await runCli(
        [
          'keys',
          'create',
          '--tenant',
          'acme',
          '--scope',
          'chat',
          '--scope',
          'read',
          '--expires-in',
          '30d',
          '--label',
          'bot client',
        ],
        env,
      );
      expect(created.code, created.stderr).toBe(0);
      const key = lastLine(created.stdout);
      const id = KEY.exec(key)?.[1];
      expect(id).toBeDefined();
      expect(created.stdout).toMatch(/scopes: chat, read/);
      const expires = /expires: (\S+)/.exec(created.stdout)?.[1];
      expect(Date.parse(expires ?? '') - Date.now()).toBeGreaterThan(29.9 * 86_400_000);

      const rotated = await runCli(['keys', 'rotate', id!, '--tenant', 'acme', '--overlap', '2h'], env);
      expect(rotated.code, rotated.stderr).toBe(0);
      const newKey = lastLine(rotated.stdout);
      expect(KEY.exec(newKey)?.[1]).toBe(id);
      expect(newKey).not.toBe(key);
      expect(rotated.stdout).toMatch(/the old secret works until \d{4}-/);

      const listed = await runCli(['keys', 'list', '--tenant', 'acme'], env);
      expect(listed.code, listed.stderr).toBe(0);
      const row = listed.stdout.split('\n').find((line) => line.startsWith(id!));
      expect(row).toMatch(/secret\s+chat,read\s+active\s+\S+\s+\S+\s+-\s+bot client/);
      for (const shown of [key, newKey]) expect(listed.stdout).not.toContain(secretOf(shown));

      const revoked = await runCli(['keys', 'revoke', id!, '--tenant', 'acme'], env);
      expect(revoked.code, revoked.stderr).toBe(0);
      expect(revoked.stdout).toMatch(new RegExp(`key ${id} revoked`));
      const after = await runCli(['keys', 'list', '--tenant', 'acme'], env);
      expect(after.stdout.split('\n').find((line) => line.startsWith(id!))).toMatch(/\srevoked\s/);

      // Another tenant's key is not found by its id; nor is an unknown tenant.
      const other = await runCli(['keys', 'create', '--tenant', 'other'], env);
      const otherId = KEY.exec(lastLine(other.stdout))?.[1];
      const wrongTenant = await runCli(['keys', 'revoke', otherId!, '--tenant', 'acme'], env);
      expect(wrongTenant.code).toBe(1);
      expect(wrongTenant.stderr).toMatch(/^parley: key not found/);

      const db = await openDatabase(loadConfig(env).storage, createLogger('silent'));
      try {
        const actions = await db.query<{ action: string; via: string }>(
          `select action, via from audit_log a join tenants t on t.id = a.tenant_id
            where t.name = 'acme' order by seq`,
        );
        expect(actions).toEqual([
          { action: 'key.created', via: 'cli' },
          { action: 'key.rotated', via: 'cli' },
          { action: 'key.revoked', via: 'cli' },
        ]);
        const [stored] = await db.query<{ revoked: boolean }>(
          'select revoked_at is not null as revoked from api_keys where id = $1',
          [otherId],
        );
        expect(stored?.revoked).toBe(false);
      } finally {
        await db.close();
      }
    },
    cliTestTimeout(8),
  );

  it(
    'explains a wrong scope, duration or tenant without a stack trace',
    async () => {
      const env = { PARLEY_DATA_DIR: await prepareDataDir() };
      for (const args of [
        ['create', '--tenant', 'acme', '--scope', 'everything'],
        ['create', '--tenant', 'acme', '--expires-in', 'soon'],
        ['list', '--tenant', 'nobody'],
      ]) {
        const wrong = await runCli(['keys', ...args], env);
        expect(wrong.code, args.join(' ')).toBe(1);
        expect(wrong.stderr).toMatch(
          /^parley: (not a key scope: everything|--expires-in takes a duration|tenant nobody not found)/,
        );
        expect(wrong.stderr).not.toContain('    at ');
      }
    },
    cliTestTimeout(3),
  );
});
