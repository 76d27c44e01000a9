// The centre pane: transcript, owner line, take over / give back / close, composer, warning banner.

import { ApiError, conversationPath, get, post } from '/console/api.js';
import { byId, channelName, clock, el } from '/console/dom.js';
import { getLang, t } from '/console/i18n.js';
import { renderLead, resetLead } from '/console/lead.js';
import { clearActivity, patchItems, removeHandoff } from '/console/queue.js';
import { isMine, queueItem, recentItem, state, stateKind, stateLabel } from '/console/state.js';

/** Messages the operator sent that the server has not echoed yet: `{ text, node }`. */
let pending = [];
/** Keys of the bubbles shown, so an echo or a reload never shows a message twice. */
let shown = new Set();
/** The conversation's own warning (e.g. WhatsApp window closed) and the last action's problem. */
let convWarning = null;
let notice = null;
let busy = false;
let sending = false;

export function initConversation() {
  byId('takeover').addEventListener('click', () => void act('takeover'));
  byId('reassign').addEventListener('click', () => void act('takeover', { force: true }));
  byId('release').addEventListener('click', () => void act('release'));
  byId('close-case').addEventListener('click', () => void act('close'));
  byId('composer').addEventListener('submit', (event) => {
    event.preventDefault();
    void send();
  });
  byId('composer-input').addEventListener('keydown', (event) => {
    if (event.key === 'Enter' && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      void send();
    }
  });
}

/** Loads and shows conversation `id`; `refresh` keeps the banner (a reload after reconnecting). */
export async function openConversation(id, { refresh = false } = {}) {
  if (!refresh || state.openId !== id) {
    state.openId = id;
    state.conv = null;
    convWarning = null;
    notice = null;
    resetLead();
    byId('conv-placeholder').hidden = true;
    byId('conversation').hidden = false;
    byId('transcript').setAttribute('aria-busy', 'true');
    render();
  }
  clearActivity(id);
  try {
    const conv = await get(conversationPath(id));
    if (state.openId !== id) return;
    state.conv = conv;
    if (conv.warning) convWarning = conv.warning;
    pending = [];
    render();
  } catch (error) {
    if (state.openId === id) showError(error);
  } finally {
    if (state.openId === id) byId('transcript').removeAttribute('aria-busy');
  }
}

/** No conversation open (logout). */
export function closeConversation() {
  state.openId = null;
  state.conv = null;
  convWarning = null;
  notice = null;
  pending = [];
  resetLead();
  byId('conversation').hidden = true;
  byId('conv-placeholder').hidden = false;
  byId('composer-input').value = '';
}

export function render() {
  if (!state.openId) return;
  renderHeader();
  renderTranscript();
  renderBanner();
  renderLead();
}

export function renderHeader() {
  const conv = state.conv;
  const id = state.openId;
  const item = queueItem(id) ?? recentItem(id);
  const name = conv?.lead?.contact_info?.name || item?.name || t('noName');
  byId('conv-title').textContent = name;
  const reference = conv?.lead?.reference ?? queueItem(id)?.reference;
  const tenant = state.me?.tenant ? null : (conv?.tenant ?? item?.tenant);
  const meta = [channelName(conv?.channel ?? item?.channel), reference, tenant].filter(Boolean);
  byId('conv-meta').textContent = meta.join(' · ');
  byId('chart-link').href = `/console/conversations/${encodeURIComponent(id)}`;
  const owner = byId('owner');
  if (conv) {
    const info = { conversationId: id, state: conv.state, owner: conv.owner };
    owner.textContent = stateLabel(info);
    owner.dataset.state = stateKind(info);
  } else {
    owner.textContent = t('loading');
    owner.dataset.state = 'loading';
  }
  renderControls();
}

function renderControls() {
  const loaded = Boolean(state.conv);
  const mine = loaded && isMine();
  byId('takeover').disabled = !loaded || mine || busy;
  byId('release').disabled = !mine || busy;
  byId('close-case').disabled = !mine || busy;
  const input = byId('composer-input');
  input.disabled = !mine;
  byId('composer-send').disabled = !mine || sending;
  byId('composer-hint').hidden = !loaded || mine;
}

function messageKey(message) {
  return `${message.from}|${message.at}|${message.text}`;
}

function bubble(message, { pendingSend = false } = {}) {
  const from = ['prospect', 'bot', 'operator'].includes(message.from) ? message.from : 'bot';
  const who =
    from === 'operator'
      ? message.name || t('fromOperator')
      : from === 'bot'
        ? t('fromBot')
        : state.conv?.lead?.contact_info?.name || t('fromProspect');
  return el(
    'li',
    {
      className: `msg msg-${from}${pendingSend ? ' is-pending' : ''}`,
      testid: 'message',
      data: { from, pending: pendingSend ? 'true' : null },
    },
    el(
      'span',
      { className: 'msg-meta' },
      el('span', { className: 'msg-who', text: who }),
      el('span', { className: 'msg-time', text: pendingSend ? t('sending') : clock(message.at, getLang()) }),
    ),
    el('p', { className: 'msg-text' }, ...formatted(message.text ?? '')),
  );
}

/** `*bold*` (the reply format's only markup) as <strong>; everything else as plain text nodes. */
function formatted(text) {
  const parts = [];
  let last = 0;
  for (const match of text.matchAll(/\*([^*\n]+)\*/g)) {
    if (match.index > last) parts.push(text.slice(last, match.index));
    parts.push(el('strong', { text: match[1] }));
    last = match.index + match[0].length;
  }
  if (last < text.length) parts.push(text.slice(last));
  return parts;
}

