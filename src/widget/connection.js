/**
 * The WebSocket to leadbot: connect, reconnect with backoff, send the outbox, handle server frames.
 *
 * Protocol: WebSocket /ws?tenant=<id>&session=<sessionId>
 *   client → {"type":"user.message","id":"<uuid>","text":"..."}
 *   server → {"type":"bot.message","text","conversationId","state"} | {"type":"bot.typing"}
 *            | {"type":"agent.joined","name"} | {"type":"agent.message","text","name"} | {"type":"agent.left","name"}
 *            | {"type":"status","state"} | {"type":"error","code","message","id?"}
 */
import { BACKOFF_MAX_MS, BACKOFF_MIN_MS } from './constants.js';

/** Error codes that mean "not accepted this time, send it again". */
const RETRYABLE = new Set(['unavailable', 'busy', 'shutting_down', 'overloaded']);

/** A protocol frame ({ type, … }), or null for anything else. */
function parseFrame(raw) {
  let msg;
  try {
    msg = JSON.parse(typeof raw === 'string' ? raw : '');
  } catch {
    return null;
  }
  return msg && typeof msg === 'object' && typeof msg.type === 'string' ? msg : null;
}

const agentName = (msg) => (typeof msg.name === 'string' ? msg.name.slice(0, 80) : '');

export class Connection {
  constructor(settings, session, view) {
    const { wsOrigin, tenant } = settings;
    this.url = `${wsOrigin}/ws?tenant=${encodeURIComponent(tenant)}&session=${encodeURIComponent(session.sessionId)}`;
    this.t = settings.t;
    this.session = session;
    this.view = view;
    this.ws = null;
    this.attempt = 0;
    this.reconnectTimer = 0;
    this.everConnected = false;
    this.stopped = false;
    /** Whether the current socket has delivered an error frame. */
    this.socketErrored = false;
    /** Acknowledged messages by id, kept briefly so a retryable error frame can put one back. */
    this.recentlySent = new Map();
    /** The server said its message queue is unreachable (cluster mode). */
    this.serverDegraded = false;
    this.retryTimer = 0;
  }

  /** Whether the socket is open (messages can go out now). */
  isOpen() {
    return Boolean(this.ws && this.ws.readyState === WebSocket.OPEN);
  }

  connect() {
    const ws = this.ws;
    if (this.stopped || (ws && (ws.readyState === WebSocket.OPEN || ws.readyState === WebSocket.CONNECTING)))
      return;
    clearTimeout(this.reconnectTimer);
    this.reconnectTimer = 0;
    this.view.setStatus(this.everConnected || this.attempt > 0 ? 'reconnecting' : 'connecting');
    let socket;
    try {
      socket = new WebSocket(this.url);
    } catch {
      this.scheduleReconnect();
      return;
    }
    this.ws = socket;
    this.socketErrored = false;
    socket.addEventListener('open', () => {
      if (this.ws !== socket) return;
      this.attempt = 0;
      this.everConnected = true;
      this.serverDegraded = false;
      this.view.setStatus('online');
      this.flushOutbox();
    });
    socket.addEventListener('message', (ev) => {
      if (this.ws === socket) this.handleFrame(ev.data);
    });
    socket.addEventListener('close', (ev) => {
      if (this.ws === socket) this.onClose(ev);
    });
  }

  onClose(ev) {
    this.ws = null;
    this.view.setTyping(false);
    // Anything sent on this socket but not acknowledged goes out again on the next one (same id).
    for (const m of this.session.outbox) m.sent = false;
    // 1008 / 4xxx: the server refused us (unknown tenant, banned…); retrying would not help.
    if (ev.code === 1008 || (ev.code >= 4000 && ev.code < 5000)) {
      this.stopped = true;
      this.view.setStatus('offline');
      // The server usually explains itself in an error frame first; the close reason is the fallback.
      if (ev.reason && !this.socketErrored) this.view.addMessage('system', ev.reason);
      return;
    }
    this.scheduleReconnect();
  }

  scheduleReconnect() {
    if (this.stopped || this.reconnectTimer) return;
    this.view.setStatus('reconnecting');
    const ceiling = Math.min(BACKOFF_MAX_MS, BACKOFF_MIN_MS * 2 ** this.attempt);
    this.attempt += 1;
    // Equal jitter: half fixed, half random, so many clients do not reconnect in lockstep.
    const delay = ceiling / 2 + Math.random() * (ceiling / 2);
    this.reconnectTimer = window.setTimeout(() => {
      this.reconnectTimer = 0;
      this.connect();
    }, delay);
  }

