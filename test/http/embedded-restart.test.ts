// The embedded database's thread stopping on its own (an uncaught error in it, PostgreSQL
// aborting) does not leave a server whose every query fails: the thread is started again on the
// same data, the turns answered meanwhile are stored once it is back, and /metrics counts it.
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createApp, createRuntime } from '../../src/app/index.js';
import { loadConfig } from '../../src/config/index.js';
import { createLogger } from '../../src/telemetry/index.js';
import { call } from '../support/http.js';
import { eventually, prepareDataDir } from '../support/test-backend.js';

describe('embedded database thread stopping', () => {
  it('is started again on the same data, and nothing answered is lost', async () => {
    const dataDir = await prepareDataDir();
    const config = loadConfig({ PARLEY_DATA_DIR: dataDir });
    try {
      const runtime = await createRuntime(config, createLogger('silent'), { runJobs: true });
      const parley = await createApp(runtime);
      try {
        const ask = (message: string, conversationId?: string) =>
          call<{ conversation_id: string }>(parley.app, {
            method: 'POST',
            url: '/v1/chat',
            payload: { message, ...(conversationId ? { conversation_id: conversationId } : {}) },
          });
        const first = await ask('what is stored before the failure?');
        expect(first.status).toBe(200);

        await runtime.db.stopEmbeddedThread!();
        // A turn during the outage is still answered (the write behind it waits and retries).
        const during = await ask('and during it?', first.body.conversation_id);
        expect(during.status).toBe(200);

        await eventually(async () => (runtime.db.embeddedRestarts!() >= 1 ? true : undefined));
        expect(await runtime.db.ping()).toBe(true);
        const after = await ask('and after it?', first.body.conversation_id);
        expect(after.status).toBe(200);

        const stored = await eventually(async () => {
          const rows = await runtime.db.query<{ n: number }>(
            'select count(*)::int as n from messages where conversation_id = $1',
            [first.body.conversation_id],
          );
          return rows[0]?.n === 6 ? rows[0].n : undefined;
        });
        expect(stored).toBe(6);

        const metrics = await parley.app.inject({ method: 'GET', url: '/metrics' });
        expect(metrics.body).toMatch(/^parley_embedded_db_restarts_total 1$/m);
      } finally {
        await parley.close();
        await runtime.close();
      }
    } finally {
      await rm(path.dirname(dataDir), { recursive: true, force: true });
    }
  });
});
