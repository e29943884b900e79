// The schema of GET /v1/turns/{id}/stream, the resumption of a streamed answer.
import { z } from 'zod';
import { errorResponses, TAGS, uuidParams } from './http-schemas.js';

const RESUME_DESCRIPTION = [
  'Resumes a streamed answer (`POST /v1/chat` with `stream: true`) after a lost connection, on any',
  'replica: the events after the one named by the `Last-Event-ID` header (or the `last_event_id`',
  'query, for clients without EventSource), then the live rest until `done` or `error`; every event',
  'is sent once, with the same `id:` (its number: 0, 1, …) and data as in the original stream. Without',
  'an id, the stream from its start. A stream stays resumable for `PARLEY_STREAM_RESUME_SECONDS` after',
  'its last event; an unknown or expired one is a 404. When the rest cannot be had (the stream',
  'outgrew the buffer, or the replica answering it stopped), the stream ends with `error`',
  '`PARLEY_ERR_STREAM_LOST`: the answer is then read back with `GET /v1/conversations/{id}` once stored.',
].join(' ');

export const turnStreamQuery = z.object({
  last_event_id: z
    .string()
    .max(100)
    .optional()
    .describe('The id of the last event received, when the Last-Event-ID header cannot be sent'),
});

export const turnStreamRoute = {
  tags: [TAGS.chat],
  summary: 'Resume a streamed answer from the last event received',
  description: RESUME_DESCRIPTION,
  params: uuidParams,
  querystring: turnStreamQuery,
  headers: z.looseObject({
    'last-event-id': z.string().max(100).optional().describe('The id of the last event received (0, 1, …)'),
  }),
  response: {
    200: {
      description: 'The rest of the answer as server-sent events',
      content: { 'text/event-stream': { schema: z.string().describe(RESUME_DESCRIPTION) } },
    },
    ...errorResponses,
  },
};
