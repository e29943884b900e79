// The chat page at `/`: the chat against this server, with an API key if the server needs one
// (from `?key=`, or typed when the server asks; kept in this browser's localStorage), or as a
// signed-in user: a sign-in that ends on `/#token=<JWT of the operator's identity provider>`
// leaves the token for this tab only (sessionStorage; a fragment never reaches a server or its
// logs), and it is sent instead of a key.
import { render } from 'preact';
import { useMemo, useState } from 'preact/hooks';
import { ChatClient } from './chat/api-client.js';
import { ChatApp } from './chat/chat-app.js';
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
  return (
    <main class="page">
      <ChatApp
        key={key ?? 'no-key'}
        client={client}
        saved={saved}
        title="Parley"
        idPrefix="page"
        autoFocus
        onKey={(value) => {
          saved.set('key', value);
          setKey(value);
        }}
      />
    </main>
  );
}

render(<Page />, document.getElementById('app')!);
