// The CRM outbox in the top bar: "CRM not answering: 3 waiting, oldest 4 min ago" while pushes fail,
// dead letters when some failed for good. Read from /health (public counts, no personal data).

import { byId } from '/console/dom.js';
import { t } from '/console/i18n.js';

const POLL_MS = 15_000;
let timer = null;
let last = null;

function age(seconds) {
  if (seconds < 120) return t('ageSeconds', { n: seconds });
  if (seconds < 7200) return t('ageMinutes', { n: Math.round(seconds / 60) });
  return t('ageHours', { n: Math.round(seconds / 3600) });
}

/** Shows (or hides) the line from the last `/health` answer, in the current language. */
export function renderCrmStatus() {
  const line = byId('crm-status');
  const crm = last?.crm;
  let text = '';
  if (crm?.receiver === 'failing')
    text = t('crmFailing', { pending: crm.pending, age: age(crm.oldest_pending_age_s ?? 0) });
  else if (crm?.dead > 0) text = t('crmDead', { dead: crm.dead });
  line.textContent = text;
  line.dataset.state = crm?.receiver === 'failing' ? 'failing' : 'dead';
  line.hidden = text === '';
}

async function poll() {
  try {
    const response = await fetch('/health', { cache: 'no-store', credentials: 'same-origin' });
    last = response.ok ? await response.json() : last;
  } catch {
    // The live indicator already says when the server is unreachable.
  }
  renderCrmStatus();
}

export function startCrmStatus() {
  stopCrmStatus();
  void poll();
  timer = setInterval(() => void poll(), POLL_MS);
}

export function stopCrmStatus() {
  clearInterval(timer);
  timer = null;
  last = null;
  renderCrmStatus();
}
