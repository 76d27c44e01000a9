/** Browser storage that never throws: localStorage when it works, an in-memory copy always. */

/** The localStorage keys of one tenant's conversation. */
export function storageKeys(tenant) {
  return {
    session: `leadbot.session.${tenant}`,
    transcript: `leadbot.transcript.${tenant}`,
    outbox: `leadbot.outbox.${tenant}`,
    state: `leadbot.state.${tenant}`,
  };
}

export function createStore() {
  const memoryStore = new Map();
  return {
    get(key) {
      try {
        const v = window.localStorage.getItem(key);
        return v === null ? (memoryStore.get(key) ?? null) : v;
      } catch {
        return memoryStore.get(key) ?? null;
      }
    },
    set(key, value) {
      memoryStore.set(key, value);
      try {
        window.localStorage.setItem(key, value);
      } catch {
        // Storage disabled or full: the in-memory copy keeps this page working.
      }
    },
    getJson(key, fallback) {
      try {
        const raw = this.get(key);
        return raw ? JSON.parse(raw) : fallback;
      } catch {
        return fallback;
      }
    },
  };
}
