// leadbot operator console: login, layout, routing (#c=<conversationId>), live updates.

import { get, onUnauthorized, post, setCsrf } from '/console/api.js';
import {
  appendMessage,
  applyState,
  clearNotice,
  closeConversation,
  initConversation,
  openConversation,
  render as renderConversation,
  renderHeader,
  showError,
} from '/console/conversation.js';
import { renderCrmStatus, startCrmStatus, stopCrmStatus } from '/console/crm-status.js';
import { byId, el } from '/console/dom.js';
import { applyStatic, getLang, setLang, t } from '/console/i18n.js';
import { initLead, relabelLead } from '/console/lead.js';
import { connectLive, disconnectLive, renderLiveStatus, resetLive } from '/console/live.js';
import {
  initQueue,
  markActivity,
  patchItems,
  removeHandoff,
  renderQueue,
  renderRecent,
  setQueue,
  setRecent,
  upsertHandoff,
} from '/console/queue.js';
import { state } from '/console/state.js';

const NAME_KEY = 'leadbot.console.name';
const TICK_MS = 30_000;
const phone = window.matchMedia('(max-width: 760px)');
let ticker = null;

// ---------------------------------------------------------------- screens

function showLogin(message = '') {
  byId('boot').hidden = true;
  byId('app').hidden = true;
  byId('login-screen').hidden = false;
  byId('login-error').textContent = message;
  try {
    byId('login-name').value ||= localStorage.getItem(NAME_KEY) ?? '';
  } catch {
    // No storage: the name field starts empty.
  }
  byId('login-token').focus();
}

function start(session) {
  state.me = session.operator;
  setCsrf(session.csrf);
  byId('boot').hidden = true;
  byId('login-screen').hidden = true;
  byId('app').hidden = false;
  renderOperator();
  void loadQueue();
  void loadRecent();
  connectLive(liveHandlers);
  startCrmStatus();
  ticker = setInterval(() => {
    renderQueue();
    renderRecent();
  }, TICK_MS);
  route();
}

/** Back to the login screen (logout, or a 401 anywhere). */
function stop(message = '') {
  if (!state.me) return;
  state.me = null;
  setCsrf(null);
  resetLive();
  stopCrmStatus();
  clearInterval(ticker);
  ticker = null;
  closeConversation();
  state.queue = [];
  state.recent = [];
  state.activity.clear();
  renderQueue();
  renderRecent();
  showLogin(message);
}

function renderOperator() {
  const me = state.me;
  if (!me) return;
  const scope = me.admin ? t('adminTag') : me.tenant;
  const name = el('span', { className: 'operator-name', text: me.name });
  // replaceChildren(null) would insert the text "null".
  byId('operator-name').replaceChildren(
    ...(scope ? [name, el('span', { className: 'chip', text: scope })] : [name]),
  );
}

// ---------------------------------------------------------------- data

async function loadQueue() {
  try {
    const body = await get('/api/handoffs');
    setQueue(body?.handoffs);
    if (state.openId) renderHeader();
  } catch (error) {
    reportListError(error);
  }
}

async function loadRecent() {
  try {
    const body = await get('/api/conversations?limit=50');
    setRecent(body?.conversations);
  } catch (error) {
    reportListError(error);
  }
}

function reportListError(error) {
  if (error?.status === 401) return;
  const line = byId('lists-error');
  line.textContent = error?.message ?? String(error);
  line.hidden = false;
}

const liveHandlers = {
  handoff(item) {
    upsertHandoff(item);
    if (item.conversationId === state.openId) renderHeader();
  },
  removed({ conversationId }) {
    removeHandoff(conversationId);
    if (conversationId === state.openId) renderHeader();
  },
  message({ conversationId, message }) {
    const visible =
      conversationId === state.openId && !(phone.matches && byId('app').dataset.view === 'queue');
    if (conversationId === state.openId) appendMessage(message);
    if (!visible) markActivity(conversationId);
  },
  state({ conversationId, state: phase, owner }) {
    patchItems(conversationId, { state: phase, owner: owner ?? null });
    if (conversationId === state.openId) applyState({ state: phase, owner: owner ?? null });
  },
  onResync() {
    byId('lists-error').hidden = true;
    void loadQueue();
    void loadRecent();
    if (state.openId) void openConversation(state.openId, { refresh: true });
  },
  async onClosed() {
    try {
      await get('/console/session');
      return true;
    } catch (error) {
      if (error?.status === 401) {
        stop(t('sessionExpired'));
        return false;
      }
      return true;
    }
  },
};

