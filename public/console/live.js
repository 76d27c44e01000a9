// The live feed: Server-Sent Events from /console/events (cookie-authenticated).
// EventSource reconnects by itself after a dropped stream; when the server refuses the stream
// (it closes for good), the app checks the session and reopens it after a growing pause.

import { byId } from '/console/dom.js';
import { t } from '/console/i18n.js';

const EVENTS = ['handoff', 'removed', 'message', 'state'];
const LABELS = {
  connecting: 'liveConnecting',
  connected: 'liveConnected',
  reconnecting: 'liveReconnecting',
  offline: 'liveOffline',
};

let source = null;
let status = 'connecting';
let retryTimer = null;
let retryMs = 2000;
let wasDown = false;

function setStatus(next) {
  status = next;
  renderLiveStatus();
}

export function renderLiveStatus() {
  const node = byId('live-status');
  node.dataset.state = status;
  node.querySelector('.live-text').textContent = t(LABELS[status]);
}

/**
 * Opens the stream. `handlers`: one function per event name (parsed data), plus `onResync()`
 * (the stream came back after a gap: reload what may have been missed) and `onClosed()` (the
 * server refused the stream; resolve to `true` to try again later).
 */
export function connectLive(handlers, { retry = false } = {}) {
  disconnectLive();
  if (retry) wasDown = true;
  setStatus(retry ? 'reconnecting' : 'connecting');
  const stream = new EventSource('/console/events');
  source = stream;
  const up = () => {
    if (source !== stream) return;
    retryMs = 2000;
    setStatus('connected');
    if (wasDown) {
      wasDown = false;
      handlers.onResync();
    }
  };
  stream.addEventListener('open', up);
  stream.addEventListener('ready', up);
  stream.addEventListener('error', () => {
    if (source !== stream) return;
    wasDown = true;
    if (stream.readyState !== EventSource.CLOSED) return setStatus('reconnecting');
    setStatus('offline');
    stream.close();
    source = null;
    void handlers.onClosed().then((again) => {
      if (!again) return;
      retryTimer = setTimeout(() => {
        retryTimer = null;
        connectLive(handlers, { retry: true });
      }, retryMs);
      retryMs = Math.min(retryMs * 2, 30000);
    });
  });
  for (const name of EVENTS)
    stream.addEventListener(name, (event) => {
      if (source !== stream) return;
      let data;
      try {
        data = JSON.parse(event.data);
      } catch {
        return;
      }
      if (data && typeof data === 'object') handlers[name](data);
    });
}

export function disconnectLive() {
  if (retryTimer) clearTimeout(retryTimer);
  retryTimer = null;
  if (source) source.close();
  source = null;
}

/** After logout: the next login starts fresh. */
export function resetLive() {
  disconnectLive();
  wasDown = false;
  retryMs = 2000;
  setStatus('connecting');
}
