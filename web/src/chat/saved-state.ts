// What survives a reload, in localStorage under one prefix per chat (the page, or one widget key):
// the conversation id, and for a widget its signed visitor token. Storage can be unavailable
// (private mode, blocked cookies): the chat then works without remembering.

export interface SavedState {
  get(name: string): string | undefined;
  set(name: string, value: string): void;
  remove(name: string): void;
}

export function savedState(prefix: string): SavedState {
  const storage = (() => {
    try {
      return window.localStorage;
    } catch {
      return undefined;
    }
  })();
  return {
    get: (name) => storage?.getItem(`${prefix}.${name}`) ?? undefined,
    set: (name, value) => {
      try {
        storage?.setItem(`${prefix}.${name}`, value);
      } catch {
        // full or blocked: not remembered
      }
    },
    remove: (name) => storage?.removeItem(`${prefix}.${name}`),
  };
}
