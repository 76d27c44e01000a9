/** The visitor's actions (send, open, close) and the page events the widget listens to. */
import { MAX_INPUT } from './constants.js';
import { uuid } from './session.js';

/**
 * Queues `text` as the visitor's message, shows it, and sends it (or connects first).
 * Returns false for empty text.
 */
export function sendMessage(app, text) {
  const { session, view, connection } = app;
  const clean = typeof text === 'string' ? text.slice(0, MAX_INPUT) : '';
  if (!clean.trim()) return false;
  const id = uuid();
  session.outbox.push({ id, text: clean, sent: false });
  session.saveOutbox();
  view.addMessage('user', clean, id);
  if (connection.isOpen()) connection.flushOutbox();
  else connection.connect();
  return true;
}

/** Enables the send button for non-blank text and grows the textarea with its content. */
function syncInput({ input, sendBtn }) {
  sendBtn.disabled = !input.value.trim();
  input.style.height = 'auto';
  input.style.height = `${Math.min(input.scrollHeight + 2, 120)}px`;
}

function submit(app) {
  const { input } = app.dom;
  if (sendMessage(app, input.value)) {
    input.value = '';
    syncInput(app.dom);
  }
  input.focus();
}

export function openPanel(app) {
  app.view.showPanel();
  app.connection.connect();
  app.view.scrollToEnd();
  // Focus after the panel becomes visible (visibility transitions make it unfocusable for a frame).
  window.requestAnimationFrame(() => app.dom.input.focus({ preventScroll: true }));
}

export function closePanel(app) {
  if (!app.view.hidePanel()) return;
  if (window.location.hash === '#chat') {
    history.replaceState(null, '', window.location.pathname + window.location.search);
  }
}

/** Clicks and keys inside the widget. */
function bindWidgetEvents(app) {
  const { launcher, closeBtn, sendBtn, input, root } = app.dom;
  launcher.addEventListener('click', () => (app.view.isOpen ? closePanel(app) : openPanel(app)));
  closeBtn.addEventListener('click', () => {
    closePanel(app);
    launcher.focus();
  });
  sendBtn.addEventListener('click', () => submit(app));
  input.addEventListener('input', () => syncInput(app.dom));
  input.addEventListener('keydown', (ev) => {
    if (ev.key === 'Enter' && !ev.shiftKey && !ev.isComposing) {
      ev.preventDefault();
      submit(app);
    }
  });
  root.addEventListener('keydown', (ev) => {
    if (ev.key === 'Escape' && app.view.isOpen) {
      closePanel(app);
      launcher.focus();
    }
  });
}

/** The page's `#chat` links, and coming back online or to the tab. */
function bindPageEvents(app) {
  window.addEventListener('hashchange', () => {
    if (window.location.hash === '#chat') openPanel(app);
  });
  window.addEventListener('online', () => app.connection.reconnectNow());
  document.addEventListener('visibilitychange', () => {
    if (document.visibilityState === 'visible' && (app.view.isOpen || app.session.outbox.length))
      app.connection.reconnectNow();
  });
}

export function bindEvents(app) {
  bindWidgetEvents(app);
  bindPageEvents(app);
}

/** Puts the widget in the page once there is a body. */
export function mount(app) {
  const attach = () => {
    document.body.appendChild(app.dom.host);
    // Resume a conversation in progress, or one with unsent messages, without waiting for a click.
    if (window.location.hash === '#chat') openPanel(app);
    else if (app.session.outbox.length || app.session.transcript.length) app.connection.connect();
  };
  if (document.body) attach();
  else document.addEventListener('DOMContentLoaded', attach, { once: true });
}
