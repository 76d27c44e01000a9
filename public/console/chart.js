// One conversation on its state chart: the machine's SVG (GET /api/machines/conversation?format=svg)
// with the current state highlighted and the states it went through marked, and the transition log
// (GET /api/conversations/:id/state), refreshed live from the console's event stream.

const id = decodeURIComponent(location.pathname.split('/').pop() ?? '');
const es = (navigator.language || 'es').toLowerCase().startsWith('es');
const LABELS = es
  ? {
      now: 'Ahora:',
      path: 'Recorrido',
      at: 'Hora',
      event: 'Evento',
      step: 'De → a',
      why: 'Guarda / campos',
      login: 'Inicie sesión en la consola para ver esta conversación.',
      missing: 'No existe esa conversación.',
      title: 'Diagrama de estados',
    }
  : {
      now: 'Now:',
      path: 'Path so far',
      at: 'Time',
      event: 'Event',
      step: 'From → to',
      why: 'Guard / fields',
      login: 'Log in to the console to see this conversation.',
      missing: 'No such conversation.',
      title: 'State chart',
    };

const byId = (name) => document.getElementById(name);

function label() {
  document.documentElement.lang = es ? 'es' : 'en';
  for (const node of document.querySelectorAll('[data-label]')) node.textContent = LABELS[node.dataset.label];
  byId('title').textContent = `${LABELS.title} · ${id}`;
}

async function getJson(path) {
  const res = await fetch(path, { credentials: 'same-origin', cache: 'no-store' });
  if (res.status === 401) throw new Error(LABELS.login);
  if (res.status === 404) throw new Error(LABELS.missing);
  if (!res.ok) throw new Error(`HTTP ${res.status}`);
  return res.json();
}

function showError(message) {
  const node = byId('error');
  node.textContent = message;
  node.hidden = false;
}

/** The state's element and its enclosing phases (`capture.waiting` → capture.waiting, capture). */
function marks(stateId) {
  const parts = stateId.split('.');
  return parts
    .map((_, i) => document.getElementById(`state-${parts.slice(0, i + 1).join('.')}`))
    .filter(Boolean);
}

function highlight(state) {
  for (const node of document.querySelectorAll('#chart g.current, #chart g.visited'))
    node.classList.remove('current', 'visited');
  for (const t of state.transitions) for (const node of marks(t.to)) node.classList.add('visited');
  for (const node of marks(state.value)) node.classList.add('current');
  const leaf = document.getElementById(`state-${state.value}`);
  leaf?.scrollIntoView?.({ block: 'center', inline: 'center' });
}

function cell(text) {
  const td = document.createElement('td');
  td.textContent = text;
  return td;
}

function renderLog(state) {
  byId('current').textContent = state.value;
  byId('current').dataset.state = state.value;
  const rows = state.transitions
    .slice()
    .reverse()
    .map((t) => {
      const tr = document.createElement('tr');
      const why = [t.guard, t.fields?.length ? `+ ${t.fields.join(', ')}` : ''].filter(Boolean).join(' · ');
      tr.append(
        cell(new Date(t.at).toLocaleTimeString()),
        cell(t.event),
        cell(`${t.from || '·'} → ${t.to}`),
        cell(why),
      );
      return tr;
    });
  byId('transitions').replaceChildren(...rows);
}

let pending = null;
async function refresh() {
  if (pending) return pending;
  pending = (async () => {
    try {
      const state = await getJson(`/api/conversations/${encodeURIComponent(id)}/state`);
      renderLog(state);
      highlight(state);
      byId('error').hidden = true;
    } catch (error) {
      showError(error.message);
    } finally {
      pending = null;
    }
  })();
  return pending;
}

function live() {
  const stream = new EventSource('/console/events');
  const mine = (event) => {
    try {
      if (JSON.parse(event.data).conversationId === id) void refresh();
    } catch {
      // not for this page
    }
  };
  for (const name of ['message', 'state', 'handoff']) stream.addEventListener(name, mine);
  stream.addEventListener('ready', () => {
    byId('live').dataset.state = 'connected';
    void refresh();
  });
  stream.onerror = () => (byId('live').dataset.state = 'connecting');
}

async function main() {
  label();
  try {
    const res = await fetch('/api/machines/conversation?format=svg', { cache: 'no-store' });
    byId('chart').innerHTML = await res.text();
  } catch {
    showError('The chart could not be loaded.');
  }
  await refresh();
  live();
}

void main();
