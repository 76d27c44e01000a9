import { campaignLinks } from '../config/campaigns.ts';
import type { CatalogItem, TenantConfig } from '../config/tenant.ts';

/** Languages the landing page is written in. */
export type LandingLanguage = 'es' | 'en';

/** Options for {@link renderLandingPage}. */
export interface LandingOptions {
  language: LandingLanguage;
}

const HTML_ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/** Escapes text for use in HTML element content and quoted attribute values. */
export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (ch) => HTML_ESCAPES[ch] ?? ch);
}

const COPY = {
  es: {
    htmlTitle: 'Gestión de rutas y entregas',
    navPlans: 'Planes',
    navFaq: 'Preguntas frecuentes',
    ctaChat: 'Habla con nosotros',
    ctaPlans: 'Ver planes',
    heroKicker: 'Software de última milla para Latinoamérica',
    plansTitle: 'Planes y precios',
    plansLead: 'Todos los planes incluyen 14 días de prueba gratis. Sin tarjeta de crédito.',
    perMonth: '/mes',
    contactSales: 'Precio a medida',
    choose: 'Empezar prueba',
    talkToSales: 'Hablar con ventas',
    popular: 'Más elegido',
    faqTitle: 'Preguntas frecuentes',
    faqLead: '¿Tienes otra duda? Escríbele a nuestro asistente en el chat.',
    footer: 'Empresa ficticia: esta página es una demostración de leadbot.',
    languageLabel: 'Idioma',
    stats: [
      ['98 %', 'entregas a tiempo'],
      ['-23 %', 'kilómetros recorridos'],
      ['12', 'países'],
    ],
  },
  en: {
    htmlTitle: 'Route and delivery management',
    navPlans: 'Plans',
    navFaq: 'FAQ',
    ctaChat: 'Talk to us',
    ctaPlans: 'See plans',
    heroKicker: 'Last-mile software for Latin America',
    plansTitle: 'Plans and pricing',
    plansLead: 'Every plan includes a 14-day free trial. No credit card required.',
    perMonth: '/mo',
    contactSales: 'Custom pricing',
    choose: 'Start free trial',
    talkToSales: 'Talk to sales',
    popular: 'Most popular',
    faqTitle: 'Frequently asked questions',
    faqLead: 'Another question? Ask our assistant in the chat.',
    footer: 'Fictional company: this page is a leadbot demo.',
    languageLabel: 'Language',
    stats: [
      ['98%', 'on-time deliveries'],
      ['-23%', 'kilometres driven'],
      ['12', 'countries'],
    ],
  },
} as const;

/** Formats a monthly price, e.g. `$49`, without decimals for whole amounts. */
function formatPrice(price: number, currency: string, language: LandingLanguage): string {
  try {
    return new Intl.NumberFormat(language === 'es' ? 'es-MX' : 'en-US', {
      style: 'currency',
      currency,
      // The code is printed beside the amount ("USD/mo"), so the symbol alone is enough here.
      currencyDisplay: 'narrowSymbol',
      maximumFractionDigits: Number.isInteger(price) ? 0 : 2,
    }).format(price);
  } catch {
    // An unknown ISO code makes Intl throw; fall back to a plain rendering.
    return `${currency} ${price}`;
  }
}

/**
 * Display settings the widget cannot get over the socket (names, welcome bubble, colour), as JSON
 * that is safe inside a `<script>` element: `<`, `>`, `&` and line separators are \u-escaped.
 */
