// Small helpers for driving the app through Fastify's inject (the real routes, hooks and handlers).
import type { FastifyInstance, InjectOptions } from 'fastify';

export interface JsonResponse<T = unknown> {
  status: number;
  body: T;
  headers: Record<string, unknown>;
  raw: string;
}

export async function call<T = Record<string, unknown>>(
  app: FastifyInstance,
  options: InjectOptions,
): Promise<JsonResponse<T>> {
  const response = await app.inject(options);
  const raw = response.body;
  let body: unknown = raw;
  if ((response.headers['content-type'] ?? '').toString().includes('application/json') && raw)
    body = JSON.parse(raw);
  return { status: response.statusCode, body: body as T, headers: response.headers, raw };
}

/** Parses an SSE body into its events. */
export function parseSse(raw: string): { id?: string; event: string; data: unknown }[] {
  return raw
    .split('\n\n')
    .filter((block) => block.trim() && !block.startsWith(':'))
    .map((block) => {
      const fields: Record<string, string> = {};
      for (const line of block.split('\n')) {
        const index = line.indexOf(':');
        if (index > 0) fields[line.slice(0, index)] = line.slice(index + 1).trim();
      }
      return {
        id: fields.id,
        event: fields.event ?? 'message',
        data: fields.data ? JSON.parse(fields.data) : undefined,
      };
    });
}

/** A multipart/form-data body holding one text file, and its content type. */
export function multipartFile(filename: string, text: string): { contentType: string; payload: string } {
  const boundary = '----parleytest';
  const payload = [
    `--${boundary}`,
    `Content-Disposition: form-data; name="file"; filename="${filename}"`,
    'Content-Type: text/plain',
    '',
    text,
    `--${boundary}--`,
    '',
  ].join('\r\n');
  return { contentType: `multipart/form-data; boundary=${boundary}`, payload };
}
