/** The widget's stylesheet, scoped to its shadow root; one constant per part of the widget. */

/** The round launcher button and its unread badge. */
const LAUNCHER_CSS = `button { font: inherit; }
.launcher { width: 60px; height: 60px; border-radius: 50%; border: 0; cursor: pointer; color: #fff;
  background: var(--accent); box-shadow: 0 8px 24px rgba(15,23,42,.25); display: grid; place-items: center;
  transition: transform .18s ease, box-shadow .18s ease; position: relative; margin-left: auto; }
.launcher:hover { transform: scale(1.06); box-shadow: 0 10px 28px rgba(15,23,42,.3); }
.launcher:focus-visible, .icon-btn:focus-visible, .send:focus-visible { outline: 3px solid color-mix(in srgb, var(--accent) 45%, #fff); outline-offset: 2px; }
.launcher svg { width: 28px; height: 28px; }
.launcher .i-close { display: none; }
.root.open .launcher .i-chat { display: none; }
.root.open .launcher .i-close { display: block; }
.badge { position: absolute; top: -2px; right: -2px; min-width: 20px; height: 20px; padding: 0 6px; border-radius: 10px;
  background: #ef4444; color: #fff; font-size: 12px; font-weight: 700; line-height: 20px; text-align: center;
  border: 2px solid #fff; display: none; }
.badge.show { display: block; }
`;

/** The panel and its header: avatar, name, connection status, close button. */
const PANEL_CSS = `.panel { position: absolute; right: 0; bottom: 76px; width: 370px; height: min(600px, calc(100vh - 120px));
  background: #fff; border-radius: 18px; box-shadow: 0 18px 50px rgba(15,23,42,.28); display: flex;
  flex-direction: column; overflow: hidden; opacity: 0; transform: translateY(12px) scale(.98);
  transform-origin: bottom right; pointer-events: none; visibility: hidden;
  transition: opacity .18s ease, transform .18s ease, visibility 0s linear .18s; }
.root.open .panel { opacity: 1; transform: none; pointer-events: auto; visibility: visible;
  transition: opacity .18s ease, transform .18s ease; }
.header { background: var(--accent); color: #fff; padding: 14px 14px 14px 16px; display: flex; align-items: center; gap: 12px; }
.avatar { width: 38px; height: 38px; border-radius: 50%; background: rgba(255,255,255,.2); display: grid;
  place-items: center; font-weight: 700; font-size: 16px; flex: none; }
.who { flex: 1; min-width: 0; }
.name { font-weight: 700; font-size: 15px; white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }
.status { font-size: 12.5px; opacity: .92; display: flex; align-items: center; gap: 6px; }
.dot { width: 8px; height: 8px; border-radius: 50%; background: #fbbf24; box-shadow: 0 0 0 2px rgba(255,255,255,.35); }
.status[data-status="online"] .dot { background: #4ade80; }
.status[data-status="connecting"] .dot, .status[data-status="reconnecting"] .dot { animation: pulse 1.2s ease-in-out infinite; }
.status[data-status="offline"] .dot { background: #f87171; }
.icon-btn { width: 34px; height: 34px; border: 0; border-radius: 50%; background: transparent; color: #fff; cursor: pointer;
  display: grid; place-items: center; flex: none; }
.icon-btn:hover { background: rgba(255,255,255,.18); }
.icon-btn svg { width: 20px; height: 20px; }
`;

