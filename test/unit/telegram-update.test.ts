import { describe, expect, it } from 'vitest';
import {
  START_GREETING,
  TelegramUpdateSchema,
  languageOf,
  parseStartCommand,
  readUpdate,
} from '../../src/channels/telegram/update.ts';

/** Telegram's own example of a text update (core.telegram.org webhooks examples). */
function example(
  text: string | undefined,
  changes: { chatType?: string; languageCode?: string; isBot?: boolean } = {},
) {
  return TelegramUpdateSchema.parse({
    update_id: 10000,
    message: {
      date: 1441645532,
      chat: {
        last_name: 'Test Lastname',
        id: 1111111,
        type: changes.chatType ?? 'private',
        first_name: 'Test Firstname',
        username: 'Testusername',
      },
      message_id: 1365,
      from: {
        last_name: 'Test Lastname',
        id: 1111111,
        first_name: 'Test Firstname',
        username: 'Testusername',
        ...(changes.languageCode ? { language_code: changes.languageCode } : {}),
        ...(changes.isBot !== undefined ? { is_bot: changes.isBot } : {}),
      },
      ...(text !== undefined
        ? { text }
        : { photo: [{ file_id: 'AgAD', file_unique_id: 'AQAD', width: 90, height: 90 }] }),
    },
  });
}

describe('/start deep links', () => {
  it.each([
    ['/start campaign_x', { payload: 'campaign_x' }],
    ['/start', {}],
    ['/start@RutaVivaBot promo-2024', { payload: 'promo-2024' }],
    ['/start aGVsbG8td29ybGQ', { payload: 'aGVsbG8td29ybGQ' }],
    [`/start ${'a'.repeat(64)}`, { payload: 'a'.repeat(64) }],
    [`/start ${'a'.repeat(65)}`, {}],
    ['/start dos palabras', {}],
    ['/start campaña', {}],
    ['/start x=1', {}],
    ['  /start  campaign_x  ', { payload: 'campaign_x' }],
  ])('reads %j', (text, expected) => {
    expect(parseStartCommand(text)).toEqual(expected);
  });

  it.each(['/startx', 'hola /start', '/help', 'start campaign_x', ''])('%j is not /start', (text) => {
    expect(parseStartCommand(text)).toBeUndefined();
  });
});

describe('reading updates', () => {
  it('a private text message becomes a message with a stable id and the profile', () => {
    expect(readUpdate(example('Hola, necesito una cotización'), 'es')).toEqual({
      kind: 'text',
      updateId: 10000,
      chatId: '1111111',
      messageId: '1111111:1365',
      text: 'Hola, necesito una cotización',
      profile: { name: 'Test Firstname Test Lastname', username: 'Testusername' },
      language: 'es',
    });
  });

  it('/start <payload> greets in the person’s language and carries the payload as source', () => {
    const spanish = readUpdate(example('/start campaign_x', { languageCode: 'es-MX' }), 'en');
    expect(spanish).toMatchObject({
      kind: 'text',
      text: START_GREETING.es,
      source: 'campaign_x',
      language: 'es',
    });
    const english = readUpdate(example('/start', { languageCode: 'en' }), 'es');
    expect(english).toMatchObject({ kind: 'text', text: START_GREETING.en, language: 'en' });
    expect(english).not.toHaveProperty('source');
    // No language_code: the tenant's default language.
    expect(readUpdate(example('/start'), 'es')).toMatchObject({ text: 'Hola' });
    expect(readUpdate(example('/start bad payload!'), 'es')).not.toHaveProperty('source');
  });

  it('picks the language from language_code', () => {
    expect(languageOf('es', 'en')).toBe('es');
    expect(languageOf('es-AR', 'en')).toBe('es');
    expect(languageOf('en-GB', 'es')).toBe('en');
    expect(languageOf('pt-br', 'es')).toBe('en');
    expect(languageOf(undefined, 'es')).toBe('es');
  });

  it('a message without text asks for text, in the person’s language', () => {
    expect(readUpdate(example(undefined, { languageCode: 'en' }), 'es')).toEqual({
      kind: 'not_text',
      updateId: 10000,
      chatId: '1111111',
      messageId: '1111111:1365',
      language: 'en',
    });
  });

  it('ignores group chats, bots, edited messages, channel posts and callback queries', () => {
    expect(readUpdate(example('Hola', { chatType: 'group' }), 'es')).toMatchObject({ kind: 'ignored' });
    expect(readUpdate(example('Hola', { isBot: true }), 'es')).toMatchObject({ kind: 'ignored' });
    for (const other of [
      {
        update_id: 1,
        edited_message: { message_id: 1, chat: { id: 1, type: 'private' }, text: 'x', edit_date: 2 },
      },
      { update_id: 2, channel_post: { message_id: 1, chat: { id: -100, type: 'channel' }, text: 'x' } },
      { update_id: 3, callback_query: { id: '4382bfdwdsb323b2d9', data: 'Data from button callback' } },
    ]) {
      expect(readUpdate(TelegramUpdateSchema.parse(other), 'es')).toMatchObject({ kind: 'ignored' });
    }
  });

  it('a profile keeps only what is there and drops a leading @', () => {
    const update = TelegramUpdateSchema.parse({
      update_id: 5,
      message: {
        message_id: 9,
        chat: { id: 42, type: 'private' },
        from: { id: 42, is_bot: false, first_name: ' Ana ', username: '@ana_norte' },
        text: 'hola',
      },
    });
    expect(readUpdate(update, 'es')).toMatchObject({ profile: { name: 'Ana', username: 'ana_norte' } });
    const anonymous = TelegramUpdateSchema.parse({
      update_id: 6,
      message: { message_id: 10, chat: { id: 43, type: 'private' }, text: 'hola' },
    });
    expect(readUpdate(anonymous, 'es')).not.toHaveProperty('profile');
  });

  it('the schema needs an update_id and a well-formed message', () => {
    expect(TelegramUpdateSchema.safeParse({ message: {} }).success).toBe(false);
    expect(TelegramUpdateSchema.safeParse({ update_id: 'x' }).success).toBe(false);
    expect(TelegramUpdateSchema.safeParse({ update_id: 1, message: { text: 'hola' } }).success).toBe(false);
    expect(TelegramUpdateSchema.safeParse({ update_id: 1, poll: {} }).success).toBe(true);
  });
});
