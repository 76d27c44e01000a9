import { campaignLinks } from '../config/campaigns.ts';
import type { CatalogItem, TenantConfig } from '../config/tenant.ts';
import { landingCss } from './landing-styles.ts';

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

/** What every section of one rendering of the page needs. */
interface PageContext {
  tenant: TenantConfig;
  lang: LandingLanguage;
  copy: (typeof COPY)[LandingLanguage];
  /** The company name, HTML-escaped. */
  company: string;
  /** This page in language `code`; links keep the tenant, so a non-default tenant's page does not jump to the demo one. */
  home: (code: LandingLanguage) => string;
}

function renderHead(page: PageContext): string {
  const { tenant, lang, copy, company } = page;
  const accent = /^#[0-9a-fA-F]{6}$/.test(tenant.accentColor) ? tenant.accentColor : '#0f766e';
  return `<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${company} · ${escapeHtml(copy.htmlTitle)}</title>
<meta name="description" content="${escapeHtml(tenant.tagline[lang])}">
<style>
${landingCss(accent)}</style>
</head>`;
}

/** The sticky header: logo, section links and the ES / EN switch. */
function renderTopBar(page: PageContext): string {
  const { lang, copy, company, home } = page;
  const langLink = (code: LandingLanguage, label: string): string =>
    code === lang
      ? `<a href="${home(code)}" aria-current="true">${label}</a>`
      : `<a href="${home(code)}" hreflang="${code}" lang="${code}">${label}</a>`;
  return `<header class="top">
  <div class="wrap">
    <a class="logo" href="${home(lang)}"><span class="logo-mark" aria-hidden="true"><svg viewBox="0 0 24 24" fill="none" stroke="#fff" stroke-width="2.4" stroke-linecap="round" stroke-linejoin="round"><circle cx="6" cy="18" r="2.5"/><circle cx="18" cy="6" r="2.5"/><path d="M8.5 18H15a3 3 0 0 0 0-6H9a3 3 0 0 1 0-6h6.5"/></svg></span>${company}</a>
    <nav class="links" aria-label="${company}">
      <a href="#plans">${escapeHtml(copy.navPlans)}</a>
      <a href="#faq">${escapeHtml(copy.navFaq)}</a>
    </nav>
    <nav class="lang" aria-label="${escapeHtml(copy.languageLabel)}">${langLink('es', 'ES')}${langLink('en', 'EN')}</nav>
  </div>
</header>`;
}

/** Headline, tagline, the chat / plans / messenger buttons and the stats cards. */
function renderHero(page: PageContext): string {
  const { tenant, lang, copy, company } = page;
  const stats = copy.stats
    .map(
      ([value, label]) => `<div><strong>${escapeHtml(value)}</strong><span>${escapeHtml(label)}</span></div>`,
    )
    .join('');
  return `  <div class="hero">
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
  </div>`;
}

/** The catalog as plan cards; the middle paid plan is highlighted, the way pricing pages usually steer choice. */
function renderPlansSection(page: PageContext): string {
  const { tenant, lang, copy } = page;
  const paid = tenant.catalog.filter((c) => c.price !== null);
  const featuredId = paid[Math.floor((paid.length - 1) / 2)]?.id;
  const plans = tenant.catalog.map((item) => renderPlan(item, lang, item.id === featuredId, copy)).join('\n');
  return `  <section id="plans">
    <div class="wrap">
      <h2>${escapeHtml(copy.plansTitle)}</h2>
      <p class="lead">${escapeHtml(copy.plansLead)}</p>
      <div class="plans">
${plans}
      </div>
    </div>
  </section>`;
}

/** One collapsible question per knowledge page in the page's language. */
function renderFaqSection(page: PageContext): string {
  const { tenant, lang, copy } = page;
  const faq = tenant.knowledge
    .filter((k) => k.language === lang)
    .map(
      (k) => `<details class="faq-item">
  <summary>${escapeHtml(k.title)}</summary>
  <p>${escapeHtml(excerpt(k.body))}</p>
</details>`,
    )
    .join('\n');
  return `  <section id="faq">
    <div class="wrap faq">
      <h2>${escapeHtml(copy.faqTitle)}</h2>
      <p class="lead">${escapeHtml(copy.faqLead)}</p>
${faq}
    </div>
  </section>`;
}

function renderFooter(page: PageContext): string {
  return `<footer>
  <div class="wrap">
    <span>© ${new Date().getFullYear()} ${page.company}</span>
    <span>${escapeHtml(page.copy.footer)}</span>
  </div>
</footer>`;
}

/** The widget's display config and the embed tag itself. */
function renderWidgetEmbed(page: PageContext): string {
  const { tenant, lang } = page;
  return `<script type="application/json" data-leadbot-config>${widgetConfigJson(tenant)}</script>
<script src="/widget.js" data-tenant="${escapeHtml(tenant.id)}" data-lang="${lang}" defer></script>`;
}

/**
 * Renders the tenant's public demo page: hero, catalog as plan cards, an FAQ built from the
 * knowledge pages, and the embedded web-chat widget (`/widget.js`). Self-contained (inline CSS,
 * no external fonts or CDNs); every tenant value is HTML-escaped.
 */
export function renderLandingPage(tenant: TenantConfig, opts: LandingOptions): string {
  const lang = opts.language;
  const page: PageContext = {
    tenant,
    lang,
    copy: COPY[lang],
    company: escapeHtml(tenant.companyName),
    home: (code) => `/?tenant=${encodeURIComponent(tenant.id)}&amp;lang=${code}`,
  };
  return `<!doctype html>
<html lang="${lang}">
${renderHead(page)}
<body>
${renderTopBar(page)}
<main>
${renderHero(page)}
${renderPlansSection(page)}
${renderFaqSection(page)}
</main>
${renderFooter(page)}
${renderWidgetEmbed(page)}
</body>
</html>
`;
}
