// Documents and ingestion jobs: upload (multipart file or JSON text) answers 202 with the job;
// list, get and delete are scoped to the caller's tenant.
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { isParleyError, notFound, ParleyError } from '../../errors/index.js';
import {
  deleteDocument,
  getDocument,
  getJob,
  type Ingestion,
  listDocuments,
  type Retriever,
  type Upload,
} from '../../knowledge/index.js';
import type { Database } from '../../storage/index.js';
import {
  documentList,
  documentView,
  jobView,
  jsonUpload,
  pageQuery,
  uploadAccepted,
  uploadBody,
} from './document-schemas.js';
import { errorResponses, noContent, TAGS, uuidParams } from './http-schemas.js';
import { tenantDb } from './tenant-db.js';

/** JSON uploads above this size must be sent as multipart files instead. */
const MAX_JSON_UPLOAD_BYTES = 2 * 1024 * 1024;
const tags = [TAGS.documents];

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

export interface DocumentRoutesOptions {
  db: Database;
  ingestion: Ingestion;
  /** Told when a tenant's documents change (its cached results no longer hold). */
  retriever: Pick<Retriever, 'invalidate'>;
  /** Largest accepted upload, in bytes. */
  maxUploadBytes: number;
  /** The tenant's default knowledge base (created on first use). */
  defaultKb: (tenantId: string) => Promise<string>;
}

export const documentRoutes: FastifyPluginAsync<DocumentRoutesOptions> = async (
  app,
  { db, ingestion, retriever, maxUploadBytes: maxBytes, defaultKb },
) => {
  // The route's body limit applies to JSON only (multipart is streamed and capped per file):
  // a JSON body is parsed on the HTTP thread, so big documents should come as multipart files.
  const jsonLimit = Math.min(maxBytes, MAX_JSON_UPLOAD_BYTES) + 64 * 1024;
  const api = app.withTypeProvider<ZodTypeProvider>();
  api.post(
    '/v1/documents',
    {
      bodyLimit: jsonLimit,
      schema: {
        tags,
        summary: 'Upload a document',
        description:
          'JSON text, or a multipart file (md, txt, html, pdf, docx). Answers at once; ingestion runs in ' +
          'the background as a job. An unchanged document (same content) is not ingested again.',
        body: uploadBody,
        response: { 202: uploadAccepted, ...errorResponses },
      },
    },
    async (request, reply) => {
      const tenantId = request.principal.tenantId;
      let upload: Omit<Upload, 'tenantId' | 'kbId'>;
      if (request.isMultipart()) {
        upload = await readMultipart(request, maxBytes);
      } else {
        // Checked by the route's schema already when JSON; a text/plain body (Fastify parses those
        // too) has no schema there, and is refused here with the same message as before.
        const body = jsonUpload.parse(request.body);
        const bytes = Buffer.from(body.text, 'utf8');
        if (bytes.length > maxBytes)
          throw new ParleyError('PARLEY_ERR_DOC_TOO_LARGE', `text is larger than ${maxBytes} bytes`);
        upload = { bytes, title: body.title, source: body.source, format: body.format ?? 'markdown' };
      }
      const kbId = await defaultKb(tenantId);
      const ids = await ingestion.submit({ ...upload, tenantId, kbId });
      return reply.status(202).send({ document_id: ids.documentId, job_id: ids.jobId });
    },
  );

  api.get(
    '/v1/documents',
    {
      schema: {
        tags,
        summary: "List the tenant's documents, newest first",
        querystring: pageQuery,
        response: { 200: documentList, ...errorResponses },
      },
    },
    async (request) => {
      const page = request.query;
      const documents = await listDocuments(tenantDb(db, request), request.principal.tenantId, page);
      return { documents, limit: page.limit, offset: page.offset };
    },
  );

  api.get(
    '/v1/documents/:id',
    {
      schema: {
        tags,
        summary: 'Read a document',
        params: uuidParams,
        response: { 200: documentView, ...errorResponses },
      },
    },
    async (request) => {
      const document = await getDocument(
        tenantDb(db, request),
        request.principal.tenantId,
        request.params.id,
      );
      if (!document) throw notFound('document');
      return document;
    },
  );

  api.delete(
    '/v1/documents/:id',
    {
      schema: {
        tags,
        summary: 'Delete a document and its chunks',
        params: uuidParams,
        response: { 204: noContent, ...errorResponses },
      },
    },
    async (request, reply) => {
      const tenantId = request.principal.tenantId;
      const deleted = await deleteDocument(tenantDb(db, request), tenantId, request.params.id);
      if (!deleted) throw notFound('document');
      retriever.invalidate?.(tenantId);
      return reply.status(204).send();
    },
  );

  api.get(
    '/v1/jobs/:id',
    {
      schema: {
        tags,
        summary: 'Follow an ingestion job (status and progress)',
        params: uuidParams,
        response: { 200: jobView, ...errorResponses },
      },
    },
    async (request) => {
      const job = await getJob(tenantDb(db, request), request.principal.tenantId, request.params.id);
      if (!job) throw notFound('job');
      return job;
    },
  );
};
