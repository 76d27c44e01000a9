/**
 * Pure formatting of a "this conversation needs a person" alert for the team: a Slack Block Kit
 * message and a Teams Adaptive Card (Workflows webhook envelope). Everything the prospect or the
 * model wrote is escaped so it can never mention @channel, create a link or break the layout.
 */

/** Why the conversation needs a person now. */
export type AlertReason = 'critical_support' | 'asked_for_human' | 'hot_lead' | 'escalation' | 'overdue';

/** Language of the team-facing text. */
export type AlertLanguage = 'es' | 'en';

/** Everything an alert shows; optional fields show "—" when missing. */
export interface HandoffAlert {
  conversationId: string;
  tenantId: string;
  /** The tenant's company (who the bot answers for). */
  companyName: string;
  /** Channel the prospect writes on (`web`, `whatsapp`, `telegram`…). */
  channel: string;
  name?: string;
  /** The prospect's company. */
  company?: string;
  email?: string;
  phone?: string;
  urgency: 'Alto' | 'Medio' | 'Bajo';
  qualification: 'hot_lead' | 'support' | 'spam';
  interestArea?: string;
  /** Two or three lines stating the problem or need. */
  problem?: string;
  /** Lead reference given to the prospect. */
  reference?: string;
  waitingSeconds: number;
  /** Link to the conversation in the console (http or https only; anything else is dropped). */
  consoleUrl?: string;
  reason: AlertReason;
  /** 1: first alert; 2: escalation because nobody took the case. */
  level: 1 | 2;
  /** Language of the team-facing text: the tenant's default language, not the prospect's. */
  language: AlertLanguage;
}

/** What `chat.postMessage` and incoming webhooks take. */
export interface SlackMessage {
  /** Plain fallback summary, used by notifications. */
  text: string;
  blocks: unknown[];
}

/** An Adaptive Card 1.4. */
export interface AdaptiveCard {
  $schema: 'http://adaptivecards.io/schemas/adaptive-card.json';
  type: 'AdaptiveCard';
  version: '1.4';
  body: unknown[];
  actions?: unknown[];
}

/** The envelope a Teams Workflows ("Post card to a channel") webhook takes. */
export interface TeamsMessage {
  type: 'message';
  attachments: [
    { contentType: 'application/vnd.microsoft.card.adaptive'; contentUrl: null; content: AdaptiveCard },
  ];
}

/** A label in both languages. */
type Pair = readonly [es: string, en: string];

function say(pair: Pair, language: AlertLanguage): string {
  return language === 'es' ? pair[0] : pair[1];
}

/** Each reason's emoji and words. */
const REASONS: Record<AlertReason, readonly [emoji: string, words: Pair]> = {
  critical_support: ['🚨', ['Soporte crítico', 'Critical support']],
  asked_for_human: ['🙋', ['Pide hablar con una persona', 'Asked for a human']],
  hot_lead: ['🔥', ['Lead caliente', 'Hot lead']],
  escalation: ['⚠️', ['Escalado por el asistente', 'Escalated by the assistant']],
  overdue: ['⏰', ['Sin respuesta a tiempo', 'Not answered in time']],
};
type Urgency = HandoffAlert['urgency'];
const URGENCY: Record<Urgency, Pair> = {
  Alto: ['Alto', 'High'],
  Medio: ['Medio', 'Medium'],
  Bajo: ['Bajo', 'Low'],
};
const QUALIFICATION: Record<HandoffAlert['qualification'], Pair> = {
  hot_lead: ['Lead caliente', 'Hot lead'],
  support: ['Soporte', 'Support'],
  spam: ['Spam', 'Spam'],
};
/** Every other team-facing word. */
const T = {
  needsPerson: ['necesita una persona', 'needs a person'],
  escalated: ['Escalado: nadie ha tomado el caso', 'Escalated: nobody has taken the case'],
  name: ['Nombre', 'Name'],
  company: ['Empresa', 'Company'],
  contact: ['Contacto', 'Contact'],
  channel: ['Canal', 'Channel'],
  urgency: ['Urgencia', 'Urgency'],
  qualification: ['Calificación', 'Qualification'],
  interest: ['Interés', 'Interest'],
  reference: ['Referencia', 'Reference'],
  waiting: ['Esperando', 'Waiting'],
  problem: ['Problema', 'Problem'],
  conversation: ['Conversación', 'Conversation'],
  openConsole: ['Abrir en la consola', 'Open in console'],
  takeOver: ['Tomar el caso', 'Take over'],
  giveBack: ['Devolver al bot', 'Give back'],
  handledBy: ['Atendido por', 'Handled by'],
} as const satisfies Record<string, Pair>;
/** Units of waiting time (the same abbreviations read well in both languages). */
const UNITS: Record<AlertLanguage, { s: string; min: string; h: string; d: string }> = {
  es: { s: 's', min: 'min', h: 'h', d: 'd' },
  en: { s: 's', min: 'min', h: 'h', d: 'd' },
};

