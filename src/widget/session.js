/** The visitor's conversation as this browser keeps it: session id, transcript, unsent messages, state. */
import { MAX_TRANSCRIPT } from './constants.js';
import { str } from './settings.js';

export function uuid() {
  if (window.crypto && typeof window.crypto.randomUUID === 'function') return window.crypto.randomUUID();
  // randomUUID needs a secure context; plain-http host pages still have getRandomValues.
  const b = window.crypto.getRandomValues(new Uint8Array(16));
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  const h = Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/** The stored session id, or a new one (stored right away). */
function loadSessionId(store, keys) {
  let sessionId = store.get(keys.session);
  if (!sessionId || !/^[A-Za-z0-9-]{8,100}$/.test(sessionId)) {
    sessionId = uuid();
    store.set(keys.session, sessionId);
  }
  return sessionId;
}

const isEntry = (e) => e && typeof e.text === 'string' && ['user', 'bot', 'system'].includes(e.role);

function loadTranscript(store, keys) {
  const transcript = store.getJson(keys.transcript, []);
  return Array.isArray(transcript) ? transcript.filter(isEntry).slice(-MAX_TRANSCRIPT) : [];
}

function loadOutbox(store, keys) {
  const outbox = store.getJson(keys.outbox, []);
  if (!Array.isArray(outbox)) return [];
  return outbox
    .filter((m) => m && typeof m.id === 'string' && typeof m.text === 'string')
    .map((m) => ({ id: m.id, text: m.text, sent: false }));
}

/** Loads the tenant's conversation from `store`; the returned object saves itself back there. */
export function loadSession(store, keys) {
  const session = {
    sessionId: loadSessionId(store, keys),
    /** Bubbles shown so far: { role, text, ts, id? }. */
    transcript: loadTranscript(store, keys),
    /** Messages the server has not acknowledged: { id, text, sent }; resent on reconnect (the server dedupes by id). */
    outbox: loadOutbox(store, keys),
    lastState: str(store.get(keys.state)),
    saveTranscript: () =>
      store.set(keys.transcript, JSON.stringify(session.transcript.slice(-MAX_TRANSCRIPT))),
    saveOutbox: () => store.set(keys.outbox, JSON.stringify(session.outbox)),
    saveState(state) {
      session.lastState = state;
      store.set(keys.state, state);
    },
  };
  return session;
}