function widgetConfigJson(tenant: TenantConfig): string {
  const config = {
    tenant: tenant.id,
    companyName: tenant.companyName,
    botName: tenant.botName,
    welcome: tenant.welcome,
    accentColor: tenant.accentColor,
  };
  return JSON.stringify(config).replace(
    /[<>&\u2028\u2029]/g,
    (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}

/** First paragraph of a knowledge page, without the title line or markdown emphasis. */
function excerpt(body: string): string {
  const paragraphs = body
    .replace(/^\s*#[^\n]*\n/, '')
    .split(/\n\s*\n/)
    .map((p) => p.trim())
    .filter((p) => p.length > 0 && !p.startsWith('#'));
  const first = (paragraphs[0] ?? '').replace(/\*\*?([^*]+)\*\*?/g, '$1').replace(/\s+/g, ' ');
  return first.length > 220 ? `${first.slice(0, 217).trimEnd()}…` : first;
}

function renderPlan(
  item: CatalogItem,
  language: LandingLanguage,
  featured: boolean,
  copy: (typeof COPY)[LandingLanguage],
): string {
  const price =
    item.price === null
      ? `<span class="amount amount-custom">${escapeHtml(copy.contactSales)}</span>`
      : `<span class="amount">${escapeHtml(formatPrice(item.price, item.currency, language))}</span>` +
        `<span class="per">${escapeHtml(item.currency)}${escapeHtml(copy.perMonth)}</span>`;
  const features = item.features[language].map((f) => `<li>${escapeHtml(f)}</li>`).join('');
  const cta = item.price === null ? copy.talkToSales : copy.choose;
  return `<article class="plan${featured ? ' plan-featured' : ''}" data-plan="${escapeHtml(item.id)}">
  ${featured ? `<span class="badge">${escapeHtml(copy.popular)}</span>` : ''}
  <h3>${escapeHtml(item.name[language])}</h3>
  <p class="plan-desc">${escapeHtml(item.description[language])}</p>
  <p class="price">${price}</p>
  <ul class="features">${features}</ul>
  <a class="btn ${featured ? 'btn-primary' : 'btn-ghost'}" href="#chat">${escapeHtml(cta)}</a>
</article>`;
}

/** WhatsApp / Telegram buttons of the tenant's first campaign (its prefilled text, its start id). */
function messengerButtons(tenant: TenantConfig, lang: LandingLanguage): string {
  const [link] = campaignLinks(tenant, lang);
  if (!link) return '';
  const label = {
    es: ['Escríbanos por WhatsApp', 'Abrir en Telegram'],
    en: ['Message us on WhatsApp', 'Open in Telegram'],
  }[lang];
  const out: string[] = [];
  if (link.whatsapp)
    out.push(`<a class="btn btn-ghost" rel="noopener" href="${escapeHtml(link.whatsapp)}">${label[0]}</a>`);
  if (link.telegram)
    out.push(`<a class="btn btn-ghost" rel="noopener" href="${escapeHtml(link.telegram)}">${label[1]}</a>`);
  return out.length ? `\n          ${out.join('\n          ')}` : '';
}

/**
 * Renders the tenant's public demo page: hero, catalog as plan cards, an FAQ built from the
 * knowledge pages, and the embedded web-chat widget (`/widget.js`). Self-contained (inline CSS,
 * no external fonts or CDNs); every tenant value is HTML-escaped.
 */
export function renderLandingPage(tenant: TenantConfig, opts: LandingOptions): string {
  const lang = opts.language;
  const copy = COPY[lang];
  const company = escapeHtml(tenant.companyName);
  const accent = /^#[0-9a-fA-F]{6}$/.test(tenant.accentColor) ? tenant.accentColor : '#0f766e';
  // The middle paid plan is highlighted, the way pricing pages usually steer choice.
  const paid = tenant.catalog.filter((c) => c.price !== null);
  const featuredId = paid[Math.floor((paid.length - 1) / 2)]?.id;
  const plans = tenant.catalog.map((item) => renderPlan(item, lang, item.id === featuredId, copy)).join('\n');
  const faq = tenant.knowledge
    .filter((k) => k.language === lang)
    .map(
      (k) => `<details class="faq-item">
  <summary>${escapeHtml(k.title)}</summary>
  <p>${escapeHtml(excerpt(k.body))}</p>
</details>`,
    )
    .join('\n');
  const stats = copy.stats
    .map(
      ([value, label]) => `<div><strong>${escapeHtml(value)}</strong><span>${escapeHtml(label)}</span></div>`,
    )
    .join('');
  // Links keep the tenant, so a non-default tenant's page does not jump to the demo one.
  const home = (code: LandingLanguage): string =>
    `/?tenant=${encodeURIComponent(tenant.id)}&amp;lang=${code}`;
  const langLink = (code: LandingLanguage, label: string): string =>
    code === lang
      ? `<a href="${home(code)}" aria-current="true">${label}</a>`
      : `<a href="${home(code)}" hreflang="${code}" lang="${code}">${label}</a>`;

  return `<!doctype html>
<html lang="${lang}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${company} · ${escapeHtml(copy.htmlTitle)}</title>
<meta name="description" content="${escapeHtml(tenant.tagline[lang])}">
<style>
:root { --accent: ${accent}; --ink: #0f172a; --muted: #475569; --line: #e2e8f0; --bg: #f8fafc; }
* { box-sizing: border-box; }
html { scroll-behavior: smooth; }
body { margin: 0; font-family: system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif;
  color: var(--ink); background: var(--bg); line-height: 1.55; -webkit-font-smoothing: antialiased; }
a { color: inherit; }
.wrap { max-width: 1120px; margin: 0 auto; padding: 0 24px; }
header.top { position: sticky; top: 0; z-index: 10; background: rgba(255,255,255,.9);
  backdrop-filter: blur(8px); border-bottom: 1px solid var(--line); }
header.top .wrap { display: flex; align-items: center; gap: 24px; height: 64px; }
.logo { display: flex; align-items: center; gap: 10px; font-weight: 800; font-size: 1.2rem; text-decoration: none; }
.logo-mark { width: 32px; height: 32px; border-radius: 9px; background: var(--accent); display: grid; place-items: center; }
.logo-mark svg { width: 20px; height: 20px; }
nav.links { display: flex; gap: 20px; margin-left: auto; font-size: .95rem; }
nav.links a { text-decoration: none; color: var(--muted); }
nav.links a:hover { color: var(--ink); }
.lang { display: flex; border: 1px solid var(--line); border-radius: 999px; overflow: hidden; font-size: .8rem; font-weight: 600; }
.lang a { padding: 4px 10px; text-decoration: none; color: var(--muted); }
.lang a[aria-current] { background: var(--ink); color: #fff; }
.hero { background: radial-gradient(1200px 500px at 80% -10%, color-mix(in srgb, var(--accent) 22%, transparent), transparent),
  linear-gradient(180deg, #fff, var(--bg)); padding: 88px 0 72px; }
.hero .wrap { display: grid; grid-template-columns: 1.2fr .8fr; gap: 48px; align-items: center; }
.kicker { display: inline-block; font-size: .8rem; font-weight: 700; letter-spacing: .06em; text-transform: uppercase;
  color: var(--accent); background: color-mix(in srgb, var(--accent) 10%, #fff); padding: 4px 12px; border-radius: 12px; }
.hero h1 { font-size: clamp(2.1rem, 4.5vw, 3.4rem); line-height: 1.1; margin: 18px 0 16px; letter-spacing: -.02em; }
.hero p.tagline { font-size: 1.2rem; color: var(--muted); margin: 0 0 28px; max-width: 34em; }
.actions { display: flex; gap: 12px; flex-wrap: wrap; }
.btn { display: inline-block; padding: 12px 22px; border-radius: 10px; font-weight: 650; text-decoration: none;
  text-align: center; transition: transform .15s, box-shadow .15s, background .15s; }
.btn:hover { transform: translateY(-1px); }
.btn-primary { background: var(--accent); color: #fff; box-shadow: 0 6px 18px color-mix(in srgb, var(--accent) 35%, transparent); }
.btn-ghost { background: #fff; border: 1px solid var(--line); }
.stats { display: grid; grid-template-columns: repeat(3, 1fr); gap: 12px; }
.stats div { background: #fff; border: 1px solid var(--line); border-radius: 14px; padding: 18px 16px; }
.stats strong { display: block; font-size: 1.6rem; color: var(--accent); }
.stats span { font-size: .85rem; color: var(--muted); }
section { padding: 72px 0; }
section h2 { font-size: 2rem; margin: 0 0 8px; letter-spacing: -.01em; }
section .lead { color: var(--muted); margin: 0 0 36px; }
.plans { display: grid; grid-template-columns: repeat(auto-fit, minmax(230px, 1fr)); gap: 20px; align-items: stretch; }
.plan { position: relative; display: flex; flex-direction: column; background: #fff; border: 1px solid var(--line);
  border-radius: 16px; padding: 28px 24px; }
@supports (grid-template-rows: subgrid) {
  /* Line up titles, prices and feature lists across cards whatever the description length. */
  .plan { display: grid; grid-row: span 5; grid-template-rows: subgrid; row-gap: 0; }
}
.plan-featured { border: 2px solid var(--accent); box-shadow: 0 16px 40px rgba(15,23,42,.08); }
.badge { position: absolute; top: -12px; left: 24px; background: var(--accent); color: #fff; font-size: .75rem;
  font-weight: 700; padding: 3px 10px; border-radius: 999px; }
.plan h3 { margin: 0 0 6px; font-size: 1.25rem; }
.plan-desc { color: var(--muted); font-size: .92rem; margin: 0 0 18px; }
.price { margin: 0 0 18px; display: flex; align-items: baseline; gap: 6px; flex-wrap: wrap; }
.amount { font-size: 2.2rem; font-weight: 800; letter-spacing: -.02em; }
.amount-custom { font-size: 1.4rem; line-height: 1.25; }
.per { color: var(--muted); font-size: .9rem; }
.features { list-style: none; padding: 0; margin: 0 0 24px; flex: 1; font-size: .93rem; }
.plan .btn { align-self: end; }
.features li { padding: 6px 0 6px 26px; position: relative; }
.features li::before { content: ""; position: absolute; left: 2px; top: 11px; width: 12px; height: 7px;
  border-left: 2px solid var(--accent); border-bottom: 2px solid var(--accent); transform: rotate(-45deg); }
.faq { max-width: 760px; }
.faq-item { background: #fff; border: 1px solid var(--line); border-radius: 12px; padding: 0 20px; margin-bottom: 12px; }
.faq-item summary { cursor: pointer; padding: 16px 0; font-weight: 650; list-style: none; display: flex; justify-content: space-between; }
.faq-item summary::-webkit-details-marker { display: none; }
.faq-item summary::after { content: "+"; color: var(--accent); font-size: 1.3rem; line-height: 1; }
.faq-item[open] summary::after { content: "–"; }
.faq-item p { margin: 0 0 16px; color: var(--muted); }
footer { border-top: 1px solid var(--line); padding: 28px 0 100px; color: var(--muted); font-size: .9rem; }
footer .wrap { display: flex; justify-content: space-between; gap: 16px; flex-wrap: wrap; }
@media (max-width: 820px) {
  .hero { padding: 56px 0 48px; }
  .hero .wrap { grid-template-columns: 1fr; gap: 32px; }
  nav.links { display: none; }
  .lang { margin-left: auto; }
  section { padding: 52px 0; }
}
@media (prefers-reduced-motion: reduce) { html { scroll-behavior: auto; } .btn { transition: none; } }
</style>
</head>
<body>
<header class="top">
  <div class="wrap">
    <a class="logo" href="${home(lang)}"><span class="logo-mark" aria-hidden="true"><svg viewBox="0 0 24 24" fill="none" stroke="#fff" stroke-width="2.4" stroke-linecap="round" stroke-linejoin="round"><circle cx="6" cy="18" r="2.5"/><circle cx="18" cy="6" r="2.5"/><path d="M8.5 18H15a3 3 0 0 0 0-6H9a3 3 0 0 1 0-6h6.5"/></svg></span>${company}</a>
    <nav class="links" aria-label="${company}">
      <a href="#plans">${escapeHtml(copy.navPlans)}</a>
      <a href="#faq">${escapeHtml(copy.navFaq)}</a>
    </nav>
    <nav class="lang" aria-label="${escapeHtml(copy.languageLabel)}">${langLink('es', 'ES')}${langLink('en', 'EN')}</nav>
  </div>
</header>
<main>
  <div class="hero">
    <div class="wrap">
      <div>
        <span class="kicker">${escapeHtml(copy.heroKicker)}</span>
        <h1>${company}</h1>
        <p class="tagline">${escapeHtml(tenant.tagline[lang])}</p>
        <div class="actions">
          <a class="btn btn-primary" href="#chat">${escapeHtml(copy.ctaChat)}</a>
          <a class="btn btn-ghost" href="#plans">${escapeHtml(copy.ctaPlans)}</a>${messengerButtons(tenant, lang)}
        </div>
      </div>
      <div class="stats">${stats}</div>
    </div>
  </div>
  <section id="plans">
    <div class="wrap">
      <h2>${escapeHtml(copy.plansTitle)}</h2>
      <p class="lead">${escapeHtml(copy.plansLead)}</p>
      <div class="plans">
${plans}
      </div>
    </div>
  </section>
  <section id="faq">
    <div class="wrap faq">
      <h2>${escapeHtml(copy.faqTitle)}</h2>
      <p class="lead">${escapeHtml(copy.faqLead)}</p>
${faq}
    </div>
  </section>
</main>
<footer>
  <div class="wrap">
    <span>© ${new Date().getFullYear()} ${company}</span>
    <span>${escapeHtml(copy.footer)}</span>
  </div>
</footer>
<script type="application/json" data-leadbot-config>${widgetConfigJson(tenant)}</script>
<script src="/widget.js" data-tenant="${escapeHtml(tenant.id)}" data-lang="${lang}" defer></script>
</body>
</html>
`;
}