const URGENCY_EMOJI: Record<Urgency, string> = { Alto: '🔴', Medio: '🟠', Bajo: '🟢' };
const CHANNEL_NAMES: Record<string, string> = {
  web: 'Web',
  whatsapp: 'WhatsApp',
  twilio: 'WhatsApp (Twilio)',
  telegram: 'Telegram',
  rest: 'API',
  cli: 'CLI',
};

const EMPTY = '—';
/** Slack: header plain_text ≤ 150, section text ≤ 3000, field text ≤ 2000, ≤ 10 fields. */
const MAX = { header: 150, section: 3000, field: 2000, fields: 10, problem: 600, value: 200, line: 3000 };

/** "45 s", "3 min", "2 h 5 min", "1 d 2 h" (negative or non-finite counts as 0). */
export function waitingLabel(seconds: number, language: AlertLanguage): string {
  const u = UNITS[language];
  const total = Number.isFinite(seconds) ? Math.max(0, Math.floor(seconds)) : 0;
  if (total < 60) return `${total} ${u.s}`;
  if (total < 3600) return `${Math.floor(total / 60)} ${u.min}`;
  if (total < 86_400) {
    const minutes = Math.floor((total % 3600) / 60);
    return `${Math.floor(total / 3600)} ${u.h}${minutes ? ` ${minutes} ${u.min}` : ''}`;
  }
  const hours = Math.floor((total % 86_400) / 3600);
  return `${Math.floor(total / 86_400)} ${u.d}${hours ? ` ${hours} ${u.h}` : ''}`;
}

/** Cuts to at most `max` UTF-16 units with "…", never splitting a surrogate pair. */
function clip(text: string, max: number): string {
  if (text.length <= max) return text;
  let out = '';
  for (const char of text) {
    if (out.length + char.length > max - 1) break;
    out += char;
  }
  return `${out.trimEnd()}…`;
}

/** One line: runs of whitespace (newlines included) become one space. */
function oneLine(text: string | undefined): string {
  return (text ?? '').replace(/\s+/g, ' ').trim();
}

/** Literal @channel/@here/@everyone get a word joiner so no client turns them into mentions. */
function defuseMentions(text: string): string {
  return text.replace(/@(channel|here|everyone)\b/gi, '@\u2060$1');
}

