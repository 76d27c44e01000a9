import { z } from 'zod';
import type { InboundMessage, Language } from '../../protocol/index.ts';

/**
 * The part of a Telegram `Update` leadbot reads (https://core.telegram.org/bots/api#update). Other
 * update kinds (edited messages, channel posts, callback queries…) pass as `{update_id}` and are
 * ignored.
 */
export const TelegramUpdateSchema = z.object({
  update_id: z.number().int().nonnegative(),
  message: z
    .object({
      message_id: z.number().int(),
      chat: z.object({ id: z.number().int(), type: z.string() }),
      from: z
        .object({
          id: z.number().int(),
          is_bot: z.boolean().optional(),
          first_name: z.string().optional(),
          last_name: z.string().optional(),
          username: z.string().optional(),
          language_code: z.string().optional(),
        })
        .optional(),
      text: z.string().optional(),
    })
    .optional(),
});
export type TelegramUpdate = z.infer<typeof TelegramUpdateSchema>;

/** What one update means for leadbot. */
export type TelegramInbound =
  | {
      kind: 'text';
      updateId: number;
      chatId: string;
      /** `<chat id>:<message id>`: the same on every redelivery, in polling and webhook mode. */
      messageId: string;
      /** What the bot reads: the person's text, or a greeting for `/start`. */
      text: string;
      /** The `/start` deep-link payload (campaign), when valid. */
      source?: string;
      profile?: NonNullable<InboundMessage['profile']>;
      language: Language;
    }
  | { kind: 'not_text'; updateId: number; chatId: string; messageId: string; language: Language }
  | { kind: 'ignored'; updateId: number; reason: string };

/** Deep-link payloads Telegram allows: `t.me/<bot>?start=<payload>`. */
const START_PAYLOAD = /^[A-Za-z0-9_-]{1,64}$/;
const START_COMMAND = /^\/start(?:@[A-Za-z0-9_]+)?(?:\s+([\s\S]*))?$/;

/**
 * What the bot reads when someone opens the chat with `/start`: a greeting it understands, long enough
 * in English to move a conversation away from a Spanish default language.
 */
export const START_GREETING: Record<Language, string> = { es: 'Hola', en: 'Hello there' };

/**
 * Reads `/start` and `/start <payload>`: undefined for any other text; `payload` only when it is a
 * valid deep-link payload (1-64 characters A-Z, a-z, 0-9, _ and -).
 */
export function parseStartCommand(text: string): { payload?: string } | undefined {
  const match = START_COMMAND.exec(text.trim());
  if (!match) return undefined;
  const payload = match[1]?.trim();
  return payload && START_PAYLOAD.test(payload) ? { payload } : {};
}

/** The person's language from Telegram's `language_code`: es → es, any other code → en. */
export function languageOf(code: string | undefined, fallback: Language): Language {
  if (!code) return fallback;
  return /^es\b/i.test(code) ? 'es' : 'en';
}

/** Turns an update into what leadbot does with it; only private messages from people count. */
export function readUpdate(update: TelegramUpdate, fallbackLanguage: Language): TelegramInbound {
  const updateId = update.update_id;
  const message = update.message;
  if (!message) return { kind: 'ignored', updateId, reason: 'not a new message' };
  if (message.chat.type !== 'private') return { kind: 'ignored', updateId, reason: 'not a private chat' };
  if (message.from?.is_bot) return { kind: 'ignored', updateId, reason: 'sent by a bot' };
  const chatId = String(message.chat.id);
  const messageId = `${chatId}:${message.message_id}`;
  const language = languageOf(message.from?.language_code, fallbackLanguage);
  if (message.text === undefined) return { kind: 'not_text', updateId, chatId, messageId, language };

  const profile: NonNullable<InboundMessage['profile']> = {};
  const name = [message.from?.first_name, message.from?.last_name]
    .map((part) => part?.trim())
    .filter(Boolean)
    .join(' ');
  if (name) profile.name = name;
  const username = message.from?.username?.replace(/^@/, '');
  if (username) profile.username = username;

  const start = parseStartCommand(message.text);
  return {
    kind: 'text',
    updateId,
    chatId,
    messageId,
    text: start ? START_GREETING[language] : message.text,
    ...(start?.payload ? { source: start.payload } : {}),
    ...(Object.keys(profile).length > 0 ? { profile } : {}),
    language,
  };
}

/** What the bot says when it cannot pass a message on (es/en). */
export const NOTICES = {
  notText: {
    es: 'Por ahora solo puedo leer mensajes de texto. ¿Me lo puede escribir, por favor?',
    en: 'For now I can only read text messages. Could you type it out for me, please?',
  },
  tooLong: {
    es: 'Su mensaje es demasiado largo para leerlo de una vez. ¿Me lo puede enviar en partes más cortas?',
    en: 'Your message is too long for me to read at once. Could you send it in shorter parts?',
  },
} as const satisfies Record<string, Record<Language, string>>;
