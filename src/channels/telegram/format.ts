import { splitMessage } from '../split.ts';

/** Telegram's limit for one message's text (counted here on the escaped MarkdownV2 text). */
export const TELEGRAM_MAX_CHARS = 4096;

/** Every character MarkdownV2 reserves outside code spans (backslash included); each needs a `\`. */
const RESERVED = /[_*[\]()~`>#+\-=|{}.!\\]/g;

/**
 * A reply's `*bold*` span: the stars hug non-space text on one line and are not glued to a letter,
 * digit or another star outside (so `2*3*4`, `**x**` and a lone `*` stay literal).
 */
const BOLD = /(?<![\p{L}\p{N}*])\*(?=[^\s*])([^*\n]*?[^\s*])\*(?![\p{L}\p{N}*])/gu;

/** Escapes every MarkdownV2 reserved character: the result renders as exactly `text`. */
export function escapeMarkdownV2(text: string): string {
  return text.replace(RESERVED, '\\$&');
}

/** A reply (plain text with optional `*bold*`) as MarkdownV2: bold kept, everything else escaped. */
export function toMarkdownV2(text: string): string {
  let out = '';
  let last = 0;
  for (const match of text.matchAll(BOLD)) {
    out += escapeMarkdownV2(text.slice(last, match.index));
    out += `*${escapeMarkdownV2(match[1] ?? '')}*`;
    last = match.index + match[0].length;
  }
  return out + escapeMarkdownV2(text.slice(last));
}

/** The reply without its bold markers, for when Telegram refuses the MarkdownV2 version. */
export function toPlainText(text: string): string {
  return text.replace(BOLD, '$1');
}

/** One Telegram message: the MarkdownV2 text and its plain-text fallback. */
export interface TelegramChunk {
  markdown: string;
  plain: string;
}

/**
 * Formats a reply for Telegram, split into messages whose escaped MarkdownV2 text fits `max`
 * characters (escaping can double the length, so a chunk that grows too long is split again).
 */
export function formatForTelegram(text: string, max = TELEGRAM_MAX_CHARS): TelegramChunk[] {
  if (max < 4) throw new RangeError('max must be at least 4');
  const chunks: TelegramChunk[] = [];
  const add = (piece: string, limit: number): void => {
    for (const part of splitMessage(piece, limit)) {
      const markdown = toMarkdownV2(part);
      if (markdown.length <= max) {
        chunks.push({ markdown, plain: toPlainText(part) });
        continue;
      }
      // Each character escapes to at most two, so this shrinks to max/2 at worst and terminates.
      add(part, Math.max(2, Math.min(limit - 1, Math.floor((part.length * max) / markdown.length))));
    }
  };
  add(text, max);
  return chunks;
}
