// The page's list of the caller's conversations (GET /v1/conversations: a key's tenant's, a
// signed-in user's own), the latest changed first: search by title, open one, rename it, delete it
// (with a confirmation). Hidden for callers that may not list (a widget visitor, a key without the
// scope): the chat works without it.
import { useEffect, useState } from 'preact/hooks';
import { type ChatClient, ChatError, type ConversationSummary } from './api-client.js';
import { errorText } from './error-text.js';

export interface ConversationListProps {
  client: ChatClient;
  /** The conversation shown in the chat. */
  current: string | undefined;
  /** Changes when the list may be stale (an answer ended, a conversation began). */
  version: number;
  onOpen(id: string): void;
  /** The conversation was deleted (the chat leaves it if it showed it). */
  onDeleted(id: string): void;
}

/** Waits this long after the last keystroke before searching. */
const SEARCH_DELAY_MS = 250;

export function ConversationList(props: ConversationListProps) {
  const { client, version } = props;
  const [items, setItems] = useState<ConversationSummary[]>([]);
  const [hidden, setHidden] = useState(false);
  const [query, setQuery] = useState('');
  const [error, setError] = useState<string>();
  const [renaming, setRenaming] = useState<{ id: string; title: string }>();
  const [reload, setReload] = useState(0);

  useEffect(() => {
    const abort = new AbortController();
    const timer = setTimeout(
      () => {
        client
          .conversations(query, abort.signal)
          .then((list) => {
            setItems(list);
            setHidden(false);
            setError(undefined);
          })
          .catch((failure: unknown) => {
            if (abort.signal.aborted) return;
            if (failure instanceof ChatError && ['forbidden', 'unauthorized'].includes(failure.kind)) {
              setHidden(true);
            } else {
              setError(`Could not list the conversations. ${errorText(failure)}`);
            }
          });
      },
      query ? SEARCH_DELAY_MS : 0,
    );
    return () => {
      clearTimeout(timer);
      abort.abort();
    };
  }, [client, query, version, reload]);

  if (hidden) return null;

  const rename = async (id: string, title: string) => {
    setRenaming(undefined);
    const trimmed = title.trim();
    if (!trimmed) return;
    try {
      await client.renameConversation(id, trimmed);
      setReload((count) => count + 1);
    } catch (failure) {
      setError(`Could not rename it. ${errorText(failure)}`);
    }
  };
  const remove = async (item: ConversationSummary) => {
    if (!window.confirm(`Delete "${item.title ?? 'Untitled'}" and all its messages?`)) return;
    try {
      await client.deleteConversation(item.id);
      props.onDeleted(item.id);
      setReload((count) => count + 1);
    } catch (failure) {
      setError(`Could not delete it. ${errorText(failure)}`);
    }
  };

  return (
    <nav class="conversations" aria-label="Conversations">
      <label class="visually-hidden" for="conversation-search">
        Search conversations
      </label>
      <input
        id="conversation-search"
        type="search"
        placeholder="Search…"
        value={query}
        onInput={(event) => setQuery(event.currentTarget.value)}
      />
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      <ul>
        {items.map((item) => (
          <li key={item.id} class={item.id === props.current ? 'current' : undefined}>
            {renaming?.id === item.id ? (
              <form
                onSubmit={(event) => {
                  event.preventDefault();
                  void rename(item.id, renaming.title);
                }}
              >
                <label class="visually-hidden" for={`rename-${item.id}`}>
                  New title
                </label>
                <input
                  id={`rename-${item.id}`}
                  value={renaming.title}
                  maxLength={200}
                  ref={(element) => element?.focus()}
                  onInput={(event) => setRenaming({ id: item.id, title: event.currentTarget.value })}
                  onKeyDown={(event) => {
                    if (event.key === 'Escape') setRenaming(undefined);
                  }}
                />
              </form>
            ) : (
              <button
                type="button"
                class="open"
                aria-current={item.id === props.current ? 'page' : undefined}
                onClick={() => props.onOpen(item.id)}
              >
                {item.title || 'Untitled'}
              </button>
            )}
            <button
              type="button"
              class="ghost rename"
              aria-label={`Rename ${item.title ?? 'Untitled'}`}
              title="Rename"
              onClick={() => setRenaming({ id: item.id, title: item.title ?? '' })}
            >
              ✎
            </button>
            <button
              type="button"
              class="ghost delete"
              aria-label={`Delete ${item.title ?? 'Untitled'}`}
              title="Delete"
              onClick={() => void remove(item)}
            >
              ×
            </button>
          </li>
        ))}
      </ul>
      {items.length === 0 && !error && (
        <p class="empty">{query ? 'No conversation matches.' : 'No conversations yet.'}</p>
      )}
    </nav>
  );
}
