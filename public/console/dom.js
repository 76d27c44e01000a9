// Small DOM and formatting helpers. Text always goes in through textContent / text nodes.

import { maybe, t } from '/console/i18n.js';

/**
 * `el('li', { className, testid, data: { from: 'bot' }, attrs: { role: 'x' }, text, on: { click } }, ...children)`.
 * Children are nodes or strings (added as text nodes); falsy children are skipped.
 */
export function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  if (props.className) node.className = props.className;
  if (props.testid) node.dataset.testid = props.testid;
  for (const [key, value] of Object.entries(props.data ?? {})) if (value != null) node.dataset[key] = value;
  for (const [key, value] of Object.entries(props.attrs ?? {}))
    if (value != null && value !== false) node.setAttribute(key, value === true ? '' : String(value));
  if (props.text != null) node.textContent = String(props.text);
  for (const [type, handler] of Object.entries(props.on ?? {})) node.addEventListener(type, handler);
  for (const child of children) {
    if (child == null || child === false) continue;
    node.append(typeof child === 'string' ? document.createTextNode(child) : child);
  }
  return node;
}

export function byId(id) {
  return document.getElementById(id);
}

/** `3 min`, `1 h 5 min`, `2 d`. */
export function duration(seconds) {
  const s = Math.max(0, Math.floor(seconds));
  if (s < 60) return t('lessThanMinute');
  const minutes = Math.floor(s / 60);
  if (minutes < 60) return t('minutes', { n: minutes });
  const hours = Math.floor(minutes / 60);
  if (hours < 24) return t('hours', { h: hours, m: minutes % 60 });
  return t('days', { n: Math.floor(hours / 24) });
}

/** `hace 5 min` / `5 min ago` for an ISO date; '' when it is not a date. */
export function ago(iso) {
  const at = Date.parse(iso);
  if (Number.isNaN(at)) return '';
  return t('ago', { time: duration((Date.now() - at) / 1000) });
}

/** Clock time (today) or short date and time (older), in the console's language. */
export function clock(iso, lang) {
  const at = new Date(iso);
  if (Number.isNaN(at.getTime())) return '';
  const today = new Date().toDateString() === at.toDateString();
  const options = today
    ? { hour: '2-digit', minute: '2-digit' }
    : { day: 'numeric', month: 'short', hour: '2-digit', minute: '2-digit' };
  return at.toLocaleString(lang === 'es' ? 'es-ES' : 'en-GB', options);
}

const CHANNELS = { web: 'Web', whatsapp: 'WhatsApp', telegram: 'Telegram', rest: 'API', cli: 'CLI' };

export function channelName(channel) {
  return CHANNELS[channel] ?? String(channel ?? '');
}

/** A translated label for a code (`urgency_Alto`, `reason_overdue`…), or the raw value. */
export function label(prefix, value) {
  if (value == null || value === '') return '';
  return maybe(`${prefix}_${value}`) ?? String(value);
}

const URGENCY_RANK = { Alto: 0, Medio: 1, Bajo: 2 };

export function urgencyRank(level) {
  return URGENCY_RANK[level] ?? 3;
}

/** An urgency badge: Alto red, Medio amber, Bajo grey. */
export function urgencyBadge(level) {
  const known = level in URGENCY_RANK ? level.toLowerCase() : 'none';
  return el('span', { className: `badge urgency-${known}`, text: label('urgency', level) || '—' });
}