function renderTranscript() {
  const list = byId('transcript');
  const messages = state.conv?.messages ?? [];
  shown = new Set(messages.map(messageKey));
  list.replaceChildren(...messages.map((m) => bubble(m)), ...pending.map((p) => p.node));
  byId('transcript-empty').hidden = !state.conv || messages.length > 0 || pending.length > 0;
  list.scrollTop = list.scrollHeight;
}

/** A `message` event for the open conversation. */
export function appendMessage(incoming) {
  if (!state.conv || !incoming || typeof incoming.text !== 'string') return;
  const message = incoming;
  const key = messageKey(message);
  if (shown.has(key)) return;
  const list = byId('transcript');
  const nearBottom = list.scrollHeight - list.scrollTop - list.clientHeight < 120;
  let mineEcho = false;
  if (message.from === 'operator') {
    const index = pending.findIndex((p) => p.text === message.text.trim());
    if (index !== -1) {
      pending[index].node.remove();
      pending.splice(index, 1);
      mineEcho = true;
    }
  }
  shown.add(key);
  state.conv.messages = [...(state.conv.messages ?? []), message];
  const node = bubble(message);
  const firstPending = pending[0]?.node;
  if (firstPending) list.insertBefore(node, firstPending);
  else list.append(node);
  byId('transcript-empty').hidden = true;
  if (nearBottom || mineEcho) list.scrollTop = list.scrollHeight;
}

/** A `state` event (or a command's answer) for the open conversation. */
export function applyState({ state: phase, owner }) {
  if (!state.conv) return;
  const wasMine = isMine();
  if (typeof phase === 'string') state.conv.state = phase;
  if (owner !== undefined) state.conv.owner = owner;
  renderHeader();
  if (wasMine && owner && !isMine()) {
    // Someone (an admin) reassigned it while it was open here.
    notice = { code: 'reassigned', text: t('handledBy', { name: owner }), reassign: true };
    renderBanner();
  }
}

export function clearNotice() {
  if (!notice) return;
  notice = null;
  renderBanner();
}

function renderBanner() {
  const box = byId('warning');
  const list = byId('transcript');
  const atBottom = list.scrollHeight - list.scrollTop - list.clientHeight < 120;
  const lines = [];
  if (convWarning)
    lines.push(
      el('p', {
        className: 'banner-line is-warning',
        data: { code: convWarning.code },
        text: warningText(convWarning),
      }),
    );
  if (notice)
    lines.push(
      el('p', { className: 'banner-line is-error', data: { code: notice.code }, text: notice.text }),
    );
  box.replaceChildren(...lines);
  box.hidden = lines.length === 0;
  byId('banner').hidden = lines.length === 0;
  const reassign = byId('reassign');
  reassign.hidden = !(notice?.reassign && state.me?.admin);
  reassign.disabled = busy;
  // The banner takes room from the transcript: keep the latest message in view.
  if (atBottom) list.scrollTop = list.scrollHeight;
}

function warningText(warning) {
  const known = warning.code ? t(`warning_${warning.code}`) : '';
  return known && known !== `warning_${warning.code}` ? known : warning.message || warning.code;
}

/** Shows a failed call in the banner; someone else holding the conversation gets its own wording. */
export function showError(error) {
  if (!(error instanceof ApiError)) {
    notice = { code: 'error', text: String(error?.message ?? error) };
  } else if (error.status === 401) {
    return;
  } else {
    const owner = typeof error.body?.owner === 'string' ? error.body.owner : null;
    if ((error.code === 'conflict' || error.code === 'not_owner') && owner && state.conv) {
      notice = { code: error.code, text: t('handledBy', { name: owner }), reassign: true };
      applyState({ state: 'human', owner });
      patchItems(state.openId, { owner });
    } else {
      notice = { code: error.code, text: error.message };
      if (error.code === 'not_taken_over' && state.conv) applyState({ owner: null });
    }
  }
  renderBanner();
}

async function act(action, extra = {}) {
  const id = state.openId;
  if (!id || busy || !state.conv) return;
  busy = true;
  renderControls();
  renderBanner();
  try {
    const result = await post(conversationPath(id, action), { operator: state.me.name, ...extra });
    if (state.openId !== id) return;
    notice = null;
    const owner = result && 'owner' in result ? result.owner : action === 'takeover' ? state.me.name : null;
    const phase = result?.state ?? (action === 'close' ? 'closed' : undefined);
    applyState({ state: phase, owner });
    if (action !== 'takeover') removeHandoff(id);
    patchItems(id, { owner, ...(phase ? { state: phase } : {}) });
    renderBanner();
    if (action === 'takeover') byId('composer-input').focus();
  } catch (error) {
    if (state.openId === id) showError(error);
  } finally {
    busy = false;
    if (state.openId === id) {
      renderControls();
      renderBanner();
    }
  }
}

async function send() {
  const input = byId('composer-input');
  const text = input.value.trim();
  const id = state.openId;
  if (!text || !id || sending || !isMine()) return;
  sending = true;
  input.value = '';
  const entry = {
    text,
    node: bubble({ from: 'operator', text, name: state.me.name }, { pendingSend: true }),
  };
  pending.push(entry);
  const list = byId('transcript');
  list.append(entry.node);
  byId('transcript-empty').hidden = true;
  list.scrollTop = list.scrollHeight;
  renderControls();
  try {
    const result = await post(conversationPath(id, 'messages'), { operator: state.me.name, text });
    if (state.openId !== id) return;
    if (result?.warning) convWarning = result.warning;
    if (notice) notice = null;
    renderBanner();
  } catch (error) {
    if (state.openId !== id) return;
    entry.node.remove();
    pending = pending.filter((p) => p !== entry);
    if (!input.value) input.value = text;
    showError(error);
  } finally {
    sending = false;
    if (state.openId === id) {
      renderControls();
      input.focus();
    }
  }
}
