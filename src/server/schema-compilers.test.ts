import multipart from '@fastify/multipart';
import Fastify from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { errorHandler } from './error-handler.js';
import { useZodSchemas } from './schema-compilers.js';

const body = z.object({
  message: z.string().min(1, 'message must not be empty'),
  items: z.array(z.number()).optional(),
});

describe('route schemas at run time', () => {
  const app = Fastify();
  beforeAll(async () => {
    app.setErrorHandler(errorHandler);
    useZodSchemas(app);
    await app.register(multipart);
    app.post('/by-schema', { schema: { body } }, async () => ({ ok: true }));
    app.post('/by-handler', async (request) => {
      body.parse(request.body);
      return { ok: true };
    });
    app.get('/lagging', { schema: { response: { 200: z.object({ id: z.number() }) } } }, async () => ({
      id: 'not a number',
      added: true,
    }));
    const upload = {
      content: { 'application/json': { schema: body }, 'multipart/form-data': { schema: body } },
    };
    app.post('/upload', { schema: { body: upload } }, async (request) => ({
      multipart: request.isMultipart(),
    }));
    await app.ready();
  });
  afterAll(() => app.close());

  it("refuses with the same 400 and message as the handler's own zod parse", async () => {
    for (const payload of [{}, { message: '' }, { message: 'x', items: [1, 'two'] }, []]) {
      const bySchema = await app.inject({ method: 'POST', url: '/by-schema', payload });
      const byHandler = await app.inject({ method: 'POST', url: '/by-handler', payload });
      expect(bySchema.statusCode).toBe(400);
      expect(bySchema.json()).toEqual(byHandler.json());
      expect(bySchema.json().error.code).toBe('PARLEY_ERR_VALIDATION');
    }
    const refused = await app.inject({
      method: 'POST',
      url: '/by-schema',
      payload: { message: 'x', items: ['a'] },
    });
    expect(refused.json().error.message).toBe('items.0: Invalid input: expected number, received string');
  });

  it('sends a response as the handler built it, even one its schema does not describe (never a 500)', async () => {
    const response = await app.inject({ method: 'GET', url: '/lagging' });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ id: 'not a number', added: true });
  });

  it('checks a JSON body by its content type schema, and leaves a multipart one to the handler', async () => {
    const json = await app.inject({
      method: 'POST',
      url: '/upload',
      headers: { 'content-type': 'application/json; charset=utf-8' },
      payload: JSON.stringify({ message: '' }),
    });
    expect(json.statusCode).toBe(400);
    const form = await app.inject({
      method: 'POST',
      url: '/upload',
      headers: { 'content-type': 'multipart/form-data; boundary=x' },
      payload: '--x\r\nContent-Disposition: form-data; name="file"; filename="a.md"\r\n\r\n# A\r\n--x--\r\n',
    });
    expect(form.statusCode).toBe(200);
    expect(form.json()).toEqual({ multipart: true });
  });
});
