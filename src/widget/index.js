/*
 * leadbot web-chat widget: plain browser JavaScript, ES modules bundled by esbuild into the one
 * script the server serves at GET /widget.js (see src/http/widget-bundle.ts).
 *
 * Embed:  <script src="https://your-leadbot/widget.js" data-tenant="demo" data-lang="es" defer></script>
 * Optional attributes: data-server (leadbot origin; default: where this file was loaded from),
 * data-bot-name, data-company, data-welcome, data-accent (#rrggbb). A
 * <script type="application/json" data-leadbot-config> block on the page may carry the same
 * settings ({ tenant, botName, companyName, welcome: { es, en }, accentColor }).
 *
 * Protocol: see connection.js.
 *
 * Host page API: window.leadbot.open(), .close(), .send(text).
 *
 * Modules: settings.js (script tag + page config), i18n.js (strings), storage.js and session.js
 * (what the browser keeps), styles.js and dom.js (the shadow DOM), view.js (rendering),
 * connection.js (the WebSocket), controls.js (user actions and page events).
 */
import { Connection } from './connection.js';
import { bindEvents, closePanel, mount, openPanel, sendMessage } from './controls.js';
import { buildDom } from './dom.js';
import { loadSession } from './session.js';
import { readSettings } from './settings.js';
import { createStore, storageKeys } from './storage.js';
import { ChatView } from './view.js';

function start() {
  // Settings first: the <script> element is only `document.currentScript` during this first run.
  const settings = readSettings();
  const session = loadSession(createStore(), storageKeys(settings.tenant));
  const dom = buildDom(settings, session.lastState);
  const view = new ChatView(settings, session, dom);
  view.renderInitial(settings.config.welcome);
  const connection = new Connection(settings, session, view);
  const app = { settings, session, dom, view, connection };
  bindEvents(app);
  mount(app);

  window.leadbot = Object.freeze({
    __loaded: true,
    open: () => openPanel(app),
    close: () => closePanel(app),
    /** Sends `text` as the visitor (opens the panel); returns false for empty text. */
    send(text) {
      openPanel(app);
      return sendMessage(app, text);
    },
  });
}

// Loaded twice on one page (two embeds): the first copy keeps the page.
if (!(window.leadbot && window.leadbot.__loaded)) start();
