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
