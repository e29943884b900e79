// The chat page at `/`: the caller's conversations beside the chat (conversation-list.tsx), and
// the chat against this server, with an API key if the server needs one
// (from `?key=`, or typed when the server asks; kept in this browser's localStorage), or as a
// signed-in user: a sign-in that ends on `/#token=<JWT of the operator's identity provider>`
// leaves the token for this tab only (sessionStorage; a fragment never reaches a server or its
// logs), and it is sent instead of a key. When the server refuses that token (it expired), the chat
// says the sign-in expired and keeps the message; a sign-in that lands on `/#token=` again, by a
// reload or by changing only the fragment (a sign-in popup or a silent renewal setting
// `location.hash`), signs the page in afresh with the message still in the input.
import { render } from 'preact';
import { useCallback, useEffect, useMemo, useState } from 'preact/hooks';
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
/** Takes a user token from `#token=` (then out of the address bar); true when there was one. */
function takeFragmentToken(): boolean {
  const fromFragment = new URLSearchParams(window.location.hash.slice(1)).get('token');
  if (!fromFragment) return false;
  try {
    sessionStorage.setItem(USER_TOKEN, fromFragment);
  } catch {
    // storage blocked: the token is not kept
  }
  history.replaceState(null, '', window.location.pathname + window.location.search);
  return true;
}
takeFragmentToken();
const userToken = (): string | undefined => {
  try {
    return sessionStorage.getItem(USER_TOKEN) ?? undefined;
  } catch {
    return undefined;
  }
};

function Page() {
  const [key, setKey] = useState(saved.get('key'));
  /** Counts sign-ins without a reload: each one starts the list and the chat afresh. */
  const [signIns, setSignIns] = useState(0);
  useEffect(() => {
    const signedIn = () => {
      if (takeFragmentToken()) setSignIns((count) => count + 1);
    };
    window.addEventListener('hashchange', signedIn);
    return () => window.removeEventListener('hashchange', signedIn);
  }, []);
  const client = useMemo(
    () =>
      new ChatClient({
        baseUrl: '',
        key: () => userToken() ?? key,
        signedIn: () => userToken() !== undefined,
      }),
    // A new client per sign-in: what it read (the list, the memories) is read again.
    [key, signIns],
  );
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
        key={`${key ?? 'no-key'}:${signIns}`}
        client={client}
        current={current}
        version={version}
        onOpen={(id) => show(id)}
        onDeleted={(id) => {
          if (id === current) show(undefined);
        }}
      />
      <ChatApp
        key={`${key ?? 'no-key'}:${opened}:${signIns}`}
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
