// The memory routes' schemas: an end user's long-term memories as they see and edit them.
import { z } from 'zod';
import { MAX_MEMORY_CHARS } from '../../orchestrator/index.js';
import { timestamp } from './http-schemas.js';

export const memory = z
  .object({
    id: z.string(),
    kind: z
      .enum(['fact', 'preference'])
      .describe('A preference shapes every answer; a fact is recalled when relevant'),
    topic: z.string().describe('What it is about; a newer memory of the same topic replaces it'),
    text: z.string(),
    bot_id: z.string().describe('The bot whose conversation it was taken from'),
    conversation_id: z.string().nullable(),
    turn_id: z.string().describe('The turn it was taken from'),
    created_at: timestamp,
    updated_at: timestamp,
  })
  .meta({ id: 'Memory' });

export const memoryList = z.object({ memories: z.array(memory) });

export const memoryQuery = z
  .object({
    user: z
      .string()
      .min(1)
      .max(256)
      .optional()
      .describe(
        'Admin keys: the end user whose memories these are (others name theirs by signing in or Parley-User)',
      ),
  })
  .strict();

// No example: the route edits a memory the server took from a turn, by its generated id.
export const memoryEdit = z
  .object({
    text: z
      .string()
      .trim()
      .min(1)
      .max(MAX_MEMORY_CHARS)
      .describe('The memory as it should read, e.g. "Prefers short answers in French."'),
  })
  .strict();

export const memoriesDeleted = z.object({
  deleted: z.number().int().describe('How many memories were deleted'),
});
