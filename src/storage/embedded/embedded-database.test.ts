import { chmodSync, chownSync, mkdirSync, mkdtempSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { startEmbeddedDatabase } from './embedded-database.js';

/** A data directory whose db.lock names a live process (this one's parent) and `socketDir`. */
function plantedLock(options: { socketMode?: number; lockMode?: number; dataMode?: number } = {}) {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'parley-lock-'));
  const socketDir = path.join(dataDir, 'run');
  mkdirSync(socketDir);
  chmodSync(socketDir, options.socketMode ?? 0o700);
  const lockFile = path.join(dataDir, 'db.lock');
  writeFileSync(lockFile, JSON.stringify({ pid: process.ppid, socketDir }));
  chmodSync(lockFile, options.lockMode ?? 0o600);
  chmodSync(dataDir, options.dataMode ?? 0o700);
  return { dataDir, socketDir };
}

const start = (dataDir: string, warnings: string[] = []) =>
  startEmbeddedDatabase(dataDir, { maxConnections: 4, onWarning: (message) => warnings.push(message) });

describe('startEmbeddedDatabase: who may be trusted', () => {
  it('closes a data directory of ours that others may enter, and says so', async () => {
    const { dataDir, socketDir } = plantedLock({ dataMode: 0o777 });
    const warnings: string[] = [];
    const found = await start(dataDir, warnings);
    expect(found).toMatchObject({ owner: false, socketDir });
    expect(statSync(dataDir).mode & 0o777).toBe(0o700);
    expect(warnings).toEqual([expect.stringMatching(/was open to other users \(mode 777\): set to 0700/)]);
  });

  it('refuses a lock that names a socket directory others may enter', async () => {
    const { dataDir } = plantedLock({ socketMode: 0o755 });
    await expect(start(dataDir)).rejects.toMatchObject({ code: 'PARLEY_ERR_CONFIG' });
  });

  it('refuses a lock file others may write', async () => {
    const { dataDir } = plantedLock({ lockMode: 0o666 });
    await expect(start(dataDir)).rejects.toThrow(/db\.lock is not this user's or may be written by others/);
  });

  it("refuses a data directory that is another user's", async () => {
    const { dataDir } = plantedLock();
    chownSync(dataDir, (process.getuid?.() ?? 0) + 4242, 4242);
    await expect(start(dataDir)).rejects.toThrow(/must be a directory owned by the user Parley runs as/);
  });
});
