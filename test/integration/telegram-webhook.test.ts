import { createServer, type Server } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { startTestLeadbot } from '../helpers/in-process.ts';

const TOKEN = '7000000001:AAwebhook-test-token';
const SECRET = 'webhook_Secret-123';

/** One Bot API call the fake server received. */
interface ApiCall {
  method: string;
  body: Record<string, unknown>;
  at: number;
}

type Scripted = { status: number; body: Record<string, unknown> };

/**
 * A local fake of the Telegram Bot API (`/bot<token>/<method>`): records every call, answers like
 * Telegram, and can be told to fail the next sendMessage calls (429, 400…).
 */
class FakeBotApi {
  readonly calls: ApiCall[] = [];
  /** Answers for the next sendMessage calls, in order; then the normal answer. */
  readonly failNextSends: Scripted[] = [];
  private readonly server: Server;
  private waiters: (() => void)[] = [];
  private nextMessageId = 1;

  constructor() {
    this.server = createServer((req, res) => {
      let raw = '';
      req.setEncoding('utf8');
      req.on('data', (chunk: string) => (raw += chunk));
      req.on('end', () => {
        const match = /^\/bot([^/]+)\/(\w+)$/.exec(req.url ?? '');
        const body = (raw ? JSON.parse(raw) : {}) as Record<string, unknown>;
        const reply = (status: number, payload: Record<string, unknown>) => {
          res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(payload));
        };
        if (!match || match[1] !== TOKEN)
          return reply(401, { ok: false, error_code: 401, description: 'Unauthorized' });
        const method = match[2]!;
        this.calls.push({ method, body, at: Date.now() });
        this.wake();
        if (method === 'sendMessage') {
          const scripted = this.failNextSends.shift();
          if (scripted) return reply(scripted.status, scripted.body);
          return reply(200, {
            ok: true,
            result: {
              message_id: this.nextMessageId++,
              date: Math.floor(Date.now() / 1000),
              chat: { id: Number(body.chat_id), type: 'private' },
              text: body.text,
            },
          });
        }
        return reply(200, { ok: true, result: true });
      });
    });
  }

  async start(): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    const address = this.server.address();
    if (!address || typeof address !== 'object') throw new Error('no address');
    return `http://127.0.0.1:${address.port}`;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  sends(chatId?: number): ApiCall[] {
    return this.calls.filter(
      (c) => c.method === 'sendMessage' && (chatId === undefined || Number(c.body.chat_id) === chatId),
    );
  }

  /** Resolves once `predicate` holds (checked on every call), failing after `ms`. */
  async until(predicate: () => boolean, ms = 10_000): Promise<void> {
    const deadline = Date.now() + ms;
    while (!predicate()) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error('timed out waiting for Bot API calls');
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.min(left, 200));
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const wake of waiters) wake();
  }
}

/** A private-chat text update shaped like Telegram's own example (core.telegram.org webhooks). */
function textUpdate(updateId: number, text: string, chatId = 1111111, messageId = 1365) {
  return {
    update_id: updateId,
    message: {
      date: 1441645532,
      chat: {
        last_name: 'Test Lastname',
        id: chatId,
        type: 'private',
        first_name: 'Test Firstname',
        username: 'Testusername',
      },
      message_id: messageId,
      from: {
        last_name: 'Test Lastname',
        id: chatId,
        first_name: 'Test Firstname',
        username: 'Testusername',
      },
      text,
    },
  };
}

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()!();
});

