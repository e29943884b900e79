// The operator dashboard at `/dashboard`, with the chat page's API key (the same localStorage
// entry; `?key=` once, or typed when the server answers 401).
import { render } from 'preact';
import { useMemo, useState } from 'preact/hooks';
import { ChatClient } from './chat/api-client.js';
import { savedState } from './chat/saved-state.js';
import { DashboardApp } from './dashboard/dashboard-app.js';
import './chat/chat.css';
import './dashboard/dashboard.css';

const saved = savedState('parley.page');
const fromUrl = new URLSearchParams(window.location.search).get('key');
if (fromUrl) {
  saved.set('key', fromUrl);
  // Keep the key out of the address bar and the history.
  history.replaceState(null, '', window.location.pathname);
}

function Page() {
  const [key, setKey] = useState(saved.get('key'));
  const client = useMemo(() => new ChatClient({ baseUrl: '', key: () => key }), [key]);
  return (
    <main class="dashboard">
      <DashboardApp
        key={key ?? 'no-key'}
        client={client}
        onKey={(value) => {
          saved.set('key', value);
          setKey(value);
        }}
      />
    </main>
  );
}

render(<Page />, document.getElementById('app')!);
