// The embeddable widget: `<script src="https://parley.example/widget.js" data-key="pk_..."
// data-bot="parley"></script>` adds a chat bubble to any page. A host site that signs its users in
// sets `data-user-token` to the user's JWT (and updates it when it refreshes the token): the
// widget's conversations are then the user's. When the server refuses the token (it expired), the
// widget fires `parley:token-expired` on `window` and waits up to TOKEN_WAIT_MS for the host to hand
// a fresh one (`window.Parley.setUserToken(token)`, or a new `data-user-token`), then sends the
// request again; with none, it says the sign-in expired and keeps the message. It lives in a Shadow DOM (the host
// page's CSS cannot reach it, nor its CSS the page) and talks to the Parley origin it was loaded from.
import { render } from 'preact';
import { useRef, useState } from 'preact/hooks';
import { ChatClient } from './chat/api-client.js';
import css from './chat/chat.css?inline';
import { ChatApp } from './chat/chat-app.js';
import { savedState } from './chat/saved-state.js';

function Widget(props: { client: ChatClient; saved: ReturnType<typeof savedState>; bot: string }) {
  const [open, setOpen] = useState(props.saved.get('open') === '1');
  const bubble = useRef<HTMLButtonElement>(null);
  const toggle = (value: boolean) => {
    setOpen(value);
    props.saved.set('open', value ? '1' : '0');
    if (!value) bubble.current?.focus();
  };
  return (
    <div class={`widget ${open ? 'open' : ''}`}>
      {open && (
        <div
          class="panel"
          role="dialog"
          aria-label={`Chat with ${props.bot}`}
          onKeyDown={(event) => {
            // Esc stops an answer first (the chat marks that handled), and closes the panel otherwise.
            if (event.key === 'Escape' && !event.defaultPrevented) toggle(false);
          }}
        >
          <ChatApp
            client={props.client}
            saved={props.saved}
            title={`Chat with ${props.bot}`}
            idPrefix="pw"
            autoFocus
          />
        </div>
      )}
      <button
        type="button"
        ref={bubble}
        class="bubble"
        aria-expanded={open}
        aria-label={open ? 'Close chat' : `Open chat with ${props.bot}`}
        onClick={() => toggle(!open)}
      >
        {open ? (
          <svg viewBox="0 0 24 24" aria-hidden="true">
            <path d="M6 6l12 12M18 6L6 18" />
          </svg>
        ) : (
          <svg viewBox="0 0 24 24" aria-hidden="true">
            <path d="M4 5h16v11H9l-5 4z" />
          </svg>
        )}
      </button>
    </div>
  );
}

/** How long a refused request waits for the host site to hand a fresh user token. */
const TOKEN_WAIT_MS = 5_000;

/** The embedding API on `window.Parley`: every widget on the page takes the new user token. */
interface ParleyGlobal {
  setUserToken(token: string): void;
}
const widgetScripts = new Set<HTMLScriptElement>();
const parleyWindow = window as unknown as { Parley?: ParleyGlobal };
parleyWindow.Parley = {
  ...parleyWindow.Parley,
  setUserToken(token: string) {
    for (const script of widgetScripts) script.dataset.userToken = token;
  },
};

/** The ask for a fresh token under way, per widget: requests refused at once share one. */
const asking = new WeakMap<HTMLScriptElement, Promise<string | undefined>>();

/**
 * A user token newer than `refused`: the one the host already handed (a request that left before
 * an earlier ask was answered comes back refused after it), else the host's answer to a new ask,
 * or undefined after TOKEN_WAIT_MS.
 */
function freshUserToken(
  script: HTMLScriptElement,
  bot: string,
  refused: string,
): Promise<string | undefined> {
  const now = script.dataset.userToken;
  if (now && now !== refused) return Promise.resolve(now);
  let pending = asking.get(script);
  if (!pending) {
    pending = askHost(script, bot, refused).finally(() => asking.delete(script));
    asking.set(script, pending);
  }
  return pending;
}

function askHost(script: HTMLScriptElement, bot: string, refused: string): Promise<string | undefined> {
  return new Promise((resolve) => {
    const done = (token: string | undefined) => {
      observer.disconnect();
      clearTimeout(timer);
      resolve(token);
    };
    const observer = new MutationObserver(() => {
      const now = script.dataset.userToken;
      if (now && now !== refused) done(now);
    });
    observer.observe(script, { attributes: true, attributeFilter: ['data-user-token'] });
    const timer = setTimeout(() => done(undefined), TOKEN_WAIT_MS);
    window.dispatchEvent(new CustomEvent('parley:token-expired', { detail: { bot } }));
  });
}

function mount(script: HTMLScriptElement) {
  widgetScripts.add(script);
  const origin = new URL(script.src, window.location.href).origin;
  const key = script.dataset.key;
  const bot = script.dataset.bot ?? 'parley';
  // One saved state per key, so two widgets (or two sites on one origin) do not mix conversations.
  const saved = savedState(`parley.widget.${(key ?? 'nokey').slice(0, 19)}`);
  const client = new ChatClient({
    baseUrl: origin,
    key: () => key,
    visitor: { get: () => saved.get('visitor'), set: (token) => saved.set('visitor', token) },
    // Read on every request: the host may replace the token when it refreshes it.
    userToken: () => script.dataset.userToken || undefined,
    refreshUserToken: (refused) => freshUserToken(script, bot, refused),
  });
  const host = document.createElement('div');
  host.setAttribute('data-parley-widget', bot);
  document.body.appendChild(host);
  const shadow = host.attachShadow({ mode: 'open' });
  const style = document.createElement('style');
  style.textContent = css;
  const root = document.createElement('div');
  shadow.append(style, root);
  render(<Widget client={client} saved={saved} bot={bot} />, root);
}

const script = document.currentScript as HTMLScriptElement | null;
if (script) {
  if (document.body) mount(script);
  else document.addEventListener('DOMContentLoaded', () => mount(script), { once: true });
}
