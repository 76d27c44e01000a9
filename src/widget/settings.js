/** Where the widget's settings come from: its <script> tag, the host page, and the defaults. */
import { TEXT, pickLanguage } from './i18n.js';

/** A trimmed non-empty string, or ''. */
export const str = (v) => (typeof v === 'string' && v.trim() ? v.trim() : '');

/** The <script> element that loaded the widget (`currentScript` is only set while it first runs). */
function findScript() {
  return (
    document.currentScript ||
    Array.from(document.querySelectorAll('script[src]')).find((s) => /\/widget\.js(\?|#|$)/.test(s.src)) ||
    null
  );
}

/** The leadbot origin: `data-server`, else where this file was loaded from, else this page. */
function resolveServerOrigin(script, data) {
  try {
    return new URL(data.server || (script && script.src) || window.location.href, window.location.href)
      .origin;
  } catch {
    return window.location.origin;
  }
}

/** Settings from an inline JSON block for this tenant, if the host page has one. */
function readPageConfig(tenant) {
  const blocks = document.querySelectorAll('script[type="application/json"][data-leadbot-config]');
  for (const block of Array.from(blocks)) {
    try {
      const parsed = JSON.parse(block.textContent || '{}');
      if (parsed && typeof parsed === 'object' && (!parsed.tenant || parsed.tenant === tenant)) return parsed;
    } catch {
      // A malformed block is ignored: the widget still works with its defaults.
    }
  }
  return {};
}

/** Display settings: data attributes win over the page's JSON block, which wins over the defaults. */
function displayConfig(data, pageConfig, lang, t) {
  const welcomeConfig = pageConfig.welcome;
  return {
    botName: str(data.botName) || str(pageConfig.botName) || t.botName,
    companyName: str(data.company) || str(pageConfig.companyName),
    welcome:
      str(data.welcome) ||
      (welcomeConfig && typeof welcomeConfig === 'object' ? str(welcomeConfig[lang]) : str(welcomeConfig)) ||
      t.welcome,
    accent: [data.accent, pageConfig.accentColor].find((c) => /^#[0-9a-fA-F]{6}$/.test(c || '')) || '#0f766e',
  };
}

/**
 * Everything the widget needs to know before it starts: tenant, language and strings, the
 * WebSocket origin, and the display config.
 */
export function readSettings() {
  const script = findScript();
  const data = (script && script.dataset) || {};
  const tenant = data.tenant || 'demo';
  const lang = pickLanguage(data.lang);
  const serverOrigin = resolveServerOrigin(script, data);
  const t = TEXT[lang];
  return {
    tenant,
    lang,
    t,
    wsOrigin: serverOrigin.replace(/^http/i, 'ws'),
    config: displayConfig(data, readPageConfig(tenant), lang, t),
  };
}