/** The conversation log: bubbles by role, and the typing indicator. */
const LOG_CSS = `.log { flex: 1; overflow-y: auto; padding: 16px 14px 8px; background: #f8fafc; display: flex; flex-direction: column;
  gap: 8px; overscroll-behavior: contain; }
.msg { max-width: 84%; padding: 9px 13px; border-radius: 16px; white-space: pre-wrap; overflow-wrap: anywhere;
  word-break: break-word; animation: rise .16s ease-out; }
.msg.bot { align-self: flex-start; background: #fff; border: 1px solid #e2e8f0; border-bottom-left-radius: 5px; }
.msg.agent { align-self: flex-start; background: #fff; border: 1px solid var(--lb-accent, #0f766e); border-bottom-left-radius: 5px; }
.msg.agent .who { display: block; font-size: 11px; font-weight: 600; opacity: .75; margin-bottom: 2px; }
.msg.notice { align-self: center; max-width: 92%; background: #f1f5f9; color: #334155; font-size: 12px; border-radius: 10px; }
.msg.user { align-self: flex-end; background: var(--accent); color: #fff; border-bottom-right-radius: 5px; }
.msg.user.pending { opacity: .6; }
.msg.system { align-self: center; max-width: 92%; background: #fef2f2; color: #991b1b; border: 1px solid #fecaca;
  font-size: 12.5px; padding: 5px 11px; border-radius: 10px; text-align: center; }
.msg strong { font-weight: 700; }
.typing { align-self: flex-start; display: none; align-items: center; gap: 8px; color: #64748b; font-size: 12.5px; padding: 2px 4px; }
.typing.show { display: flex; }
.dots { display: inline-flex; gap: 4px; background: #fff; border: 1px solid #e2e8f0; border-radius: 14px; padding: 9px 12px; }
.dots i { width: 6px; height: 6px; border-radius: 50%; background: #94a3b8; animation: blink 1.2s infinite ease-in-out; }
.dots i:nth-child(2) { animation-delay: .15s; }
.dots i:nth-child(3) { animation-delay: .3s; }
`;

/** The composer (textarea, send button) and the footer. */
const COMPOSER_CSS = `.composer { display: flex; align-items: flex-end; gap: 8px; padding: 10px 10px 10px 14px; border-top: 1px solid #e2e8f0; background: #fff; }
textarea { flex: 1; resize: none; border: 1px solid #cbd5e1; border-radius: 12px; padding: 9px 12px; font: inherit;
  color: inherit; max-height: 120px; min-height: 40px; line-height: 1.4; outline: none; background: #fff; }
textarea:focus { border-color: var(--accent); box-shadow: 0 0 0 3px color-mix(in srgb, var(--accent) 18%, transparent); }
.send { width: 40px; height: 40px; border-radius: 50%; border: 0; background: var(--accent); color: #fff; cursor: pointer;
  display: grid; place-items: center; flex: none; transition: opacity .15s; }
.send:disabled { opacity: .4; cursor: default; }
.send svg { width: 18px; height: 18px; }
.foot { text-align: center; font-size: 11px; color: #64748b; padding: 0 0 8px; background: #fff; }
.sr { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }
`;

/** Animations, the small-screen layout and reduced motion. */
const MOTION_CSS = `@keyframes pulse { 50% { opacity: .35; } }
@keyframes blink { 0%, 80%, 100% { opacity: .3; transform: translateY(0); } 40% { opacity: 1; transform: translateY(-2px); } }
@keyframes rise { from { opacity: 0; transform: translateY(4px); } }
@media (max-width: 480px) {
  .root { right: 12px; bottom: 12px; }
  .root.open .launcher { display: none; }
  .panel { position: fixed; inset: 0; width: auto; height: auto; border-radius: 0; }
}
@media (prefers-reduced-motion: reduce) { *, *::before { animation: none !important; transition: none !important; } }
`;

/** CSS for the shadow root, with the tenant's accent colour (already validated as #rrggbb). */
export function widgetCss(accent) {
  return `
:host { all: initial; }
* { box-sizing: border-box; }
.root { --accent: ${accent}; position: fixed; right: 20px; bottom: 20px; z-index: 2147483000;
  font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; color: #0f172a; }
${LAUNCHER_CSS}${PANEL_CSS}${LOG_CSS}${COMPOSER_CSS}${MOTION_CSS}`;
}
