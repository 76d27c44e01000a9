/** The demo landing page's stylesheet (inline in the page: no external CSS, fonts or CDNs). */

/** Reset, page frame, the sticky header with its logo, links and language switch. */
const FRAME_CSS = `* { box-sizing: border-box; }
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
`;

/** The hero: kicker, headline, tagline, call-to-action buttons and the stats cards. */
const HERO_CSS = `.hero { background: radial-gradient(1200px 500px at 80% -10%, color-mix(in srgb, var(--accent) 22%, transparent), transparent),
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
`;

/** Plan cards: price, feature list, the featured plan and its badge. */
const PLANS_CSS = `.plans { display: grid; grid-template-columns: repeat(auto-fit, minmax(230px, 1fr)); gap: 20px; align-items: stretch; }
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
`;

/** FAQ accordion and the footer. */
const FAQ_CSS = `.faq { max-width: 760px; }
.faq-item { background: #fff; border: 1px solid var(--line); border-radius: 12px; padding: 0 20px; margin-bottom: 12px; }
.faq-item summary { cursor: pointer; padding: 16px 0; font-weight: 650; list-style: none; display: flex; justify-content: space-between; }
.faq-item summary::-webkit-details-marker { display: none; }
.faq-item summary::after { content: "+"; color: var(--accent); font-size: 1.3rem; line-height: 1; }
.faq-item[open] summary::after { content: "–"; }
.faq-item p { margin: 0 0 16px; color: var(--muted); }
footer { border-top: 1px solid var(--line); padding: 28px 0 100px; color: var(--muted); font-size: .9rem; }
footer .wrap { display: flex; justify-content: space-between; gap: 16px; flex-wrap: wrap; }
`;

/** Small screens and reduced motion. */
const RESPONSIVE_CSS = `@media (max-width: 820px) {
  .hero { padding: 56px 0 48px; }
  .hero .wrap { grid-template-columns: 1fr; gap: 32px; }
  nav.links { display: none; }
  .lang { margin-left: auto; }
  section { padding: 52px 0; }
}
@media (prefers-reduced-motion: reduce) { html { scroll-behavior: auto; } .btn { transition: none; } }
`;

/** The page CSS with the tenant's accent colour (already validated as #rrggbb). */
export function landingCss(accent: string): string {
  return `:root { --accent: ${accent}; --ink: #0f172a; --muted: #475569; --line: #e2e8f0; --bg: #f8fafc; }
${FRAME_CSS}${HERO_CSS}${PLANS_CSS}${FAQ_CSS}${RESPONSIVE_CSS}`;
}
