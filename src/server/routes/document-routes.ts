// Documents and ingestion jobs: upload (multipart file or JSON text) answers 202 with the job;
// list, get and delete are scoped to the caller's tenant.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { Runtime } from '../../app/runtime.js';
import { isParleyError, notFound, ParleyError } from '../../errors/index.js';
import { deleteDocument, getDocument, getJob, listDocuments, type Upload } from '../../knowledge/index.js';
import { tenantDb } from './tenant-db.js';

const jsonUpload = z.object({
  title: z.string().trim().min(1).max(500),
  text: z.string().min(1, 'text must not be empty'),
  source: z.string().trim().min(1).max(2000).optional(),
  format: z.enum(['markdown', 'text', 'html']).optional(),
});

const idParams = z.object({ id: z.uuid('id must be a UUID') });

/** JSON uploads above this size must be sent as multipart files instead. */
const MAX_JSON_UPLOAD_BYTES = 2 * 1024 * 1024;
const pageQuery = z.object({
  limit: z.coerce.number().int().min(1).max(500).default(100),
  offset: z.coerce.number().int().min(0).default(0),
});

/** Reads a multipart upload; a malformed body (no boundary, broken parts) is the client's error. */
async function readMultipart(
  request: FastifyRequest,
  maxBytes: number,
): Promise<Omit<Upload, 'tenantId' | 'kbId'>> {
  try {
    const file = await request.file({ limits: { fileSize: maxBytes, files: 1, fields: 10 } });
    if (!file) throw new ParleyError('PARLEY_ERR_VALIDATION', 'multipart upload needs a file field');
    const bytes = await file.toBuffer();
    if (file.file.truncated) {
      throw new ParleyError('PARLEY_ERR_DOC_TOO_LARGE', `file is larger than ${maxBytes} bytes`);
    }
    if (bytes.length === 0) throw new ParleyError('PARLEY_ERR_VALIDATION', 'the uploaded file is empty');
    const field = (name: string) => {
      const value = file.fields[name];
      return value && !Array.isArray(value) && value.type === 'field' ? String(value.value) : undefined;
    };
    return {
      bytes,
      filename: file.filename || undefined,
      contentType: file.mimetype,
      title: field('title'),
      source: field('source'),
    };
  } catch (error) {
    if (isParleyError(error) || typeof (error as { statusCode?: unknown }).statusCode === 'number')
      throw error;
    throw new ParleyError('PARLEY_ERR_VALIDATION', `malformed multipart body: ${(error as Error).message}`);
  }
}

export function documentRoutes(
  app: FastifyInstance,
  runtime: Runtime,
  defaultKb: (tenantId: string) => Promise<string>,
) {
  const maxBytes = runtime.config.PARLEY_MAX_UPLOAD_BYTES;

  // The route's body limit applies to JSON only (multipart is streamed and capped per file):
  // a JSON body is parsed on the HTTP thread, so big documents should come as multipart files.
  const jsonLimit = Math.min(maxBytes, MAX_JSON_UPLOAD_BYTES) + 64 * 1024;
  app.post('/v1/documents', { bodyLimit: jsonLimit }, async (request, reply) => {
    const tenantId = request.principal.tenantId;
    let upload: Omit<Upload, 'tenantId' | 'kbId'>;
    if (request.isMultipart()) {
      upload = await readMultipart(request, maxBytes);
    } else {
      const body = jsonUpload.parse(request.body);
      const bytes = Buffer.from(body.text, 'utf8');
      if (bytes.length > maxBytes)
        throw new ParleyError('PARLEY_ERR_DOC_TOO_LARGE', `text is larger than ${maxBytes} bytes`);
      upload = { bytes, title: body.title, source: body.source, format: body.format ?? 'markdown' };
    }
    const kbId = await defaultKb(tenantId);
    const ids = await runtime.ingestion.submit({ ...upload, tenantId, kbId });
    return reply.status(202).send({ document_id: ids.documentId, job_id: ids.jobId });
  });

  app.get('/v1/documents', async (request) => {
    const page = pageQuery.parse(request.query);
    const documents = await listDocuments(tenantDb(runtime, request), request.principal.tenantId, page);
    return { documents, limit: page.limit, offset: page.offset };
  });

  app.get('/v1/documents/:id', async (request) => {
    const { id } = idParams.parse(request.params);
    const document = await getDocument(tenantDb(runtime, request), request.principal.tenantId, id);
    if (!document) throw notFound('document');
    return document;
  });

  app.delete('/v1/documents/:id', async (request, reply) => {
    const { id } = idParams.parse(request.params);
    const deleted = await deleteDocument(tenantDb(runtime, request), request.principal.tenantId, id);
    if (!deleted) throw notFound('document');
    runtime.retriever.invalidate(request.principal.tenantId);
    return reply.status(204).send();
  });

  app.get('/v1/jobs/:id', async (request) => {
    const { id } = idParams.parse(request.params);
    const job = await getJob(tenantDb(runtime, request), request.principal.tenantId, id);
    if (!job) throw notFound('job');
    return job;
  });
}
