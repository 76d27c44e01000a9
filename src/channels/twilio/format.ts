import { splitMessage } from '../split.ts';

/** Twilio's limit for one WhatsApp message body, in characters. */
export const TWILIO_BODY_LIMIT = 1600;

/** Shown (in both languages: the person's language is not known yet) when a message has no text. */
export const TEXT_ONLY_REPLY =
  'Por ahora solo puedo leer mensajes de texto. ¿Me lo escribes, por favor?\n\n' +
  'For now I can only read text messages. Could you type it, please?';

/** Shown when a message is longer than leadbot accepts. */
export const TOO_LONG_REPLY =
  'Tu mensaje es demasiado largo para mí. ¿Me lo envías en partes más cortas?\n\n' +
  'Your message is too long for me. Could you send it in shorter parts?';

/**
 * A reply as WhatsApp shows it: `*bold*` stays, Markdown WhatsApp does not render is reduced to plain
 * text (`**x**` → `*x*`, headings, `[text](url)` → `text: url`), then split into bodies Twilio accepts.
 */
export function formatForWhatsApp(text: string): string[] {
  const plain = text
    .replace(/\r\n?/g, '\n')
    .replace(/\*\*(?=\S)([^*\n]+?)\*\*/g, '*$1*')
    .replace(/__(?=\S)([^_\n]+?)__/g, '_$1_')
    .replace(/^#{1,6}[ \t]+/gm, '')
    .replace(/\[([^\]\n]+)\]\((https?:\/\/[^\s)]+)\)/g, '$1: $2');
  return splitMessage(plain, TWILIO_BODY_LIMIT);
}

/** Text content escaped for XML 1.0; characters XML cannot hold are dropped. */
export function escapeXml(text: string): string {
  return (
    text
      // eslint-disable-next-line no-control-regex -- control characters are what XML 1.0 forbids
      .replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/g, '')
      .replace(/&/g, '&amp;')
      .replace(/</g, '&lt;')
      .replace(/>/g, '&gt;')
      .replace(/\r/g, '&#xD;')
  );
}

/** A TwiML `<Response>` with one `<Message>` per body (an empty `<Response/>` when there is none). */
export function twiml(bodies: readonly string[]): string {
  const head = '<?xml version="1.0" encoding="UTF-8"?>';
  if (bodies.length === 0) return `${head}<Response/>`;
  return `${head}<Response>${bodies.map((b) => `<Message>${escapeXml(b)}</Message>`).join('')}</Response>`;
}
