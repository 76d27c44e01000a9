/** Builds the widget's DOM (a shadow root on one host element). No innerHTML anywhere in this widget. */
import { MAX_INPUT } from './constants.js';
import { widgetCss } from './styles.js';

const SVG_NS = 'http://www.w3.org/2000/svg';

/** Builds a small stroke icon from path data. */
export function icon(className, paths) {
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

/** An element with attributes (`text` sets textContent; false/null/undefined are left out) and children. */
export function el(tag, attrs, children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === false || v === null || v === undefined) continue;
    if (k === 'text') node.textContent = v;
    else node.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children || []) node.appendChild(c);
  return node;
}

/** Panel header: avatar initial, title, connection status and the close button. */
function buildHeader(config, t, title) {
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
  const header = el('div', { class: 'header' }, [
    el('div', { class: 'avatar', 'aria-hidden': 'true', text: config.botName.charAt(0).toUpperCase() }),
    el('div', { class: 'who' }, [el('div', { class: 'name', text: title }), status]),
    closeBtn,
  ]);
  return { header, status, statusText, closeBtn };
}

/** The conversation log (an ARIA live region) and the typing indicator that lives at its end. */
function buildLog(config, t) {
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
  return { log, typing };
}

/** The textarea and the send button. */
function buildComposer(t) {
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
  return { composer: el('div', { class: 'composer' }, [input, sendBtn]), input, sendBtn };
}

/** The round button that opens and closes the panel, with its unread badge. */
function buildLauncher(t) {
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
  return { launcher, badge };
}

/**
 * The whole widget: a host element (not yet in the page) whose open shadow root holds the
 * stylesheet, the panel (dialog) and the launcher. Returns the nodes the widget updates later.
 */
export function buildDom(settings, lastState) {
  const { tenant, lang, t, config } = settings;
  const host = el('div', { id: `leadbot-${tenant}`, 'data-leadbot': 'host' });
  const shadow = host.attachShadow({ mode: 'open' });
  const style = document.createElement('style');
  style.textContent = widgetCss(config.accent);

  const title = config.companyName ? `${config.botName} · ${config.companyName}` : config.botName;
  const { header, status, statusText, closeBtn } = buildHeader(config, t, title);
  const { log, typing } = buildLog(config, t);
  const { composer, input, sendBtn } = buildComposer(t);
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
    [header, log, composer, el('div', { class: 'foot', text: t.poweredBy })],
  );
  const { launcher, badge } = buildLauncher(t);
  const root = el('div', { class: 'root', lang }, [panel, launcher]);
  shadow.append(style, root);
  return { host, root, panel, status, statusText, closeBtn, log, typing, input, sendBtn, badge, launcher };
}