/** Slack's documented mrkdwn escaping (`&`, `<`, `>`), which also defuses `<!channel>` and `<url|x>`. */
function escapeMrkdwn(text: string): string {
  return defuseMentions(text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;'));
}

/** Escaped text cut to `max` without leaving half an entity (`&am`) behind. */
function limitEscaped(text: string, max: number): string {
  if (text.length <= max) return text;
  const cut = clip(text, max)
    .slice(0, -1)
    .replace(/&[a-z]*$/, '');
  return `${cut}…`;
}

/** A user value for Slack: one line, clipped, escaped; "—" when empty. */
function slackValue(text: string | undefined, max = MAX.value): string {
  const line = oneLine(text);
  return line ? escapeMrkdwn(clip(line, max)) : EMPTY;
}

/** Only http(s) URLs are linked; anything else (javascript:, garbage) is dropped. */
function safeUrl(url: string | undefined): string | undefined {
  const parsed = url && URL.canParse(url) ? new URL(url) : undefined;
  return parsed && /^https?:$/.test(parsed.protocol) ? parsed.href : undefined;
}

/** The problem statement: at most three non-empty lines, clipped to ~600 characters. */
function problemText(problem: string | undefined): string {
  const lines = (problem ?? '')
    .split(/\r?\n/)
    .map((line) => oneLine(line))
    .filter(Boolean)
    .slice(0, 3);
  return clip(lines.join('\n'), MAX.problem);
}

function contactText(alert: HandoffAlert): string {
  return [oneLine(alert.email), oneLine(alert.phone)].filter(Boolean).join(' · ');
}

function channelName(channel: string): string {
  return CHANNEL_NAMES[channel.toLowerCase()] ?? channel;
}

/** The title without the person's name, e.g. "🚨 Soporte crítico — necesita una persona". */
function titleText(alert: HandoffAlert): string {
  const l = alert.language;
  const [emoji, words] = REASONS[alert.reason];
  const reason = say(words, l);
  return alert.level === 2
    ? `${emoji} ${say(T.escalated, l)} — ${reason}`
    : `${emoji} ${reason} — ${say(T.needsPerson, l)}`;
}

/** Facts shared by Slack and Teams, unescaped: [label, value or ""]. */
function facts(alert: HandoffAlert): [string, string][] {
  const l = alert.language;
  const rows: [Pair, string][] = [
    [T.name, oneLine(alert.name)],
    [T.company, oneLine(alert.company)],
    [T.contact, contactText(alert)],
    [T.channel, channelName(oneLine(alert.channel))],
    [T.urgency, `${URGENCY_EMOJI[alert.urgency]} ${say(URGENCY[alert.urgency], l)}`],
    [T.qualification, say(QUALIFICATION[alert.qualification], l)],
    [T.interest, oneLine(alert.interestArea)],
    [T.reference, oneLine(alert.reference)],
    [T.waiting, waitingLabel(alert.waitingSeconds, l)],
  ];
  return rows.map(([label, value]) => [say(label, l), value]);
}

function mrkdwn(text: string): { type: 'mrkdwn'; text: string; verbatim: true } {
  // verbatim: Slack must not auto-link URLs or channel names inside user text.
  return { type: 'mrkdwn', text, verbatim: true };
}

function slackHeader(alert: HandoffAlert): unknown {
  // plain_text is not escaped; look-alike brackets keep `<!channel>` inert however Slack reads it.
  const name = oneLine(alert.name).replace(/</g, '‹').replace(/>/g, '›');
  const text = defuseMentions(name ? `${titleText(alert)} · ${name}` : titleText(alert));
  return { type: 'header', text: { type: 'plain_text', text: clip(text, MAX.header), emoji: true } };
}

function slackFields(alert: HandoffAlert): unknown {
  const fields = facts(alert)
    .slice(0, MAX.fields)
    .map(([label, value]) => mrkdwn(limitEscaped(`*${label}*\n${slackValue(value)}`, MAX.field)));
  return { type: 'section', fields };
}

function slackProblem(alert: HandoffAlert): unknown {
  const problem = problemText(alert.problem);
  const body = problem ? escapeMrkdwn(problem) : EMPTY;
  const label = say(T.problem, alert.language);
  return { type: 'section', text: mrkdwn(limitEscaped(`*${label}*\n${body}`, MAX.section)) };
}

/** `<url|label>` with the URL escaped the way Slack expects (and `|` percent-encoded). */
function slackLink(url: string, label: string): string {
  return `<${escapeMrkdwn(url.replace(/\|/g, '%7C'))}|${label}>`;
}

function slackContext(alert: HandoffAlert, owner: string | null | undefined): unknown {
  const l = alert.language;
  const where = `${slackValue(alert.companyName)} · ${say(T.conversation, l)} \`${slackValue(alert.conversationId)}\``;
  const elements = [mrkdwn(where)];
  const url = safeUrl(alert.consoleUrl);
  if (url) elements.unshift(mrkdwn(`🔗 ${slackLink(url, say(T.openConsole, l))}`));
  if (owner) elements.push(mrkdwn(`👤 ${say(T.handledBy, l)} ${slackValue(owner)}`));
  return { type: 'context', elements };
}

function slackActions(alert: HandoffAlert): unknown {
  const l = alert.language;
  const button = (action_id: string, text: string): Record<string, unknown> => ({
    type: 'button',
    action_id,
    text: { type: 'plain_text', text, emoji: true },
    value: alert.conversationId,
  });
  return {
    type: 'actions',
    block_id: 'leadbot_handoff',
    elements: [
      { ...button('leadbot_takeover', say(T.takeOver, l)), style: 'primary' },
      button('leadbot_release', say(T.giveBack, l)),
    ],
  };
}

/** The notification fallback: Slack parses it as mrkdwn too, so user text is escaped. */
function slackFallback(alert: HandoffAlert): string {
  const l = alert.language;
  const parts = [
    slackValue(alert.name),
    slackValue(alert.company),
    `${say(T.urgency, l)}: ${say(URGENCY[alert.urgency], l)}`,
    `${say(T.waiting, l)}: ${waitingLabel(alert.waitingSeconds, l)}`,
  ];
  return limitEscaped(`${titleText(alert)}: ${parts.join(' · ')}`, MAX.section);
}

/**
 * The alert as a Slack Block Kit message. `buttons` adds "take over" / "give back" buttons
 * (`leadbot_takeover` / `leadbot_release`, value = conversation id; they need the Slack app, not a
 * webhook); `owner` adds "Handled by <owner>" once someone took the case.
 */
export function slackMessage(
  alert: HandoffAlert,
  options: { buttons?: boolean; owner?: string | null } = {},
): SlackMessage {
  const blocks = [slackHeader(alert), slackFields(alert), slackProblem(alert)];
  blocks.push(slackContext(alert, options.owner));
  if (options.buttons) blocks.push(slackActions(alert));
  return { text: slackFallback(alert), blocks };
}

type Speaker = 'prospect' | 'operator' | 'bot';
const THREAD_EMOJI: Record<Speaker, string> = { prospect: '👤', operator: '🧑‍💼', bot: '🤖' };

/** One escaped mrkdwn line for the alert's Slack thread, e.g. "👤 *Carlos*: hola". */
export function slackThreadLine(from: Speaker, text: string, name?: string): string {
  // The name goes inside *bold*: drop formatting characters that would end it early.
  const who = oneLine(name).replace(/[*_~`]/g, '');
  const body = escapeMrkdwn(clip(oneLine(text), MAX.line)) || EMPTY;
  const line = who
    ? `${THREAD_EMOJI[from]} *${escapeMrkdwn(clip(who, 80))}*: ${body}`
    : `${THREAD_EMOJI[from]} ${body}`;
  return limitEscaped(line, MAX.line);
}

/** Adaptive Card markdown: backslash-escape what could make links, emphasis or lists. */
function escapeCardMarkdown(text: string): string {
  return defuseMentions(text.replace(/[\\`*_~[\]()<>#|]/g, '\\$&'));
}

function cardValue(text: string): string {
  return text ? escapeCardMarkdown(clip(text, MAX.value)) : EMPTY;
}

function cardBody(alert: HandoffAlert): unknown[] {
  const l = alert.language;
  const name = oneLine(alert.name);
  const title = clip(name ? `${titleText(alert)} · ${name}` : titleText(alert), MAX.header);
  const problem = problemText(alert.problem);
  return [
    {
      type: 'TextBlock',
      text: escapeCardMarkdown(title),
      weight: 'Bolder',
      size: 'Medium',
      wrap: true,
      ...(alert.urgency === 'Alto' ? { color: 'Attention' } : {}),
    },
    { type: 'FactSet', facts: facts(alert).map(([title, value]) => ({ title, value: cardValue(value) })) },
    {
      type: 'TextBlock',
      text: `**${say(T.problem, l)}:** ${problem ? escapeCardMarkdown(problem) : EMPTY}`,
      wrap: true,
    },
    {
      type: 'TextBlock',
      text: `${cardValue(oneLine(alert.companyName))} · ${say(T.conversation, l)} ${cardValue(oneLine(alert.conversationId))}`,
      isSubtle: true,
      size: 'Small',
      wrap: true,
    },
  ];
}

/** The alert as an Adaptive Card 1.4 in the envelope Teams Workflows webhooks take. */
export function teamsMessage(alert: HandoffAlert): TeamsMessage {
  const url = safeUrl(alert.consoleUrl);
  const content: AdaptiveCard = {
    $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
    type: 'AdaptiveCard',
    version: '1.4',
    body: cardBody(alert),
    ...(url ? { actions: [{ type: 'Action.OpenUrl', title: say(T.openConsole, alert.language), url }] } : {}),
  };
  return {
    type: 'message',
    attachments: [{ contentType: 'application/vnd.microsoft.card.adaptive', contentUrl: null, content }],
  };
}
