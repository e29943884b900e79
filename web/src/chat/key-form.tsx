// The form that asks for an API key when the server answers 401 (the chat page and the dashboard).
import { useState } from 'preact/hooks';

export function KeyForm(props: { onKey(key: string): void }) {
  const [key, setKey] = useState('');
  return (
    <form
      class="key-form"
      onSubmit={(event) => {
        event.preventDefault();
        if (key.trim()) props.onKey(key.trim());
      }}
    >
      <label for="parley-key">API key</label>
      <input
        id="parley-key"
        type="password"
        autoComplete="off"
        value={key}
        placeholder="parley_…"
        onInput={(event) => setKey(event.currentTarget.value)}
      />
      <button type="submit">Use key</button>
    </form>
  );
}
