import { splitMessage } from '../split.ts';

/** WhatsApp's limit for a text message body, in characters. */
export const WHATSAPP_MAX_TEXT = 4096;

/**
 * Turns a reply into what WhatsApp shows well. WhatsApp's own markup is `*bold*`, `_italic_`,
 * `~strike~`; the reply's `*bold*` is kept as it is. Markdown WhatsApp would show literally is
 * rewritten: `**bold**` / `__bold__` → `*bold*`, `~~x~~` → `~x~`, `# Heading` → `*Heading*`,
 * `[label](url)` → `label (url)`, code fences dropped (their text kept), a few HTML tags
 * (`<b>`, `<br>`…) translated or dropped, runs of blank lines collapsed.
 */
export function formatForWhatsApp(text: string): string {
  return (
    text
      .replace(/\r\n?/g, '\n')
      .replace(/<br\s*\/?>/gi, '\n')
      .replace(/<(b|strong)>([\s\S]*?)<\/\1>/gi, '*$2*')
      .replace(/<(i|em)>([\s\S]*?)<\/\1>/gi, '_$2_')
      .replace(/<\/?(p|div|span|u|b|strong|i|em)\b[^>]*>/gi, '')
      .replace(/^[ \t]*```[^\n]*$/gm, '')
      .replace(/^[ \t]{0,3}#{1,6}[ \t]+(.+?)[ \t#]*$/gm, '*$1*')
      .replace(/\*\*\*?([^*\n]+?)\*?\*\*/g, '*$1*')
      .replace(/__([^_\n]+?)__/g, '*$1*')
      .replace(/~~([^~\n]+?)~~/g, '~$1~')
      .replace(/\[([^\]\n]+)\]\((https?:[^)\s]+)\)/g, '$1 ($2)')
      // A heading that was already bold would come out as **x**.
      .replace(/\*\*([^*\n]+?)\*\*/g, '*$1*')
      .replace(/[ \t]+$/gm, '')
      .replace(/\n{3,}/g, '\n\n')
      .trim()
  );
}

/** The formatted reply, in messages of at most {@link WHATSAPP_MAX_TEXT} characters. */
export function whatsAppMessages(text: string, max = WHATSAPP_MAX_TEXT): string[] {
  return splitMessage(formatForWhatsApp(text), max);
}