async function setup(env: Record<string, string> = {}) {
  const api = new FakeBotApi();
  const apiRoot = await api.start();
  cleanups.push(() => api.close());
  const node = await startTestLeadbot({
    LEADBOT_TELEGRAM_TOKEN: TOKEN,
    LEADBOT_TELEGRAM_WEBHOOK_SECRET: SECRET,
    LEADBOT_TELEGRAM_API_ROOT: apiRoot,
    ...env,
  });
  cleanups.push(() => node.close());
  const post = (
    body: unknown,
    headers: Record<string, string> = { 'x-telegram-bot-api-secret-token': SECRET },
  ) =>
    fetch(`${node.url}/webhooks/telegram`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });
  return { api, node, post };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('Telegram channel, webhook mode', () => {
  it('takes an update with the right secret token and replies through the Bot API in MarkdownV2', async () => {
    const { api, node, post } = await setup();
    const res = await post(textUpdate(10000, '/start'));
    expect(res.status).toBe(200);
    await api.until(() => api.sends(1111111).length >= 1);
    const [greeting] = api.sends(1111111);
    expect(greeting!.body.parse_mode).toBe('MarkdownV2');
    expect(greeting!.body.text).toMatch(/RutaViva/);

    const second = await post(
      textUpdate(10001, 'Hola, necesito cotizar rastreo para 12 camiones', 1111111, 1366),
    );
    expect(second.status).toBe(200);
    await api.until(() => api.sends(1111111).length >= 2);
    const conversation = await node.store.getConversation('demo:telegram:1111111');
    expect(conversation).toBeDefined();

    const health = (await (await fetch(`${node.url}/health`)).json()) as {
      channels: { telegram: Record<string, unknown> };
    };
    expect(health.channels.telegram).toMatchObject({ mode: 'webhook', received: 2, sent: 2 });
  });

  it('refuses a wrong or missing secret token with 401 bad_signature and processes nothing', async () => {
    const { api, node, post } = await setup();
    const wrong = await post(textUpdate(20000, 'Hola'), {
      'x-telegram-bot-api-secret-token': 'not-the-secret',
    });
    expect(wrong.status).toBe(401);
    expect(await wrong.json()).toMatchObject({ error: { code: 'bad_signature' } });
    const missing = await post(textUpdate(20001, 'Hola'), {});
    expect(missing.status).toBe(401);
    expect(await missing.json()).toMatchObject({ error: { code: 'bad_signature' } });
    // Same length as the secret, one character off: still refused.
    const close = await post(textUpdate(20002, 'Hola'), {
      'x-telegram-bot-api-secret-token': `${SECRET.slice(0, -1)}4`,
    });
    expect(close.status).toBe(401);
    // A refused request is refused before its body is read, malformed or not.
    const junk = await post('{"update_id":', { 'x-telegram-bot-api-secret-token': 'nope' });
    expect(junk.status).toBe(401);

    await sleep(500);
    expect(api.sends()).toHaveLength(0);
    expect(await node.store.getConversation('demo:telegram:1111111')).toBeUndefined();
  });

  it('answers malformed JSON and non-update bodies with a clear 400', async () => {
    const { api, post } = await setup();
    const junk = await post('{"update_id": 1, "message": {');
    expect(junk.status).toBe(400);
    expect(await junk.json()).toMatchObject({ error: { code: 'bad_json' } });
    const shapeless = await post({ message: { text: 'hola' } });
    expect(shapeless.status).toBe(400);
    const body = (await shapeless.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe('invalid_message');
    expect(body.error.message).toMatch(/update_id/);
    expect(api.sends()).toHaveLength(0);
  });

  it('replies once to an update delivered twice', async () => {
    const { api, post } = await setup();
    const update = textUpdate(30000, 'Hola, necesito cotizar rastreo para 12 camiones', 2222222, 77);
    expect((await post(update)).status).toBe(200);
    expect((await post(update)).status).toBe(200);
    await api.until(() => api.sends(2222222).length >= 1);
    await sleep(800);
    expect(api.sends(2222222)).toHaveLength(1);
  });

  it('ignores edited messages, group messages and other update kinds without error', async () => {
    const { api, node, post } = await setup();
    const edited = {
      update_id: 40000,
      edited_message: { ...textUpdate(0, 'Edited text').message, edit_date: 1441646600 },
    };
    const group = textUpdate(40001, 'Hola a todos');
    group.message.chat.type = 'group';
    const callback = {
      update_id: 40002,
      callback_query: {
        id: '4382bfdwdsb323b2d9',
        from: { id: 1111111, first_name: 'Test Firstname', username: 'Testusername' },
        data: 'Data from button callback',
      },
    };
    for (const update of [edited, group, callback]) expect((await post(update)).status).toBe(200);
    await sleep(500);
    expect(api.sends()).toHaveLength(0);
    expect(await node.store.getConversation('demo:telegram:1111111')).toBeUndefined();
  });

  it('tells the person, in their language, when a message is longer than leadbot reads', async () => {
    const { api, node, post } = await setup();
    const long = textUpdate(45000, 'Necesito una cotización. '.repeat(170), 5555555, 11);
    expect(long.message.text.length).toBeGreaterThan(node.config.conversation.maxInputChars);
    expect((await post(long)).status).toBe(200);
    await api.until(() => api.sends(5555555).length >= 1);
    expect(api.sends(5555555)[0]!.body.text).toMatch(/demasiado largo.*¿Me lo puede enviar en partes/);
    expect(await node.store.getConversation('demo:telegram:5555555')).toBeUndefined();
  });

  it('answers the webhook at once and sends the reply after the 429 retry_after', async () => {
    const { api, post } = await setup();
    api.failNextSends.push({
      status: 429,
      body: {
        ok: false,
        error_code: 429,
        description: 'Too Many Requests: retry after 1',
        parameters: { retry_after: 1 },
      },
    });
    const started = Date.now();
    const res = await post(textUpdate(50000, 'Hola', 3333333, 5));
    expect(res.status).toBe(200);
    expect(Date.now() - started).toBeLessThan(1000);
    await api.until(() => api.sends(3333333).length >= 2);
    const [refused, sent] = api.sends(3333333);
    expect(sent!.at - refused!.at).toBeGreaterThanOrEqual(950);
    expect(sent!.body.text).toBe(refused!.body.text);
  });

  it('resends as plain text when Telegram cannot parse the MarkdownV2', async () => {
    const { api, post } = await setup();
    api.failNextSends.push({
      status: 400,
      body: {
        ok: false,
        error_code: 400,
        description: "Bad Request: can't parse entities: Character '.' is reserved and must be escaped",
      },
    });
    expect((await post(textUpdate(60000, 'Hola', 4444444, 9))).status).toBe(200);
    await api.until(() => api.sends(4444444).length >= 2);
    const [markdown, plain] = api.sends(4444444);
    expect(markdown!.body.parse_mode).toBe('MarkdownV2');
    expect(plain!.body.parse_mode).toBeUndefined();
    expect(plain!.body.text).toBe(String(markdown!.body.text).replace(/\\(.)/g, '$1').replace(/\*/g, ''));
  });

  it('registers the webhook with the secret token when LEADBOT_PUBLIC_URL is set', async () => {
    const { api } = await setup({ LEADBOT_PUBLIC_URL: 'https://bot.example.com/' });
    const set = api.calls.find((c) => c.method === 'setWebhook');
    expect(set?.body).toMatchObject({
      url: 'https://bot.example.com/webhooks/telegram',
      secret_token: SECRET,
    });
  });
});

describe('Telegram channel off or in polling mode', () => {
  it('has no webhook route without LEADBOT_TELEGRAM_TOKEN', async () => {
    const node = await startTestLeadbot({ LEADBOT_TELEGRAM_WEBHOOK_SECRET: SECRET });
    cleanups.push(() => node.close());
    const res = await fetch(`${node.url}/webhooks/telegram`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-telegram-bot-api-secret-token': SECRET },
      body: JSON.stringify(textUpdate(1, 'Hola')),
    });
    expect(res.status).toBe(404);
    expect(await res.json()).toMatchObject({ error: { code: 'not_found' } });
    const health = (await (await fetch(`${node.url}/health`)).json()) as {
      channels: Record<string, unknown>;
    };
    expect(health.channels).not.toHaveProperty('telegram');
  });
});
