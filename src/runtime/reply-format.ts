import type { LeadField, TurnBrief } from '../protocol/index.ts';

const CAPTURE_INTENTS = new Set<TurnBrief['intent']>([
  'ask_need',
  'ask_fields',
  'reask_email',
  'reassure_field',
  'nudge',
]);

const FIELD_QUESTIONS: Record<'es' | 'en', Record<LeadField, string>> = {
  es: {
    name: '¿Me podría decir su nombre?',
    email: '¿A qué correo electrónico le podemos escribir?',
    phone: '¿Tiene un teléfono de contacto?',
    company: '¿De qué empresa nos escribe?',
    problem: '¿En qué le podemos ayudar?',
  },
  en: {
    name: 'May I have your name?',
    email: 'What email address can we reach you at?',
    phone: 'Do you have a contact phone number?',
    company: 'Which company are you writing from?',
    problem: 'How can we help you?',
  },
};

const CONFIRMS = new Set<TurnBrief['intent']>(['confirm_lead', 'confirm_ticket', 'confirm_human_handoff']);

/**
 * A few strategic emojis, on the channels that show them (`model.emojiChannels`): ✅ on a registered
 * case, ⚠️ when it is urgent support, 📩 in front of the question that asks for the email. At most one per
 * reply, never when the text already carries one.
 */
export function decorateReply(
  text: string,
  brief: Pick<TurnBrief, 'intent' | 'ask' | 'urgency' | 'channel'>,
  emojiChannels: readonly string[],
): string {
  if (brief.channel === undefined || !emojiChannels.includes(brief.channel)) return text;
  if (/\p{Extended_Pictographic}/u.test(text)) return text;
  if (CONFIRMS.has(brief.intent)) return `${brief.urgency === 'Alto' ? '⚠️' : '✅'} ${text}`;
  if (CAPTURE_INTENTS.has(brief.intent) && brief.ask.includes('email')) {
    // In front of the closing question, so the reply still ends with it.
    const at = Math.max(text.lastIndexOf('¿'), text.lastIndexOf('\n') + 1, text.search(/[^.!?]*\?\s*$/u));
    if (/\?\s*$/u.test(text) && at >= 0) {
      const head = text.slice(0, at);
      const lead = head === '' || head.endsWith('\n') ? head : `${head.trimEnd()} `;
      return `${lead}📩 ${text.slice(at).trimStart()}`;
    }
  }
  return text;
}

/** Longest reply we send, in characters (two short paragraphs). */
export const MAX_REPLY_CHARS = 700;

/**
 * Applies the reply rules of DESIGN.md to any model's text: plain text with at most `*bold*`, at most
 * two short paragraphs, and, while capturing, a closing question (a call to action).
 */
export function enforceReplyFormat(
  raw: string,
  brief: Pick<TurnBrief, 'intent' | 'ask' | 'language'>,
): string {
  let text = raw
    .replace(/\r\n?/g, '\n')
    .replace(/```[\s\S]*?```/g, ' ')
    .replace(/^\s{0,3}#{1,6}\s+/gm, '')
    .replace(/^\s*\|.*\|\s*$/gm, '')
    .replace(/\*\*(.+?)\*\*/g, '*$1*')
    .replace(/__(.+?)__/g, '$1')
    .replace(/\[([^\]]+)\]\((https?:[^)\s]+)\)/g, '$1 ($2)')
    .replace(/^\s*[-*+]\s+/gm, '• ')
    // Source tags belong in the console and the logs, not in a chat bubble.
    .replace(/\s*\((?:fuentes?|sources?):[^()\n]{0,200}\)/giu, '')
    .replace(/(?:^|\s)(?:Fuentes?|Sources?): [^.\n?]{1,120}\.(?=\s|$)/gu, '')
    .replace(/[ \t]+/g, ' ')
    .trim();
  const paragraphs = text
    .split(/\n\s*\n/)
    .map((p) => p.trim())
    .filter(Boolean);
  text =
    paragraphs.length > 2 ? `${paragraphs[0]}\n\n${paragraphs.slice(1).join(' ')}` : paragraphs.join('\n\n');
  if (text.length > MAX_REPLY_CHARS) text = cut(text, MAX_REPLY_CHARS);
  if (CAPTURE_INTENTS.has(brief.intent) && !/\?\s*$/.test(text)) {
    const field = brief.ask[0] ?? 'problem';
    text = `${text}${text ? ' ' : ''}${FIELD_QUESTIONS[brief.language][field]}`;
  }
  return text || FIELD_QUESTIONS[brief.language].problem;
}

function cut(text: string, max: number): string {
  const slice = text.slice(0, max);
  const end = Math.max(
    slice.lastIndexOf('. '),
    slice.lastIndexOf('? '),
    slice.lastIndexOf('! '),
    slice.lastIndexOf('\n'),
  );
  return (end > max / 2 ? slice.slice(0, end + 1) : slice.replace(/\s+\S*$/, '') + '…').trim();
}
