import { describe, expect, it } from 'vitest';
import { mcpServerConfigSchema, mcpServerListSchema } from './mcp-server-config.js';

describe('mcpServerConfigSchema', () => {
  it('reads a stdio server and an HTTP server', () => {
    expect(
      mcpServerConfigSchema.parse({ name: 'files', transport: 'stdio', command: 'npx', args: ['-y', 'srv'] }),
    ).toEqual({ name: 'files', transport: 'stdio', command: 'npx', args: ['-y', 'srv'] });
    expect(
      mcpServerConfigSchema.parse({
        name: 'crm',
        transport: 'http',
        url: 'https://tools.example.com/mcp',
        headers: { authorization: 'Bearer x' },
      }),
    ).toMatchObject({ transport: 'http', url: 'https://tools.example.com/mcp' });
  });

  it('refuses a name that cannot prefix a tool name', () => {
    for (const name of ['', 'has space', 'dot.ted', 'x'.repeat(33)]) {
      expect(mcpServerConfigSchema.safeParse({ name, transport: 'stdio', command: 'srv' }).success).toBe(
        false,
      );
    }
  });

  it('refuses an unknown transport, a missing command and a URL that is not http(s)', () => {
    expect(mcpServerConfigSchema.safeParse({ name: 'a', transport: 'sse', url: 'http://x' }).success).toBe(
      false,
    );
    expect(mcpServerConfigSchema.safeParse({ name: 'a', transport: 'stdio' }).success).toBe(false);
    expect(
      mcpServerConfigSchema.safeParse({ name: 'a', transport: 'http', url: 'file:///etc' }).success,
    ).toBe(false);
  });
});

describe('mcpServerListSchema', () => {
  it('refuses two servers of one name, since their tools would share a prefix', () => {
    const server = { name: 'files', transport: 'stdio', command: 'srv' };
    expect(mcpServerListSchema.safeParse([server]).success).toBe(true);
    expect(mcpServerListSchema.safeParse([server, server]).success).toBe(false);
  });
});
