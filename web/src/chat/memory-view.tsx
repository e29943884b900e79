// What the bot remembers about the signed-in user (GET /v1/memories), shown in place of the
// messages when opened from the chat's header: each fact or preference can be corrected (PATCH,
// stored as the server redacts it) or deleted, and all of them at once. The chat shows the
// header's button only when the caller may read memories (see `useMemoryAccess`).
import { useEffect, useState } from 'preact/hooks';
import type { ChatClient, StoredMemory } from './api-client.js';
import { errorText } from './error-text.js';

/** Whether the caller has memories to see: a signed-in user whose server keeps them. */
export function useMemoryAccess(client: ChatClient): boolean {
  const [allowed, setAllowed] = useState(false);
  useEffect(() => {
    // A key or an anonymous visitor has none: no request (a widget's requests count against its limit).
    if (!client.signedIn()) return;
    const abort = new AbortController();
    // Any refusal (no user: 403, an admin key naming nobody: 400, signed out: 401) hides the view.
    client
      .memories(abort.signal)
      .then(() => setAllowed(true))
      .catch(() => setAllowed(false));
    return () => abort.abort();
  }, [client]);
  return allowed;
}

const KIND_LABELS: Record<StoredMemory['kind'], string> = { fact: 'Fact', preference: 'Preference' };

export function MemoryView(props: { client: ChatClient; idPrefix: string; onClose(): void }) {
  const { client } = props;
  const [items, setItems] = useState<StoredMemory[] | undefined>();
  const [error, setError] = useState<string>();
  const [editing, setEditing] = useState<{ id: string; text: string }>();
  const [busy, setBusy] = useState(false);
  const [reload, setReload] = useState(0);

  useEffect(() => {
    const abort = new AbortController();
    client
      .memories(abort.signal)
      .then((list) => {
        setItems(list);
        setError(undefined);
      })
      .catch((failure: unknown) => {
        if (!abort.signal.aborted) setError(`Could not read what is remembered. ${errorText(failure)}`);
      });
    return () => abort.abort();
  }, [client, reload]);

  /** Runs one change, then reads the list again (it shows what the server stored). */
  const change = async (what: string, run: () => Promise<unknown>) => {
    setBusy(true);
    setError(undefined);
    try {
      await run();
      setEditing(undefined);
    } catch (failure) {
      setError(`Could not ${what}. ${errorText(failure)}`);
    } finally {
      setBusy(false);
      setReload((count) => count + 1);
    }
  };
  const save = (id: string, text: string) => {
    if (!text.trim()) return;
    void change('save the change', () => client.editMemory(id, text.trim()));
  };
  const remove = (memory: StoredMemory) => {
    if (!window.confirm(`Forget "${memory.text}"?`)) return;
    void change('forget it', () => client.deleteMemories(memory.id));
  };
  const removeAll = () => {
    if (!window.confirm('Forget everything remembered about you?')) return;
    void change('forget them', () => client.deleteMemories());
  };

  return (
    <section class="memories" aria-label="What the assistant remembers about you">
      <div class="memories-head">
        <p class="memories-intro">
          Remembered from your conversations and used in later answers. Correct or delete anything.
        </p>
        <button type="button" class="ghost" onClick={props.onClose}>
          Back to chat
        </button>
      </div>
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      {items && items.length === 0 && <p class="empty">Nothing is remembered about you yet.</p>}
      <ul>
        {items?.map((memory) => (
          <li key={memory.id} class="memory" data-kind={memory.kind}>
            <span class="memory-kind">{KIND_LABELS[memory.kind] ?? memory.kind}</span>
            {editing?.id === memory.id ? (
              <form
                class="memory-edit"
                onSubmit={(event) => {
                  event.preventDefault();
                  save(memory.id, editing.text);
                }}
              >
                <label class="visually-hidden" for={`${props.idPrefix}-memory-${memory.id}`}>
                  Memory text
                </label>
                <textarea
                  id={`${props.idPrefix}-memory-${memory.id}`}
                  value={editing.text}
                  maxLength={500}
                  ref={(element) => element?.focus()}
                  onInput={(event) => setEditing({ id: memory.id, text: event.currentTarget.value })}
                  onKeyDown={(event) => {
                    // As in the composer: Enter saves, Shift+Enter starts a new line.
                    if (event.key === 'Enter' && !event.shiftKey && !event.isComposing) {
                      event.preventDefault();
                      save(memory.id, editing.text);
                    } else if (event.key === 'Escape') {
                      // Leaves the edit, not the panel (the widget closes on Escape).
                      event.preventDefault();
                      setEditing(undefined);
                    }
                  }}
                />
                <button type="submit" disabled={busy || editing.text.trim() === ''}>
                  Save
                </button>
                <button type="button" class="ghost" onClick={() => setEditing(undefined)}>
                  Cancel
                </button>
              </form>
            ) : (
              <>
                <span class="memory-text">{memory.text}</span>
                <span class="memory-actions">
                  <button
                    type="button"
                    class="ghost"
                    aria-label={`Edit: ${memory.text}`}
                    disabled={busy}
                    onClick={() => setEditing({ id: memory.id, text: memory.text })}
                  >
                    Edit
                  </button>
                  <button
                    type="button"
                    class="ghost"
                    aria-label={`Forget: ${memory.text}`}
                    disabled={busy}
                    onClick={() => remove(memory)}
                  >
                    Forget
                  </button>
                </span>
              </>
            )}
          </li>
        ))}
      </ul>
      {items && items.length > 0 && (
        <button type="button" class="ghost forget-all" disabled={busy} onClick={removeAll}>
          Forget everything
        </button>
      )}
    </section>
  );
}
