// The chat page at `/`: the caller's conversations beside the chat (conversation-list.tsx), and
// the chat against this server, with an API key if the server needs one
// (from `?key=`, or typed when the server asks; kept in this browser's localStorage), or as a
// signed-in user: a sign-in that ends on `/#token=<JWT of the operator's identity provider>`
// leaves the token for this tab only (sessionStorage; a fragment never reaches a server or its
// logs), and it is sent instead of a key.
import { render } from 'preact';
import { useCallback, useMemo, useState } from 'preact/hooks';
import { ChatClient } from './chat/api-client.js';
import { ChatApp } from './chat/chat-app.js';
import { ConversationList } from './chat/conversation-list.js';
import { savedState } from './chat/saved-state.js';
import './chat/chat.css';

const saved = savedState('parley.page');
const fromUrl = new URLSearchParams(window.location.search).get('key');
if (fromUrl) {
  saved.set('key', fromUrl);
  // Keep the key out of the address bar and the history.
  history.replaceState(null, '', window.location.pathname);
}

const USER_TOKEN = 'parley.page.userToken';
const fromFragment = new URLSearchParams(window.location.hash.slice(1)).get('token');
if (fromFragment) {
  try {
    sessionStorage.setItem(USER_TOKEN, fromFragment);
  } catch {
    // storage blocked: the token is not kept
  }
  history.replaceState(null, '', window.location.pathname + window.location.search);
}
const userToken = (): string | undefined => {
  try {
    return sessionStorage.getItem(USER_TOKEN) ?? undefined;
  } catch {
    return undefined;
  }
};

function Page() {
  const [key, setKey] = useState(saved.get('key'));
  const client = useMemo(() => new ChatClient({ baseUrl: '', key: () => userToken() ?? key }), [key]);
  /** The conversation shown; `opened` changes only when one is opened from the list (a new chat). */
  const [current, setCurrent] = useState(saved.get('conversation'));
  const [opened, setOpened] = useState(0);
  const [version, setVersion] = useState(0);
  const show = (id: string | undefined) => {
    if (id) saved.set('conversation', id);
    else saved.remove('conversation');
    setCurrent(id);
    setOpened((count) => count + 1);
  };
  const changed = useCallback(() => setVersion((count) => count + 1), []);
  const began = useCallback((id: string | undefined) => {
    setCurrent(id);
    setVersion((count) => count + 1);
  }, []);
  return (
    <main class="page with-list">
      <ConversationList
        key={key ?? 'no-key'}
        client={client}
        current={current}
        version={version}
        onOpen={(id) => show(id)}
        onDeleted={(id) => {
          if (id === current) show(undefined);
        }}
      />
      <ChatApp
        key={`${key ?? 'no-key'}:${opened}`}
        client={client}
        saved={saved}
        title="Parley"
        idPrefix="page"
        autoFocus
        onConversation={began}
        onAnswered={changed}
        onKey={(value) => {
          saved.set('key', value);
          setKey(value);
        }}
      />
    </main>
  );
}

render(<Page />, document.getElementById('app')!);
