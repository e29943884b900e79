// The documents and jobs routes' schemas: an upload (JSON text, or a multipart file), the pages
// of the list, and how documents and ingestion jobs are shown.
import { z } from 'zod';
import { timestamp } from './http-schemas.js';

/** A document sent as JSON text. */
export const jsonUpload = z
  .object({
    title: z.string().trim().min(1).max(500),
    text: z.string().min(1, 'text must not be empty').describe('The whole document'),
    source: z.string().trim().min(1).max(2000).optional().describe('Where it comes from (a path or a URL)'),
    format: z
      .enum(['markdown', 'text', 'html'])
      .optional()
      .describe('How `text` is written (markdown if left out)'),
  })
  .meta({
    examples: [
      {
        title: 'Returns policy',
        text: '# Returns\n\nItems can be returned within 30 days of delivery, unused and in their box.',
        source: 'handbook/returns.md',
        format: 'markdown',
      },
    ],
  });

/** A document sent as a file (md, txt, html, pdf, docx); read by the handler as it streams in. */
export const multipartUpload = z.object({
  file: z.string().meta({ format: 'binary' }).describe('The file; its type comes from its name and content'),
  title: z.string().optional().describe('The file name when left out'),
  source: z.string().optional(),
});

/** Both ways to upload, for the route's body: JSON text or a multipart file. */
export const uploadBody = {
  content: {
    'application/json': { schema: jsonUpload },
    'multipart/form-data': { schema: multipartUpload },
  },
};

export const uploadAccepted = z
  .object({ document_id: z.uuid(), job_id: z.uuid().describe('Follow it at GET /v1/jobs/{id}') })
  .describe('Accepted: the document is ingested in the background');

export const pageQuery = z.object({
  limit: z.coerce.number().int().min(1).max(500).default(100),
  offset: z.coerce.number().int().min(0).default(0),
});

export const documentView = z
  .object({
    id: z.uuid(),
    knowledge_base_id: z.uuid(),
    title: z.string(),
    source: z.string().nullable(),
    format: z.string().nullable(),
    status: z.string().describe('pending, ready or failed'),
    chunk_count: z.number(),
    byte_size: z.number().nullable(),
    error: z.string().nullable(),
    created_at: timestamp,
    updated_at: timestamp,
  })
  .meta({ id: 'Document' });

export const documentList = z.object({
  documents: z.array(documentView),
  limit: z.number(),
  offset: z.number(),
});

export const jobView = z
  .object({
    id: z.uuid(),
    kind: z.string(),
    document_id: z.uuid().nullable(),
    status: z.enum(['queued', 'running', 'succeeded', 'failed']),
    progress: z.number().describe('0 to 1'),
    attempts: z.number(),
    result: z.unknown().describe('What the job produced (for ingestion: chunks, unchanged)'),
    error: z.string().nullable(),
    created_at: timestamp,
    started_at: timestamp.nullable(),
    finished_at: timestamp.nullable(),
  })
  .meta({ id: 'Job' });
