// A normal shutdown loses nothing: turns answered just before it are persisted by the
// write-behind queue before the database closes, and closing the HTTP app closes the runtime.
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createApp, createRuntime } from '../../src/app/index.js';
import { loadConfig } from '../../src/config/index.js';
import { createLogger } from '../../src/telemetry/index.js';
import { call } from '../support/http.js';
import { prepareDataDir } from '../support/test-backend.js';

describe('graceful shutdown', () => {
  it('persists every answered turn before closing the database', async () => {
    const dataDir = await prepareDataDir();
    const config = loadConfig({ PARLEY_DATA_DIR: dataDir });
    const log = createLogger('silent');
    try {
      const runtime = await createRuntime(config, log, { runJobs: true });
      const parley = await createApp(runtime);
      const turns = await Promise.all(
        Array.from({ length: 20 }, (_, index) =>
          call<{ conversation_id: string }>(parley.app, {
            method: 'POST',
            url: '/v1/chat',
            payload: { message: `question number ${index}` },
          }),
        ),
      );
      expect(turns.every((turn) => turn.status === 200)).toBe(true);
      // Close at once: the background writes are still queued. Closing the Fastify app runs its
      // onClose hook, which closes the runtime: the drain comes before the database closes.
      await parley.app.close();
      await expect(runtime.db.query('select 1')).rejects.toThrow();

      const reopened = await createRuntime(config, log);
      try {
        const rows = await reopened.db.query<{ n: number }>('select count(*) as n from messages');
        expect(rows[0]?.n).toBe(40);
        const traces = await reopened.db.query<{ n: number }>('select count(*) as n from turn_traces');
        expect(traces[0]?.n).toBe(20);
      } finally {
        await reopened.close();
      }
    } finally {
      await rm(path.dirname(dataDir), { recursive: true, force: true });
    }
  });
});
