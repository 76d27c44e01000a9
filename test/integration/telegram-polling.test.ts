import { TelegramServer } from 'telegram-test-api/lib/telegramServer.js';
import type { TelegramClient } from 'telegram-test-api/lib/modules/telegramClient.js';
import { afterEach, describe, expect, it } from 'vitest';
import { LeadPayloadSchema } from '../../src/protocol/index.ts';
import { freePort } from '../helpers/free-port.ts';
import { getLeads, startTestLeadbot } from '../helpers/in-process.ts';

const TOKEN = '123456789:AAtest-polling-token_for_leadbot';

interface BotMessage {
  text: string;
  parse_mode?: string;
  chat_id: string | number;
}

/** Waits for the bot's next message(s) to this client's chat and returns them. */
async function botReplies(client: TelegramClient): Promise<BotMessage[]> {
  const updates = await client.getUpdates();
  return updates.result.map((update) => update.message as unknown as BotMessage);
}

/** MarkdownV2 back to what the person reads (bold markers and escapes removed). */
function rendered(markdown: string): string {
  return markdown.replace(/\\([\s\S])|\*/g, (_m, escaped: string | undefined) => escaped ?? '');
}

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()!();
});

async function startAll(): Promise<{ server: TelegramServer; url: string }> {
  const server = new TelegramServer({ port: await freePort(), host: '127.0.0.1', storeTimeout: 60 });
  await server.start();
  cleanups.push(() => server.stop());
  const node = await startTestLeadbot({
    LEADBOT_TELEGRAM_TOKEN: TOKEN,
    LEADBOT_TELEGRAM_API_ROOT: server.config.apiURL,
  });
  cleanups.push(() => node.close());
  return { server, url: node.url };
}

describe('Telegram channel, long polling against telegram-test-api', () => {
  it('runs a whole conversation from /start campaign_x to a stored lead', async () => {
    const { server, url } = await startAll();
    const client = server.getClient(TOKEN, {
      userId: 5150,
      chatId: 5150,
      firstName: 'Ana',
      userName: 'ana_norte',
      timeout: 15_000,
      interval: 50,
    });

    await client.sendCommand(client.makeCommand('/start campaign_x'));
    let replies = await botReplies(client);
    const greeting = replies.at(-1)!;
    expect(greeting.parse_mode).toBe('MarkdownV2');
    expect(String(greeting.chat_id)).toBe('5150');
    expect(rendered(greeting.text)).toMatch(/^¡.*RutaViva.*¿.*\?$/);
    // Escaped for MarkdownV2: no bare reserved character outside a bold marker.
    expect(greeting.text).not.toMatch(/(?<!\\)[.!()-]/);

    await client.sendMessage(client.makeMessage('Hola, necesito cotizar rastreo para 12 camiones'));
    replies = await botReplies(client);
    expect(rendered(replies.at(-1)!.text)).toMatch(/\?$/);

    await client.sendMessage(client.makeMessage('Soy Ana Pérez de Transportes Norte'));
    replies = await botReplies(client);
    expect(rendered(replies.at(-1)!.text)).toMatch(/correo/i);

    await client.sendMessage(client.makeMessage('ana@transportesnorte.mx'));
    replies = await botReplies(client);
    const done = rendered(replies.at(-1)!.text);
    expect(done).toContain('Ana');
    expect(done).toMatch(/registrad/);

    const { status, body } = await getLeads(url);
    expect(status).toBe(200);
    const leads = (body.leads ?? []).map((lead) => LeadPayloadSchema.parse(lead));
    expect(leads).toHaveLength(1);
    expect(leads[0]).toMatchObject({
      channel: 'telegram',
      source: 'campaign_x',
      contact_info: {
        name: 'Ana Pérez',
        email: 'ana@transportesnorte.mx',
        phone_or_username: '@ana_norte',
      },
      business_context: { company_name: expect.stringMatching(/Transportes Norte/) },
    });
    expect(leads[0]!.problem_statement).toMatch(/camiones|rastreo/);

    // Every reply the bot sent is in the fake server's history, in MarkdownV2.
    const history = await client.getUpdatesHistory();
    const sent = history.filter((entry) => 'message' in entry && 'chat_id' in entry.message);
    expect(sent.length).toBeGreaterThanOrEqual(4);
  });

  it('answers a bare /start with a greeting and a photo with a polite text-only note', async () => {
    const { server, url } = await startAll();
    // Polling mode serves no webhook route.
    const webhook = await fetch(`${url}/webhooks/telegram`, { method: 'POST', body: '{}' });
    expect(webhook.status).toBe(404);
    const client = server.getClient(TOKEN, {
      userId: 6160,
      chatId: 6160,
      userName: 'john_doe',
      timeout: 15_000,
      interval: 50,
    });
    await client.sendCommand(client.makeCommand('/start', { from: { language_code: 'en' } }));
    let replies = await botReplies(client);
    const hello = rendered(replies.at(-1)!.text);
    expect(hello).toMatch(/RutaViva.*\?$/);
    expect(hello).not.toMatch(/[¿¡]/);

    // A message with no text (a photo): Telegram sends `photo` instead of `text`.
    const { text: _text, ...photo } = client.makeMessage('', { from: { language_code: 'en' } });
    await client.sendMessage({
      ...photo,
      photo: [{ file_id: 'AgACAgQAAxkBAAIB', file_unique_id: 'AQADx', width: 90, height: 90 }],
    });
    replies = await botReplies(client);
    expect(rendered(replies.at(-1)!.text)).toMatch(/only read text/);
  });
});
