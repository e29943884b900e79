import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { Lifecycle } from './lifecycle.js';

function capturedLifecycle(): { lifecycle: Lifecycle; lines: string[] } {
  const lines: string[] = [];
  return {
    lifecycle: new Lifecycle(pino({ level: 'warn' }, { write: (line: string) => void lines.push(line) })),
    lines,
  };
}

describe('Lifecycle', () => {
  it('closes services in the reverse of the order they were registered in, each after the last', async () => {
    const { lifecycle: life } = capturedLifecycle();
    const closed: string[] = [];
    for (const name of ['database', 'redis', 'background-tasks', 'ingestion']) {
      life.onClose(name, async () => {
        await new Promise((resolve) => setTimeout(resolve, name === 'ingestion' ? 20 : 0));
        closed.push(name);
      });
    }
    await life.close();
    expect(closed).toEqual(['ingestion', 'background-tasks', 'redis', 'database']);
  });

  it('still closes the others when one fails, logs the failure and rejects with it', async () => {
    const { lifecycle: life, lines } = capturedLifecycle();
    const closed: string[] = [];
    life.onClose('database', () => {
      closed.push('database');
    });
    life.onClose('redis', () => {
      throw new Error('redis already gone');
    });
    life.onClose('ingestion', async () => {
      closed.push('ingestion');
    });
    await expect(life.close()).rejects.toThrow('redis already gone');
    expect(closed).toEqual(['ingestion', 'database']);
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0]!)).toMatchObject({ service: 'redis', err: { message: 'redis already gone' } });
  });

  it('closes each service once, however often close is called', async () => {
    const { lifecycle: life } = capturedLifecycle();
    let closes = 0;
    life.onClose('database', async () => {
      closes++;
    });
    const first = life.close();
    const second = life.close();
    expect(second).toBe(first);
    await Promise.all([first, second, life.close()]);
    expect(closes).toBe(1);
  });
});
