/** What the visitor sees change: bubbles, typing indicator, connection status, unread badge, panel. */
import { MAX_TRANSCRIPT, TYPING_TIMEOUT_MS } from './constants.js';
import { el } from './dom.js';

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

function cssEscape(value) {
  return window.CSS && typeof window.CSS.escape === 'function'
    ? window.CSS.escape(value)
    : value.replace(/["\\]/g, '\\$&');
}

export class ChatView {
  constructor(settings, session, dom) {
    this.t = settings.t;
    this.lang = settings.lang;
    this.session = session;
    this.dom = dom;
    this.isOpen = false;
    this.unread = 0;
    this.typingTimer = 0;
  }

  /** The welcome bubble (local only, never sent nor stored), then the stored transcript. */
  renderInitial(welcome) {
    this.dom.log.appendChild(this.dom.typing);
    this.renderBubble({ role: 'bot', text: welcome }, 'welcome');
    for (const entry of this.session.transcript) this.renderBubble(entry);
  }

  renderBubble(entry, kind) {
    const bubble = el('div', {
      class: `msg ${entry.role}`,
      'data-leadbot': kind || 'message',
      'data-role': entry.role,
    });
    if (entry.id) bubble.setAttribute('data-id', entry.id);
    if (entry.ts)
      bubble.title = new Date(entry.ts).toLocaleTimeString(this.lang, { hour: '2-digit', minute: '2-digit' });
    if (entry.role === 'bot') appendFormatted(bubble, entry.text);
    else if (entry.role === 'agent') {
      const who = el('span', { class: 'who' });
      who.textContent = entry.name || '';
      bubble.appendChild(who);
      bubble.appendChild(document.createTextNode(entry.text));
    } else bubble.textContent = entry.text;
    if (entry.role === 'user' && entry.id && this.session.outbox.some((m) => m.id === entry.id && !m.sent)) {
      bubble.classList.add('pending');
      bubble.setAttribute('aria-description', this.t.pending);
    }
    this.dom.log.insertBefore(bubble, this.dom.typing);
    return bubble;
  }

  scrollToEnd() {
    this.dom.log.scrollTop = this.dom.log.scrollHeight;
  }

  /** Adds a bubble to the log and (except system ones) to the stored transcript. */
  addMessage(role, text, id, name) {
    const entry = { role, text, ts: Date.now() };
    if (id) entry.id = id;
    if (name) entry.name = name;
    this.renderBubble(entry);
    const session = this.session;
    if (role !== 'system') {
      session.transcript.push(entry);
      if (session.transcript.length > MAX_TRANSCRIPT)
        session.transcript = session.transcript.slice(-MAX_TRANSCRIPT);
      session.saveTranscript();
    }
    // Trim the DOM too, so a very long conversation does not grow the page forever.
    const bubbles = this.dom.log.querySelectorAll('[data-leadbot="message"]');
    for (let i = 0; i < bubbles.length - MAX_TRANSCRIPT; i++) bubbles[i].remove();
    this.scrollToEnd();
    if ((role === 'bot' || role === 'agent') && !this.isOpen) this.countUnread();
  }

  countUnread() {
    const { badge, launcher } = this.dom;
    this.unread += 1;
    badge.textContent = String(Math.min(this.unread, 9));
    badge.classList.add('show');
    launcher.setAttribute('aria-label', `${this.t.open} (${this.unread} ${this.t.unread})`);
  }

  /** The server has the message: its bubble stops looking pending. */
  markSent(id) {
    const bubble = this.dom.log.querySelector(`[data-leadbot="message"][data-id="${cssEscape(id)}"]`);
    if (bubble) {
      bubble.classList.remove('pending');
      bubble.removeAttribute('aria-description');
    }
  }

  setTyping(on) {
    const { log, typing } = this.dom;
    clearTimeout(this.typingTimer);
    typing.classList.toggle('show', on);
    if (on) {
      log.appendChild(typing);
      this.scrollToEnd();
      // A lost reply must not leave the indicator spinning forever.
      this.typingTimer = window.setTimeout(() => this.setTyping(false), TYPING_TIMEOUT_MS);
    }
  }

  /** `next`: connecting | online | reconnecting | offline. */
  setStatus(next) {
    this.dom.status.setAttribute('data-status', next);
    this.dom.statusText.textContent = this.t[next];
  }

  /** The conversation state the server reported, exposed as `data-leadbot-state` on the panel. */
  setState(state) {
    if (typeof state !== 'string' || !state) return;
    this.dom.panel.setAttribute('data-leadbot-state', state);
    this.session.saveState(state);
  }

  /** Shows the panel; returns false when it was already open. */
  showPanel() {
    if (this.isOpen) return false;
    const { root, panel, launcher, badge } = this.dom;
    this.isOpen = true;
    root.classList.add('open');
    panel.setAttribute('aria-hidden', 'false');
    launcher.setAttribute('aria-expanded', 'true');
    launcher.setAttribute('aria-label', this.t.close);
    this.unread = 0;
    badge.classList.remove('show');
    return true;
  }

  /** Hides the panel; returns false when it was already closed. */
  hidePanel() {
    if (!this.isOpen) return false;
    const { root, panel, launcher } = this.dom;
    this.isOpen = false;
    root.classList.remove('open');
    panel.setAttribute('aria-hidden', 'true');
    launcher.setAttribute('aria-expanded', 'false');
    launcher.setAttribute('aria-label', this.t.open);
    return true;
  }
}