// ---------------------------------------------------------------- routing

function hashId() {
  const id = new URLSearchParams(location.hash.slice(1)).get('c');
  return id ? id : null;
}

function route() {
  if (!state.me) return;
  const id = hashId();
  byId('app').dataset.view = id ? 'conversation' : 'queue';
  if (id && id !== state.openId) void openConversation(id);
  else if (id) renderConversation();
  renderQueue();
  renderRecent();
}

function openFromList(id) {
  if (hashId() === id) {
    byId('app').dataset.view = 'conversation';
    void openConversation(id, { refresh: true });
  } else {
    location.hash = `c=${encodeURIComponent(id)}`;
  }
  if (phone.matches) window.scrollTo(0, 0);
}

function backToQueue() {
  history.pushState(null, '', location.pathname + location.search);
  route();
  const current =
    state.openId && document.querySelector(`[data-conversation-id="${CSS.escape(state.openId)}"]`);
  (current || byId('queue-title')).focus();
}

// ---------------------------------------------------------------- wiring

function relabel() {
  applyStatic();
  for (const toggle of document.querySelectorAll('.lang-toggle'))
    for (const option of toggle.querySelectorAll('[data-lang]'))
      option.classList.toggle('is-active', option.dataset.lang === getLang());
  renderLiveStatus();
  renderCrmStatus();
  renderOperator();
  if (!state.me) return;
  renderQueue();
  renderRecent();
  if (state.openId) {
    renderHeader();
    renderConversation();
    relabelLead();
  }
}

async function login(event) {
  event.preventDefault();
  const token = byId('login-token').value.trim();
  const name = byId('login-name').value.trim();
  const error = byId('login-error');
  if (!token) {
    error.textContent = t('tokenRequired');
    byId('login-token').focus();
    return;
  }
  const submit = byId('login-submit');
  submit.disabled = true;
  submit.textContent = t('loggingIn');
  error.textContent = '';
  try {
    const session = await post('/console/login', name ? { token, name } : { token });
    byId('login-token').value = '';
    try {
      if (name) localStorage.setItem(NAME_KEY, name);
    } catch {
      // No storage: nothing to remember.
    }
    start(session);
  } catch (failure) {
    error.textContent = failure?.message ?? String(failure);
    (failure?.code === 'name_required' ? byId('login-name') : byId('login-token')).focus();
  } finally {
    submit.disabled = false;
    submit.textContent = t('loginSubmit');
  }
}

async function logout() {
  try {
    await post('/console/logout', {});
  } catch (error) {
    if (error?.status !== 401) {
      showError(error);
      return;
    }
  }
  stop();
}

function wire() {
  byId('login-form').addEventListener('submit', (event) => void login(event));
  byId('logout').addEventListener('click', () => void logout());
  for (const toggle of document.querySelectorAll('.lang-toggle'))
    toggle.addEventListener('click', () => {
      setLang(getLang() === 'es' ? 'en' : 'es');
      relabel();
    });
  byId('back').addEventListener('click', backToQueue);
  byId('refresh-recent').addEventListener('click', () => void loadRecent());
  window.addEventListener('hashchange', route);
  window.addEventListener('popstate', route);
  window.addEventListener('pagehide', disconnectLive);
  window.addEventListener('pageshow', (event) => {
    if (event.persisted && state.me) connectLive(liveHandlers, { retry: true });
  });
  onUnauthorized(() => stop(t('sessionExpired')));
  initQueue({ onOpen: openFromList });
  initConversation();
  initLead({
    onError: showError,
    onSaved: () => {
      clearNotice();
      renderHeader();
    },
  });
}

async function boot() {
  wire();
  relabel();
  try {
    start(await get('/console/session'));
  } catch (error) {
    showLogin(error?.status === 401 ? '' : (error?.message ?? ''));
  }
}

void boot();
