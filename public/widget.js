/*
 * leadbot web-chat widget. Plain browser JavaScript (ES2020), no build step.
 *
 * Embed:  <script src="https://your-leadbot/widget.js" data-tenant="demo" data-lang="es" defer></script>
 * Optional attributes: data-server (leadbot origin; default: where this file was loaded from),
 * data-bot-name, data-company, data-welcome, data-accent (#rrggbb). A
 * <script type="application/json" data-leadbot-config> block on the page may carry the same
 * settings ({ tenant, botName, companyName, welcome: { es, en }, accentColor }).
 *
 * Protocol: WebSocket /ws?tenant=<id>&session=<sessionId>
 *   client → {"type":"user.message","id":"<uuid>","text":"..."}
 *   server → {"type":"bot.message","text","conversationId","state"} | {"type":"bot.typing"}
 *            | {"type":"agent.joined","name"} | {"type":"agent.message","text","name"} | {"type":"agent.left","name"}
 *            | {"type":"error","code","message"}
 *
 * Host page API: window.leadbot.open(), .close(), .send(text).
 */
(() => {
  'use strict';

  if (window.leadbot && window.leadbot.__loaded) return;

  const MAX_INPUT = 4000;
  const MAX_TRANSCRIPT = 100;
  const BACKOFF_MIN_MS = 500;
  const BACKOFF_MAX_MS = 10000;
  const TYPING_TIMEOUT_MS = 20000;

  // ---------------------------------------------------------------- configuration

  const script =
    document.currentScript ||
    Array.from(document.querySelectorAll('script[src]')).find((s) => /\/widget\.js(\?|#|$)/.test(s.src)) ||
    null;
  const data = (script && script.dataset) || {};

  const tenant = data.tenant || 'demo';
  const navLang = (navigator.language || 'es').toLowerCase();
  const lang = data.lang === 'es' || data.lang === 'en' ? data.lang : navLang.startsWith('en') ? 'en' : 'es';

  let serverOrigin = window.location.origin;
  try {
    serverOrigin = new URL(
      data.server || (script && script.src) || window.location.href,
      window.location.href,
    ).origin;
  } catch (_) {
    serverOrigin = window.location.origin;
  }
  const wsOrigin = serverOrigin.replace(/^http/i, 'ws');

  /** Settings from an inline JSON block for this tenant, if the host page has one. */
  function readPageConfig() {
    const blocks = document.querySelectorAll('script[type="application/json"][data-leadbot-config]');
    for (const block of Array.from(blocks)) {
      try {
        const parsed = JSON.parse(block.textContent || '{}');
        if (parsed && typeof parsed === 'object' && (!parsed.tenant || parsed.tenant === tenant))
          return parsed;
      } catch (_) {
        // A malformed block is ignored: the widget still works with its defaults.
      }
    }
    return {};
  }
  const pageConfig = readPageConfig();
  const str = (v) => (typeof v === 'string' && v.trim() ? v.trim() : '');

  const TEXT = {
    es: {
      botName: 'Asistente',
      welcome: '¡Hola! ¿En qué le puedo ayudar?',
      open: 'Abrir chat',
      close: 'Cerrar chat',
      placeholder: 'Escriba su mensaje…',
      send: 'Enviar',
      connecting: 'Conectando…',
      online: 'En línea',
      reconnecting: 'Reconectando…',
      offline: 'Sin conexión',
      typing: 'está escribiendo…',
      pending: 'Se enviará al reconectar',
      log: 'Conversación',
      unread: 'mensajes nuevos',
      poweredBy: 'Con tecnología de leadbot',
      agentJoined: (n) => `${n} se unió a la conversación`,
      agentLeft: (n) => `${n} dejó la conversación; el asistente sigue atendiendo`,
    },
    en: {
      botName: 'Assistant',
      welcome: 'Hi! How can I help you?',
      open: 'Open chat',
      close: 'Close chat',
      placeholder: 'Type your message…',
      send: 'Send',
      connecting: 'Connecting…',
      online: 'Online',
      reconnecting: 'Reconnecting…',
      offline: 'Offline',
      typing: 'is typing…',
      pending: 'Will be sent on reconnect',
      log: 'Conversation',
      unread: 'new messages',
      poweredBy: 'Powered by leadbot',
      agentJoined: (n) => `${n} joined the conversation`,
      agentLeft: (n) => `${n} left the conversation; the assistant carries on`,
    },
  };
  const t = TEXT[lang];

  const welcomeConfig = pageConfig.welcome;
  const config = {
    botName: str(data.botName) || str(pageConfig.botName) || t.botName,
    companyName: str(data.company) || str(pageConfig.companyName),
    welcome:
      str(data.welcome) ||
      (welcomeConfig && typeof welcomeConfig === 'object' ? str(welcomeConfig[lang]) : str(welcomeConfig)) ||
      t.welcome,
    accent: [data.accent, pageConfig.accentColor].find((c) => /^#[0-9a-fA-F]{6}$/.test(c || '')) || '#0f766e',
  };

  // ---------------------------------------------------------------- storage (never throws)

  const keys = {
    session: `leadbot.session.${tenant}`,
    transcript: `leadbot.transcript.${tenant}`,
    outbox: `leadbot.outbox.${tenant}`,
    state: `leadbot.state.${tenant}`,
  };
  const memoryStore = new Map();
  const store = {
    get(key) {
      try {
        const v = window.localStorage.getItem(key);
        return v === null ? (memoryStore.get(key) ?? null) : v;
      } catch (_) {
        return memoryStore.get(key) ?? null;
      }
    },
    set(key, value) {
      memoryStore.set(key, value);
      try {
        window.localStorage.setItem(key, value);
      } catch (_) {
        // Storage disabled or full: the in-memory copy keeps this page working.
      }
    },
    getJson(key, fallback) {
      try {
        const raw = this.get(key);
        return raw ? JSON.parse(raw) : fallback;
      } catch (_) {
        return fallback;
      }
    },
  };

  function uuid() {
    if (window.crypto && typeof window.crypto.randomUUID === 'function') return window.crypto.randomUUID();
    // randomUUID needs a secure context; plain-http host pages still have getRandomValues.
    const b = window.crypto.getRandomValues(new Uint8Array(16));
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    const h = Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
  }

  let sessionId = store.get(keys.session);
  if (!sessionId || !/^[A-Za-z0-9-]{8,100}$/.test(sessionId)) {
    sessionId = uuid();
    store.set(keys.session, sessionId);
  }

  const isEntry = (e) => e && typeof e.text === 'string' && ['user', 'bot', 'system'].includes(e.role);
  /** Bubbles shown so far: { role, text, ts, id? }. */
  let transcript = store.getJson(keys.transcript, []);
  if (!Array.isArray(transcript)) transcript = [];
  transcript = transcript.filter(isEntry).slice(-MAX_TRANSCRIPT);
  /** Messages the server has not acknowledged: { id, text, sent }; resent on reconnect (the server dedupes by id). */
  let outbox = store.getJson(keys.outbox, []);
  if (!Array.isArray(outbox)) outbox = [];
  outbox = outbox
    .filter((m) => m && typeof m.id === 'string' && typeof m.text === 'string')
    .map((m) => ({ id: m.id, text: m.text, sent: false }));
  let lastState = str(store.get(keys.state));

  const saveTranscript = () => store.set(keys.transcript, JSON.stringify(transcript.slice(-MAX_TRANSCRIPT)));
  const saveOutbox = () => store.set(keys.outbox, JSON.stringify(outbox));

  let isOpen = false;
  let unread = 0;

  // ---------------------------------------------------------------- DOM

  const CSS = `
:host { all: initial; }
* { box-sizing: border-box; }
.root { --accent: ${config.accent}; position: fixed; right: 20px; bottom: 20px; z-index: 2147483000;
  font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; color: #0f172a; }
button { font: inherit; }
.launcher { width: 60px; height: 60px; border-radius: 50%; border: 0; cursor: pointer; color: #fff;
  background: var(--accent); box-shadow: 0 8px 24px rgba(15,23,42,.25); display: grid; place-items: center;
  transition: transform .18s ease, box-shadow .18s ease; position: relative; margin-left: auto; }
.launcher:hover { transform: scale(1.06); box-shadow: 0 10px 28px rgba(15,23,42,.3); }
.launcher:focus-visible, .icon-btn:focus-visible, .send:focus-visible { outline: 3px solid color-mix(in srgb, var(--accent) 45%, #fff); outline-offset: 2px; }
.launcher svg { width: 28px; height: 28px; }
.launcher .i-close { display: none; }
.root.open .launcher .i-chat { display: none; }
.root.open .launcher .i-close { display: block; }
.badge { position: absolute; top: -2px; right: -2px; min-width: 20px; height: 20px; padding: 0 6px; border-radius: 10px;
  background: #ef4444; color: #fff; font-size: 12px; font-weight: 700; line-height: 20px; text-align: center;
  border: 2px solid #fff; display: none; }
.badge.show { display: block; }
.panel { position: absolute; right: 0; bottom: 76px; width: 370px; height: min(600px, calc(100vh - 120px));
  background: #fff; border-radius: 18px; box-shadow: 0 18px 50px rgba(15,23,42,.28); display: flex;
  flex-direction: column; overflow: hidden; opacity: 0; transform: translateY(12px) scale(.98);
  transform-origin: bottom right; pointer-events: none; visibility: hidden;
  transition: opacity .18s ease, transform .18s ease, visibility 0s linear .18s; }
.root.open .panel { opacity: 1; transform: none; pointer-events: auto; visibility: visible;
  transition: opacity .18s ease, transform .18s ease; }
.header { background: var(--accent); color: #fff; padding: 14px 14px 14px 16px; display: flex; align-items: center; gap: 12px; }
.avatar { width: 38px; height: 38px; border-radius: 50%; background: rgba(255,255,255,.2); display: grid;
  place-items: center; font-weight: 700; font-size: 16px; flex: none; }
.who { flex: 1; min-width: 0; }
.name { font-weight: 700; font-size: 15px; white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }
.status { font-size: 12.5px; opacity: .92; display: flex; align-items: center; gap: 6px; }
.dot { width: 8px; height: 8px; border-radius: 50%; background: #fbbf24; box-shadow: 0 0 0 2px rgba(255,255,255,.35); }
.status[data-status="online"] .dot { background: #4ade80; }
.status[data-status="connecting"] .dot, .status[data-status="reconnecting"] .dot { animation: pulse 1.2s ease-in-out infinite; }
.status[data-status="offline"] .dot { background: #f87171; }
.icon-btn { width: 34px; height: 34px; border: 0; border-radius: 50%; background: transparent; color: #fff; cursor: pointer;
  display: grid; place-items: center; flex: none; }
.icon-btn:hover { background: rgba(255,255,255,.18); }
.icon-btn svg { width: 20px; height: 20px; }
.log { flex: 1; overflow-y: auto; padding: 16px 14px 8px; background: #f8fafc; display: flex; flex-direction: column;
  gap: 8px; overscroll-behavior: contain; }
.msg { max-width: 84%; padding: 9px 13px; border-radius: 16px; white-space: pre-wrap; overflow-wrap: anywhere;
  word-break: break-word; animation: rise .16s ease-out; }
.msg.bot { align-self: flex-start; background: #fff; border: 1px solid #e2e8f0; border-bottom-left-radius: 5px; }
.msg.agent { align-self: flex-start; background: #fff; border: 1px solid var(--lb-accent, #0f766e); border-bottom-left-radius: 5px; }
.msg.agent .who { display: block; font-size: 11px; font-weight: 600; opacity: .75; margin-bottom: 2px; }
.msg.notice { align-self: center; max-width: 92%; background: #f1f5f9; color: #334155; font-size: 12px; border-radius: 10px; }
.msg.user { align-self: flex-end; background: var(--accent); color: #fff; border-bottom-right-radius: 5px; }
.msg.user.pending { opacity: .6; }
.msg.system { align-self: center; max-width: 92%; background: #fef2f2; color: #991b1b; border: 1px solid #fecaca;
  font-size: 12.5px; padding: 5px 11px; border-radius: 10px; text-align: center; }
.msg strong { font-weight: 700; }
.typing { align-self: flex-start; display: none; align-items: center; gap: 8px; color: #64748b; font-size: 12.5px; padding: 2px 4px; }
.typing.show { display: flex; }
.dots { display: inline-flex; gap: 4px; background: #fff; border: 1px solid #e2e8f0; border-radius: 14px; padding: 9px 12px; }
.dots i { width: 6px; height: 6px; border-radius: 50%; background: #94a3b8; animation: blink 1.2s infinite ease-in-out; }
.dots i:nth-child(2) { animation-delay: .15s; }
.dots i:nth-child(3) { animation-delay: .3s; }
.composer { display: flex; align-items: flex-end; gap: 8px; padding: 10px 10px 10px 14px; border-top: 1px solid #e2e8f0; background: #fff; }
textarea { flex: 1; resize: none; border: 1px solid #cbd5e1; border-radius: 12px; padding: 9px 12px; font: inherit;
  color: inherit; max-height: 120px; min-height: 40px; line-height: 1.4; outline: none; background: #fff; }
textarea:focus { border-color: var(--accent); box-shadow: 0 0 0 3px color-mix(in srgb, var(--accent) 18%, transparent); }
.send { width: 40px; height: 40px; border-radius: 50%; border: 0; background: var(--accent); color: #fff; cursor: pointer;
  display: grid; place-items: center; flex: none; transition: opacity .15s; }
.send:disabled { opacity: .4; cursor: default; }
.send svg { width: 18px; height: 18px; }
.foot { text-align: center; font-size: 11px; color: #64748b; padding: 0 0 8px; background: #fff; }
.sr { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }
@keyframes pulse { 50% { opacity: .35; } }
@keyframes blink { 0%, 80%, 100% { opacity: .3; transform: translateY(0); } 40% { opacity: 1; transform: translateY(-2px); } }
@keyframes rise { from { opacity: 0; transform: translateY(4px); } }
@media (max-width: 480px) {
  .root { right: 12px; bottom: 12px; }
  .root.open .launcher { display: none; }
  .panel { position: fixed; inset: 0; width: auto; height: auto; border-radius: 0; }
}
@media (prefers-reduced-motion: reduce) { *, *::before { animation: none !important; transition: none !important; } }
`;

  const SVG_NS = 'http://www.w3.org/2000/svg';
  /** Builds a small stroke icon from path data (no innerHTML anywhere in this widget). */
  function icon(className, paths) {
    const svg = document.createElementNS(SVG_NS, 'svg');
    svg.setAttribute('viewBox', '0 0 24 24');
    svg.setAttribute('fill', 'none');
    svg.setAttribute('stroke', 'currentColor');
    svg.setAttribute('stroke-width', '2');
    svg.setAttribute('stroke-linecap', 'round');
    svg.setAttribute('stroke-linejoin', 'round');
    svg.setAttribute('aria-hidden', 'true');
    if (className) svg.setAttribute('class', className);
    for (const d of paths) {
      const p = document.createElementNS(SVG_NS, 'path');
      p.setAttribute('d', d);
      svg.appendChild(p);
    }
    return svg;
  }
  function el(tag, attrs, children) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === false || v === null || v === undefined) continue;
      if (k === 'text') node.textContent = v;
      else node.setAttribute(k, v === true ? '' : String(v));
    }
    for (const c of children || []) node.appendChild(c);
    return node;
  }

  const host = el('div', { id: `leadbot-${tenant}`, 'data-leadbot': 'host' });
  const shadow = host.attachShadow({ mode: 'open' });
  const style = document.createElement('style');
  style.textContent = CSS;

  const title = config.companyName ? `${config.botName} · ${config.companyName}` : config.botName;
  const statusText = el('span', { class: 'status-text', text: t.connecting });
  const status = el('div', { class: 'status', 'data-status': 'connecting' }, [
    el('span', { class: 'dot', 'aria-hidden': 'true' }),
    statusText,
  ]);
  const closeBtn = el(
    'button',
    { type: 'button', class: 'icon-btn', 'aria-label': t.close, title: t.close },
    [icon('', ['M6 9l6 6 6-6'])],
  );
  const log = el('div', {
    class: 'log',
    role: 'log',
    'aria-live': 'polite',
    'aria-label': t.log,
    tabindex: '0',
    'data-leadbot': 'log',
  });
  const typing = el('div', { class: 'typing', 'data-leadbot': 'typing', 'aria-hidden': 'true' }, [
    el('span', { class: 'dots' }, [el('i'), el('i'), el('i')]),
    el('span', { text: `${config.botName} ${t.typing}` }),
  ]);
  const input = el('textarea', {
    rows: '1',
    maxlength: String(MAX_INPUT),
    placeholder: t.placeholder,
    'aria-label': t.placeholder,
    'data-leadbot': 'input',
    enterkeyhint: 'send',
  });
  const sendBtn = el(
    'button',
    {
      type: 'button',
      class: 'send',
      'aria-label': t.send,
      title: t.send,
      disabled: true,
      'data-leadbot': 'send',
    },
    [icon('', ['M22 2L11 13', 'M22 2l-7 20-4-9-9-4 20-7z'])],
  );
  const panel = el(
    'div',
    {
      class: 'panel',
      role: 'dialog',
      'aria-label': title,
      'aria-hidden': 'true',
      'data-leadbot': 'panel',
      'data-leadbot-state': lastState || false,
    },
    [
      el('div', { class: 'header' }, [
        el('div', { class: 'avatar', 'aria-hidden': 'true', text: config.botName.charAt(0).toUpperCase() }),
        el('div', { class: 'who' }, [el('div', { class: 'name', text: title }), status]),
        closeBtn,
      ]),
      log,
      el('div', { class: 'composer' }, [input, sendBtn]),
      el('div', { class: 'foot', text: t.poweredBy }),
    ],
  );
  const badge = el('span', { class: 'badge', 'aria-hidden': 'true' });
  const launcher = el(
    'button',
    {
      type: 'button',
      class: 'launcher',
      'aria-label': t.open,
      'aria-expanded': 'false',
      'data-leadbot': 'launcher',
    },
    [
      icon('i-chat', [
        'M21 11.5a8.38 8.38 0 0 1-.9 3.8 8.5 8.5 0 0 1-7.6 4.7 8.38 8.38 0 0 1-3.8-.9L3 21l1.9-5.7a8.38 8.38 0 0 1-.9-3.8 8.5 8.5 0 0 1 4.7-7.6 8.38 8.38 0 0 1 3.8-.9h.5a8.48 8.48 0 0 1 8 8v.5z',
      ]),
      icon('i-close', ['M18 6L6 18', 'M6 6l12 12']),
      badge,
    ],
  );
  const root = el('div', { class: 'root', lang }, [panel, launcher]);
  shadow.append(style, root);

  // ---------------------------------------------------------------- rendering

  /** Appends text to `parent`, turning `*bold*` spans into <strong> nodes; everything else stays text. */
  function appendFormatted(parent, text) {
    const re = /\*([^*\n]+)\*/g;
    let last = 0;
    let m;
    while ((m = re.exec(text)) !== null) {
      if (m.index > last) parent.appendChild(document.createTextNode(text.slice(last, m.index)));
      const strong = document.createElement('strong');
      strong.textContent = m[1];
      parent.appendChild(strong);
      last = re.lastIndex;
    }
    if (last < text.length) parent.appendChild(document.createTextNode(text.slice(last)));
  }

  function renderBubble(entry, kind) {
    const bubble = el('div', {
      class: `msg ${entry.role}`,
      'data-leadbot': kind || 'message',
      'data-role': entry.role,
    });
    if (entry.id) bubble.setAttribute('data-id', entry.id);
    if (entry.ts)
      bubble.title = new Date(entry.ts).toLocaleTimeString(lang, { hour: '2-digit', minute: '2-digit' });
    if (entry.role === 'bot') appendFormatted(bubble, entry.text);
    else if (entry.role === 'agent') {
      const who = el('span', { class: 'who' });
      who.textContent = entry.name || '';
      bubble.appendChild(who);
      bubble.appendChild(document.createTextNode(entry.text));
    } else bubble.textContent = entry.text;
    if (entry.role === 'user' && entry.id && outbox.some((m) => m.id === entry.id && !m.sent)) {
      bubble.classList.add('pending');
      bubble.setAttribute('aria-description', t.pending);
    }
    log.insertBefore(bubble, typing);
    return bubble;
  }

  function scrollToEnd() {
    log.scrollTop = log.scrollHeight;
  }

  /** Adds a bubble to the log and (for user/bot) to the stored transcript. */
  function addMessage(role, text, id, name) {
    const entry = { role, text, ts: Date.now() };
    if (id) entry.id = id;
    if (name) entry.name = name;
    renderBubble(entry);
    if (role !== 'system') {
      transcript.push(entry);
      if (transcript.length > MAX_TRANSCRIPT) transcript = transcript.slice(-MAX_TRANSCRIPT);
      saveTranscript();
    }
    // Trim the DOM too, so a very long conversation does not grow the page forever.
    const bubbles = log.querySelectorAll('[data-leadbot="message"]');
    for (let i = 0; i < bubbles.length - MAX_TRANSCRIPT; i++) bubbles[i].remove();
    scrollToEnd();
    if ((role === 'bot' || role === 'agent') && !isOpen) {
      unread += 1;
      badge.textContent = String(Math.min(unread, 9));
      badge.classList.add('show');
      launcher.setAttribute('aria-label', `${t.open} (${unread} ${t.unread})`);
    }
  }

  function markSent(id) {
    const bubble = log.querySelector(`[data-leadbot="message"][data-id="${CSS_escape(id)}"]`);
    if (bubble) {
      bubble.classList.remove('pending');
      bubble.removeAttribute('aria-description');
    }
  }
  function CSS_escape(value) {
    return window.CSS && typeof window.CSS.escape === 'function'
      ? window.CSS.escape(value)
      : value.replace(/["\\]/g, '\\$&');
  }

  let typingTimer = 0;
  function setTyping(on) {
    clearTimeout(typingTimer);
    typing.classList.toggle('show', on);
    if (on) {
      log.appendChild(typing);
      scrollToEnd();
      // A lost reply must not leave the indicator spinning forever.
      typingTimer = window.setTimeout(() => setTyping(false), TYPING_TIMEOUT_MS);
    }
  }

  function setStatus(next) {
    status.setAttribute('data-status', next);
    statusText.textContent = t[next];
  }

  function setState(state) {
    if (typeof state !== 'string' || !state) return;
    lastState = state;
    panel.setAttribute('data-leadbot-state', state);
    store.set(keys.state, state);
  }

  // Welcome bubble: local only, never sent nor stored.
  log.appendChild(typing);
  renderBubble({ role: 'bot', text: config.welcome }, 'welcome');
  for (const entry of transcript) renderBubble(entry);

  // ---------------------------------------------------------------- connection

  let ws = null;
  let attempt = 0;
  let reconnectTimer = 0;
  let everConnected = false;
  let stopped = false;
  /** Whether the current socket has delivered an error frame. */
  let socketErrored = false;
  /** Acknowledged messages by id, kept briefly so a retryable error frame can put one back. */
  const recentlySent = new Map();
  /** Error codes that mean "not accepted this time, send it again". */
  const RETRYABLE = new Set(['unavailable', 'busy', 'shutting_down']);
  /** The server said its message queue is unreachable (cluster mode). */
  let serverDegraded = false;
  let retryTimer = 0;

  function connect() {
    if (stopped || (ws && (ws.readyState === WebSocket.OPEN || ws.readyState === WebSocket.CONNECTING)))
      return;
    clearTimeout(reconnectTimer);
    reconnectTimer = 0;
    setStatus(everConnected || attempt > 0 ? 'reconnecting' : 'connecting');
    const url = `${wsOrigin}/ws?tenant=${encodeURIComponent(tenant)}&session=${encodeURIComponent(sessionId)}`;
    let socket;
    try {
      socket = new WebSocket(url);
    } catch (_) {
      scheduleReconnect();
      return;
    }
    ws = socket;
    socketErrored = false;
    socket.addEventListener('open', () => {
      if (ws !== socket) return;
      attempt = 0;
      everConnected = true;
      serverDegraded = false;
      setStatus('online');
      flushOutbox();
    });
    socket.addEventListener('message', (ev) => {
      if (ws === socket) handleFrame(ev.data);
    });
    socket.addEventListener('close', (ev) => {
      if (ws !== socket) return;
      ws = null;
      setTyping(false);
      // Anything sent on this socket but not acknowledged goes out again on the next one (same id).
      for (const m of outbox) m.sent = false;
      // 1008 / 4xxx: the server refused us (unknown tenant, banned…); retrying would not help.
      if (ev.code === 1008 || (ev.code >= 4000 && ev.code < 5000)) {
        stopped = true;
        setStatus('offline');
        // The server usually explains itself in an error frame first; the close reason is the fallback.
        if (ev.reason && !socketErrored) addMessage('system', ev.reason);
        return;
      }
      scheduleReconnect();
    });
  }

  function scheduleReconnect() {
    if (stopped || reconnectTimer) return;
    setStatus('reconnecting');
    const ceiling = Math.min(BACKOFF_MAX_MS, BACKOFF_MIN_MS * 2 ** attempt);
    attempt += 1;
    // Equal jitter: half fixed, half random, so many clients do not reconnect in lockstep.
    const delay = ceiling / 2 + Math.random() * (ceiling / 2);
    reconnectTimer = window.setTimeout(() => {
      reconnectTimer = 0;
      connect();
    }, delay);
  }

  function reconnectNow() {
    if (stopped || (ws && ws.readyState !== WebSocket.CLOSED)) return;
    attempt = 0;
    connect();
  }

  function flushOutbox() {
    if (!ws || ws.readyState !== WebSocket.OPEN || serverDegraded) return;
    for (const m of outbox) {
      if (m.sent) continue;
      try {
        ws.send(JSON.stringify({ type: 'user.message', id: m.id, text: m.text }));
        m.sent = true;
        markSent(m.id);
      } catch (_) {
        return; // socket died mid-flush; the close handler schedules a reconnect
      }
    }
    saveOutbox();
  }

  function handleFrame(raw) {
    let msg;
    try {
      msg = JSON.parse(typeof raw === 'string' ? raw : '');
    } catch (_) {
      return; // not a protocol frame
    }
    if (!msg || typeof msg !== 'object' || typeof msg.type !== 'string') return;
    // The server answers in order on one socket, so any frame means what we sent on it before has
    // arrived; until then it stays in the outbox and is resent (same id) after a reconnect.
    if (outbox.some((m) => m.sent)) {
      for (const m of outbox) if (m.sent) recentlySent.set(m.id, m.text);
      while (recentlySent.size > 20) recentlySent.delete(recentlySent.keys().next().value);
      outbox = outbox.filter((m) => !m.sent);
      saveOutbox();
    }
    if (msg.type === 'bot.typing') {
      setTyping(true);
    } else if (msg.type === 'bot.message') {
      setTyping(false);
      setState(msg.state);
      if (typeof msg.text === 'string' && msg.text) addMessage('bot', msg.text);
    } else if (msg.type === 'agent.joined' || msg.type === 'agent.left') {
      // A person of the team took the chat over (or gave it back to the assistant).
      setTyping(false);
      const name = typeof msg.name === 'string' ? msg.name.slice(0, 80) : '';
      addMessage('notice', msg.type === 'agent.joined' ? t.agentJoined(name) : t.agentLeft(name));
    } else if (msg.type === 'agent.message') {
      setTyping(false);
      if (typeof msg.text === 'string' && msg.text)
        addMessage('agent', msg.text, undefined, typeof msg.name === 'string' ? msg.name.slice(0, 80) : '');
    } else if (msg.type === 'status') {
      // Cluster mode: the server lost its message queue for a while; messages wait in the outbox.
      serverDegraded = msg.state !== 'online';
      setStatus(serverDegraded ? 'reconnecting' : 'online');
      if (!serverDegraded) flushOutbox();
    } else if (
      msg.type === 'error' &&
      RETRYABLE.has(msg.code) &&
      typeof msg.id === 'string' &&
      recentlySent.has(msg.id)
    ) {
      // Not accepted, nothing lost: the message goes back to the outbox and is sent again shortly.
      setTyping(false);
      outbox.push({ id: msg.id, text: recentlySent.get(msg.id), sent: false });
      recentlySent.delete(msg.id);
      saveOutbox();
      setStatus('reconnecting');
      clearTimeout(retryTimer);
      retryTimer = window.setTimeout(() => {
        if (ws && ws.readyState === WebSocket.OPEN) {
          if (!serverDegraded) setStatus('online');
          flushOutbox();
        }
      }, 3000);
    } else if (msg.type === 'error') {
      socketErrored = true;
      setTyping(false);
      const text = typeof msg.message === 'string' && msg.message ? msg.message : String(msg.code || 'error');
      addMessage('system', text);
    }
  }

  // ---------------------------------------------------------------- user actions

  function send(text) {
    const clean = typeof text === 'string' ? text.slice(0, MAX_INPUT) : '';
    if (!clean.trim()) return false;
    const id = uuid();
    outbox.push({ id, text: clean, sent: false });
    saveOutbox();
    addMessage('user', clean, id);
    if (ws && ws.readyState === WebSocket.OPEN) flushOutbox();
    else connect();
    return true;
  }

  function syncInput() {
    sendBtn.disabled = !input.value.trim();
    input.style.height = 'auto';
    input.style.height = `${Math.min(input.scrollHeight + 2, 120)}px`;
  }

  function submit() {
    if (send(input.value)) {
      input.value = '';
      syncInput();
    }
    input.focus();
  }

  function open() {
    if (!isOpen) {
      isOpen = true;
      root.classList.add('open');
      panel.setAttribute('aria-hidden', 'false');
      launcher.setAttribute('aria-expanded', 'true');
      launcher.setAttribute('aria-label', t.close);
      unread = 0;
      badge.classList.remove('show');
    }
    connect();
    scrollToEnd();
    // Focus after the panel becomes visible (visibility transitions make it unfocusable for a frame).
    window.requestAnimationFrame(() => input.focus({ preventScroll: true }));
  }

  function close() {
    if (!isOpen) return;
    isOpen = false;
    root.classList.remove('open');
    panel.setAttribute('aria-hidden', 'true');
    launcher.setAttribute('aria-expanded', 'false');
    launcher.setAttribute('aria-label', t.open);
    if (window.location.hash === '#chat') {
      history.replaceState(null, '', window.location.pathname + window.location.search);
    }
  }

  launcher.addEventListener('click', () => (isOpen ? close() : open()));
  closeBtn.addEventListener('click', () => {
    close();
    launcher.focus();
  });
  sendBtn.addEventListener('click', submit);
  input.addEventListener('input', syncInput);
  input.addEventListener('keydown', (ev) => {
    if (ev.key === 'Enter' && !ev.shiftKey && !ev.isComposing) {
      ev.preventDefault();
      submit();
    }
  });
  root.addEventListener('keydown', (ev) => {
    if (ev.key === 'Escape' && isOpen) {
      close();
      launcher.focus();
    }
  });
  window.addEventListener('hashchange', () => {
    if (window.location.hash === '#chat') open();
  });
  window.addEventListener('online', reconnectNow);
  document.addEventListener('visibilitychange', () => {
    if (document.visibilityState === 'visible' && (isOpen || outbox.length)) reconnectNow();
  });

  function mount() {
    document.body.appendChild(host);
    // Resume a conversation in progress, or one with unsent messages, without waiting for a click.
    if (window.location.hash === '#chat') open();
    else if (outbox.length || transcript.length) connect();
  }
  if (document.body) mount();
  else document.addEventListener('DOMContentLoaded', mount, { once: true });

  window.leadbot = Object.freeze({
    __loaded: true,
    open,
    close,
    /** Sends `text` as the visitor (opens the panel); returns false for empty text. */
    send(text) {
      open();
      return send(text);
    },
  });
})();
