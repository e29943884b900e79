// A turn's trace keeps the prompt the model was sent, its passages as references to their chunks:
// the stored row holds none of the passages' text, GET /v1/turns/{id}/trace shows the prompt as
// sent, and once the document is deleted its text is gone from the trace too (a marker names the
// chunk). On both backends.
import { describe, expect, it } from 'vitest';
import { removedPassage } from '../../src/orchestrator/trace-prompt.js';
import { useChatFixture } from '../support/chat-fixture.js';
import { QUESTION, TIDES } from '../support/documents.js';
import { call } from '../support/http.js';
import { BACKENDS, eventually } from '../support/test-backend.js';

interface PromptTrace {
  retrieved: { chunk_id: number; title: string }[];
  prompt: {
    system: string;
    messages: { role: string; content: string }[];
    passages?: unknown;
    passages_removed?: number[];
  };
}

const MOON_LINE = 'gravitational pull of the Moon';

describe.each(BACKENDS)('the passages of a stored trace on %s', (kind) => {
  const t = useChatFixture({
    kind,
    models: 'openai:small-model',
    documents: [
      TIDES,
      { title: 'Harbour', text: '# Harbour\n\nThe harbour gates follow the tides & the moon.' },
    ],
  });
  const traceOf = (turnId: string) =>
    eventually(async () => {
      const found = await call<PromptTrace>(t.app, { method: 'GET', url: `/v1/turns/${turnId}/trace` });
      return found.status === 200 ? found.body : undefined;
    });
  const storedRow = async (turnId: string) =>
    (
      await t.server.runtime.db.query<{ trace: string }>(
        'select trace::text as trace from turn_traces where turn_id = $1',
        [turnId],
      )
    )[0]?.trace;

  it('stores references, shows the prompt as sent, and drops a deleted document’s text', async () => {
    const answered = await t.chat<{ turn_id: string; mode: string }>({ message: QUESTION });
    expect(answered.status).toBe(200);
    expect(answered.body.mode).toBe('generated');
    const sent = t.stub.requests.at(-1)!.body as { messages: { role: string; content: string }[] };
    const sentUser = sent.messages.at(-1)!.content;
    expect(sentUser).toContain(MOON_LINE);

    const trace = await traceOf(answered.body.turn_id);
    // As read: the prompt the model was sent, to the character.
    expect(trace.prompt.messages.at(-1)!.content).toBe(sentUser);
    expect(trace.prompt.system).toBe(sent.messages[0]!.content);
    expect(trace.prompt).not.toHaveProperty('passages');
    expect(trace.prompt).not.toHaveProperty('passages_removed');

    // As stored: the passages are references to the chunks, their text is not there.
    const row = await storedRow(answered.body.turn_id);
    expect(row).toBeDefined();
    expect(row).not.toContain(MOON_LINE);
    expect(row).toContain('"passages"');

    const tides = trace.retrieved.find((chunk) => chunk.title === 'Tides')!;
    const listed = await call<{ documents: { id: string; title: string }[] }>(t.app, {
      method: 'GET',
      url: '/v1/documents',
    });
    const document = listed.body.documents.find((d) => d.title === 'Tides')!;
    const deleted = await call(t.app, { method: 'DELETE', url: `/v1/documents/${document.id}` });
    expect(deleted.status).toBe(204);

    const after = (
      await call<PromptTrace>(t.app, {
        method: 'GET',
        url: `/v1/turns/${answered.body.turn_id}/trace`,
      })
    ).body;
    const content = after.prompt.messages.at(-1)!.content;
    expect(content).not.toContain(MOON_LINE);
    expect(content).toContain(removedPassage(tides.chunk_id));
    expect(after.prompt.passages_removed).toEqual([tides.chunk_id]);
    // The other document's passage is still shown as it was sent.
    expect(content).toContain('follow the tides &amp; the moon');
  });
});