  /** Back online / tab visible again: skip the backoff wait. */
  reconnectNow() {
    if (this.stopped || (this.ws && this.ws.readyState !== WebSocket.CLOSED)) return;
    this.attempt = 0;
    this.connect();
  }

  flushOutbox() {
    const ws = this.ws;
    if (!ws || ws.readyState !== WebSocket.OPEN || this.serverDegraded) return;
    for (const m of this.session.outbox) {
      if (m.sent) continue;
      try {
        ws.send(JSON.stringify({ type: 'user.message', id: m.id, text: m.text }));
        m.sent = true;
        this.view.markSent(m.id);
      } catch {
        return; // socket died mid-flush; the close handler schedules a reconnect
      }
    }
    this.session.saveOutbox();
  }

  handleFrame(raw) {
    const msg = parseFrame(raw);
    if (!msg) return;
    this.acknowledgeSent();
    this.dispatch(msg);
  }

  /**
   * The server answers in order on one socket, so any frame means what we sent on it before has
   * arrived; until then it stays in the outbox and is resent (same id) after a reconnect.
   */
  acknowledgeSent() {
    const session = this.session;
    if (!session.outbox.some((m) => m.sent)) return;
    for (const m of session.outbox) if (m.sent) this.recentlySent.set(m.id, m.text);
    while (this.recentlySent.size > 20) this.recentlySent.delete(this.recentlySent.keys().next().value);
    session.outbox = session.outbox.filter((m) => !m.sent);
    session.saveOutbox();
  }

  dispatch(msg) {
    const view = this.view;
    if (msg.type === 'bot.typing') {
      view.setTyping(true);
    } else if (msg.type === 'bot.message') {
      view.setTyping(false);
      view.setState(msg.state);
      if (typeof msg.text === 'string' && msg.text) view.addMessage('bot', msg.text);
    } else if (msg.type === 'agent.joined' || msg.type === 'agent.left') {
      // A person of the team took the chat over (or gave it back to the assistant).
      view.setTyping(false);
      const name = agentName(msg);
      view.addMessage(
        'notice',
        msg.type === 'agent.joined' ? this.t.agentJoined(name) : this.t.agentLeft(name),
      );
    } else if (msg.type === 'agent.message') {
      view.setTyping(false);
      if (typeof msg.text === 'string' && msg.text)
        view.addMessage('agent', msg.text, undefined, agentName(msg));
    } else if (msg.type === 'status') {
      // Cluster mode: the server lost its message queue for a while; messages wait in the outbox.
      this.serverDegraded = msg.state !== 'online';
      view.setStatus(this.serverDegraded ? 'reconnecting' : 'online');
      if (!this.serverDegraded) this.flushOutbox();
    } else if (
      msg.type === 'error' &&
      RETRYABLE.has(msg.code) &&
      typeof msg.id === 'string' &&
      this.recentlySent.has(msg.id)
    ) {
      // Saturated: say so kindly (once per wait) and send the message again when the server asks.
      if (msg.code === 'overloaded' && !this.retryTimer) this.view.addMessage('notice', this.t.overloaded);
      const waitS = typeof msg.retryAfterS === 'number' ? Math.min(Math.max(msg.retryAfterS, 1), 60) : 3;
      this.requeue(msg.id, waitS * 1000);
    } else if (msg.type === 'error') {
      this.socketErrored = true;
      view.setTyping(false);
      const text = typeof msg.message === 'string' && msg.message ? msg.message : String(msg.code || 'error');
      view.addMessage('system', text);
    }
  }

  /** Not accepted, nothing lost: the message goes back to the outbox and is sent again shortly. */
  requeue(id, waitMs = 3000) {
    this.view.setTyping(false);
    this.session.outbox.push({ id, text: this.recentlySent.get(id), sent: false });
    this.recentlySent.delete(id);
    this.session.saveOutbox();
    this.view.setStatus('reconnecting');
    clearTimeout(this.retryTimer);
    this.retryTimer = window.setTimeout(() => {
      this.retryTimer = 0;
      if (this.isOpen()) {
        if (!this.serverDegraded) this.view.setStatus('online');
        this.flushOutbox();
      }
    }, waitMs);
  }
}
