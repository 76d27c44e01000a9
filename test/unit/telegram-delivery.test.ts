import { GrammyError, HttpError, type Api } from 'grammy';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { TelegramPoller } from '../../src/channels/telegram/poller.ts';
import { TelegramSender } from '../../src/channels/telegram/sender.ts';

const log = pino({ level: 'silent' });

function apiError(code: number, description: string, parameters: Record<string, number> = {}): GrammyError {
  return new GrammyError(
    `Call failed! (${code}: ${description})`,
    { ok: false, error_code: code, description, parameters },
    'sendMessage',
    {},
  );
}

/** A fake Bot API client: getUpdates answers from `batches`, then holds like a long poll until aborted. */
function fakeApi(batches: unknown[][], options: { failPoll?: GrammyError } = {}) {
  const polls: Record<string, unknown>[] = [];
  const sends: { chatId: unknown; text: string; parseMode?: unknown }[] = [];
  const failSends: Error[] = [];
  const api = {
    deleteWebhook: () => Promise.resolve(true),
    getUpdates: (params: Record<string, unknown>, signal?: AbortSignal) => {
      polls.push(params);
      if (options.failPoll) return Promise.reject(options.failPoll);
      const batch = params.limit === 1 ? undefined : batches.shift();
      if (batch) return Promise.resolve(batch);
      if (params.limit === 1) return Promise.resolve([]);
      return new Promise((_resolve, reject) => {
        signal?.addEventListener('abort', () => reject(new HttpError('aborted', new Error('aborted'))));
      });
    },
    sendMessage: (chatId: unknown, text: string, other: { parse_mode?: unknown }) => {
      const failure = failSends.shift();
      if (failure) return Promise.reject(failure);
      sends.push({ chatId, text, parseMode: other.parse_mode });
      return Promise.resolve({ message_id: sends.length });
    },
    sendChatAction: () => Promise.resolve(true),
  };
  return { api: api as unknown as Api, polls, sends, failSends };
}

async function until(predicate: () => boolean, ms = 3000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

describe('Telegram long polling', () => {
  it('confirms an update only after leadbot took it, retrying a refused one in order', async () => {
    const { api, polls } = fakeApi([[{ update_id: 7 }, { update_id: 8 }]]);
    const handled: number[] = [];
    let refusals = 1;
    const poller = new TelegramPoller({
      api,
      log,
      idlePauseMs: 1,
      handle: (update) => {
        const id = (update as { update_id: number }).update_id;
        if (id === 8 && refusals-- > 0) return Promise.reject(new Error('busy'));
        handled.push(id);
        return Promise.resolve();
      },
    });
    poller.start();
    await until(() => polls.length >= 2);
    expect(handled).toEqual([7, 8]);
    expect(polls[0]).not.toHaveProperty('offset');
    expect(polls[1]).toMatchObject({ offset: 9, allowed_updates: ['message'] });
    await poller.stop();
    expect(poller.state).toBe('stopped');
  });

  it('does not confirm an update refused while stopping, so Telegram delivers it again', async () => {
    const { api, polls } = fakeApi([[{ update_id: 3 }, { update_id: 4 }]]);
    const poller = new TelegramPoller({
      api,
      log,
      handle: (update) =>
        (update as { update_id: number }).update_id === 4
          ? Promise.reject(new Error('shutting down'))
          : Promise.resolve(),
    });
    poller.start();
    await until(() => polls.length >= 1);
    await new Promise((resolve) => setTimeout(resolve, 50));
    await poller.stop();
    // Only update 3 is confirmed (offset 4): update 4 stays on Telegram's side.
    expect(polls.at(-1)).toMatchObject({ offset: 4, limit: 1 });
  });

  it('stops with state failed when Telegram refuses the token', async () => {
    const { api, polls } = fakeApi([], { failPoll: apiError(401, 'Unauthorized') });
    const poller = new TelegramPoller({ api, log, handle: () => Promise.resolve() });
    poller.start();
    await until(() => poller.state === 'failed');
    expect(polls).toHaveLength(1);
    await poller.stop();
  });
});

describe('Telegram sender', () => {
  it('sends a long reply as several MarkdownV2 messages, in order', async () => {
    const { api, sends } = fakeApi([]);
    const sender = new TelegramSender({ api, log });
    const text = Array.from({ length: 300 }, (_, i) => `Punto ${i + 1}: rastreo (GPS).`).join(' ');
    sender.sendText('42', text);
    sender.sendText('42', 'Fin.');
    expect(await sender.drain(3000)).toBe(0);
    expect(sends.length).toBeGreaterThan(2);
    for (const send of sends) {
      expect(send.text.length).toBeLessThanOrEqual(4096);
      expect(send.parseMode).toBe('MarkdownV2');
    }
    expect(sends[0]!.text).toMatch(/^Punto 1: rastreo \\\(GPS\\\)\\\./);
    expect(sends.at(-1)!.text).toBe('Fin\\.');
    expect(sender.stats()).toMatchObject({ sent: sends.length, failed: 0, queued: 0 });
  });

  it('retries network errors and 5xx with backoff, gives up at once on a 403', async () => {
    const { api, sends, failSends } = fakeApi([]);
    const sender = new TelegramSender({ api, log, baseBackoffMs: 1 });
    failSends.push(
      new HttpError('Network request failed', new Error('ECONNRESET')),
      apiError(502, 'Bad Gateway'),
    );
    sender.sendText('1', 'Hola');
    await sender.drain(3000);
    expect(sends).toEqual([{ chatId: '1', text: 'Hola', parseMode: 'MarkdownV2' }]);

    failSends.push(apiError(403, 'Forbidden: bot was blocked by the user'));
    const other = new TelegramSender({ api, log, baseBackoffMs: 1 });
    other.sendText('2', 'Hola');
    await other.drain(3000);
    expect(sends).toHaveLength(1);
    expect(other.stats()).toMatchObject({ sent: 0, failed: 1 });
  });

  it('does not wait for a 429 retry_after beyond its limit, and logs the reply as not sent', async () => {
    const { api, sends, failSends } = fakeApi([]);
    const sender = new TelegramSender({ api, log, maxRetryAfterMs: 60_000 });
    failSends.push(apiError(429, 'Too Many Requests: retry after 2282', { retry_after: 2282 }));
    sender.sendText('1', 'Hola');
    expect(await sender.drain(3000)).toBe(0);
    expect(sends).toHaveLength(0);
    expect(sender.stats()).toMatchObject({ failed: 1 });
  });

  it('keeps each chat in order while chats do not wait for each other', async () => {
    const { api, sends, failSends } = fakeApi([]);
    const sender = new TelegramSender({ api, log, baseBackoffMs: 200 });
    failSends.push(apiError(500, 'Internal Server Error'));
    sender.sendText('slow', 'uno');
    sender.sendText('slow', 'dos');
    sender.sendText('fast', 'tres');
    await until(() => sends.length >= 1);
    expect(sends[0]!.chatId).toBe('fast');
    await sender.drain(3000);
    expect(sends.map((s) => s.text)).toEqual(['tres', 'uno', 'dos']);
  });
});
