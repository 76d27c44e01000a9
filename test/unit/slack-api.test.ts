import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { SlackApi, SlackApiError } from '../../src/handoff/slack-api.ts';

const TOKEN = 'xoxb-test-token-123';

interface Scripted {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
  /** Never answer (for the timeout test). */
  hang?: boolean;
}

interface Recorded {
  method: string;
  url: string;
  auth: string | undefined;
  contentType: string | undefined;
  body: string;
}

/** A local stand-in for slack.com/api: checks the bearer token, answers from a script, records requests. */
let server: Server;
let base: string;
let script: Scripted[] = [];
let requests: Recorded[] = [];

function answer(req: IncomingMessage, res: ServerResponse, body: string): void {
  requests.push({
    method: req.method ?? '',
    url: req.url ?? '',
    auth: req.headers.authorization,
    contentType: req.headers['content-type'],
    body,
  });
  if (req.headers.authorization !== `Bearer ${TOKEN}`) {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ ok: false, error: 'invalid_auth' }));
    return;
  }
  const next = script.shift() ?? { status: 200, body: { ok: true } };
  if (next.hang) return;
  res.writeHead(next.status, { 'content-type': 'application/json', ...next.headers });
  res.end(typeof next.body === 'string' ? next.body : JSON.stringify(next.body ?? {}));
}

beforeAll(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => answer(req, res, Buffer.concat(chunks).toString('utf8')));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api`;
});
afterAll(() => {
  server.closeAllConnections();
  return new Promise<void>((resolve) => server.close(() => resolve()));
});
beforeEach(() => {
  script = [];
  requests = [];
});

function api(token = TOKEN, extra: { timeoutMs?: number; apiBase?: string } = {}): SlackApi {
  return new SlackApi({ token, apiBase: base, ...extra });
}

/** The SlackApiError a promise rejects with. */
async function failure(promise: Promise<unknown>): Promise<SlackApiError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(SlackApiError);
  return error as SlackApiError;
}

const POSTED = {
  ok: true,
  channel: 'C123ABC456',
  ts: '1644442900.000100',
  message: {
    type: 'message',
    subtype: 'bot_message',
    text: 'Critical support case',
    ts: '1644442900.000100',
  },
};
const MESSAGE = { channel: 'C123ABC456', text: 'Critical support case', blocks: [{ type: 'divider' }] };

describe('SlackApi.postMessage', () => {
  it('posts JSON with the bearer token and returns channel and ts', async () => {
    script = [{ status: 200, body: POSTED }];
    await expect(api().postMessage({ ...MESSAGE, thread_ts: '1644442900.000001' })).resolves.toEqual({
      channel: 'C123ABC456',
      ts: '1644442900.000100',
    });
    const [request] = requests;
    expect(request?.method).toBe('POST');
    expect(request?.url).toBe('/api/chat.postMessage');
    expect(request?.auth).toBe(`Bearer ${TOKEN}`);
    expect(request?.contentType).toBe('application/json; charset=utf-8');
    expect(JSON.parse(request!.body)).toEqual({ ...MESSAGE, thread_ts: '1644442900.000001' });
  });

  it('maps a wrong token to a permanent invalid_auth that does not leak the token', async () => {
    const error = await failure(api('xoxb-wrong-secret').postMessage(MESSAGE));
    expect(error.code).toBe('invalid_auth');
    expect(error.retryable).toBe(false);
    expect(error.retryAfterMs).toBeUndefined();
    expect(error.message).not.toContain('xoxb-wrong-secret');
    expect(error.message).toContain('token');
    expect(JSON.stringify(error)).not.toContain('xoxb');
  });

  it('maps HTTP 429 with Retry-After to a retryable ratelimited error', async () => {
    script = [{ status: 429, headers: { 'retry-after': '3' }, body: { ok: false, error: 'ratelimited' } }];
    const error = await failure(api().postMessage(MESSAGE));
    expect(error).toMatchObject({ code: 'ratelimited', retryable: true, retryAfterMs: 3000 });
  });

  it('maps HTTP 429 without a body or header to ratelimited with no wait', async () => {
    script = [{ status: 429, body: '' }];
    const error = await failure(api().postMessage(MESSAGE));
    expect(error).toMatchObject({ code: 'ratelimited', retryable: true });
    expect(error.retryAfterMs).toBeUndefined();
  });

  it('maps HTTP 500 to a retryable http_5xx', async () => {
    script = [{ status: 500, body: 'upstream exploded' }];
    const error = await failure(api().postMessage(MESSAGE));
    expect(error).toMatchObject({ code: 'http_5xx', retryable: true });
    expect(error.message).not.toContain(TOKEN);
  });

  it.each(['channel_not_found', 'not_in_channel', 'not_authed', 'invalid_auth'])(
    'treats %s as permanent',
    async (code) => {
      script = [{ status: 200, body: { ok: false, error: code } }];
      const error = await failure(api().postMessage(MESSAGE));
      expect(error).toMatchObject({ code, retryable: false });
      expect(error.message).toContain(code);
    },
  );

  it('treats an ok answer without channel/ts, or not JSON at all, as invalid_response', async () => {
    script = [
      { status: 200, body: { ok: true } },
      { status: 200, body: '<html>proxy</html>' },
    ];
    expect(await failure(api().postMessage(MESSAGE))).toMatchObject({
      code: 'invalid_response',
      retryable: false,
    });
    expect(await failure(api().postMessage(MESSAGE))).toMatchObject({
      code: 'invalid_response',
      retryable: false,
    });
  });

  it('maps another 4xx without a Slack body to http_<status>', async () => {
    script = [{ status: 404, body: 'not found' }];
    expect(await failure(api().postMessage(MESSAGE))).toMatchObject({ code: 'http_404', retryable: false });
  });

  it('maps a request that takes too long to a retryable timeout', async () => {
    script = [{ status: 200, hang: true }];
    const error = await failure(api(TOKEN, { timeoutMs: 100 }).postMessage(MESSAGE));
    expect(error).toMatchObject({ code: 'timeout', retryable: true });
  });

  it('maps a refused connection to a retryable network error', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const error = await failure(api(TOKEN, { apiBase: `http://127.0.0.1:${port}/api` }).postMessage(MESSAGE));
    expect(error).toMatchObject({ code: 'network', retryable: true });
    expect(error.message).not.toContain(TOKEN);
  });
});

describe('SlackApi.update', () => {
  it('posts chat.update and resolves on ok', async () => {
    script = [{ status: 200, body: { ok: true, channel: 'C1', ts: '1.2', text: 'x' } }];
    await api().update({ channel: 'C1', ts: '1.2', text: 'Taken' });
    expect(requests[0]?.url).toBe('/api/chat.update');
    expect(JSON.parse(requests[0]!.body)).toEqual({ channel: 'C1', ts: '1.2', text: 'Taken' });
  });

  it('rejects with Slack’s error', async () => {
    script = [{ status: 200, body: { ok: false, error: 'message_not_found' } }];
    expect(await failure(api().update({ channel: 'C1', ts: '1.2', text: 'x' }))).toMatchObject({
      code: 'message_not_found',
      retryable: false,
    });
  });
});

describe('SlackApi.authTest', () => {
  it('posts with no body and maps the ids', async () => {
    script = [
      { status: 200, body: { ok: true, user_id: 'U0BOTUSER1', bot_id: 'B0BOT1', team_id: 'T123ABC456' } },
    ];
    await expect(api().authTest()).resolves.toEqual({
      userId: 'U0BOTUSER1',
      botId: 'B0BOT1',
      teamId: 'T123ABC456',
    });
    expect(requests[0]).toMatchObject({ method: 'POST', url: '/api/auth.test', body: '' });
  });

  it('omits ids Slack did not send', async () => {
    script = [{ status: 200, body: { ok: true, user_id: 'U1' } }];
    await expect(api().authTest()).resolves.toEqual({ userId: 'U1' });
  });
});

describe('SlackApi.usersInfo', () => {
  const user = (fields: Record<string, unknown>) => ({
    status: 200,
    body: { ok: true, user: { id: 'U1', ...fields } },
  });

  it('prefers the real name, then the display name, then the handle', async () => {
    script = [
      user({ name: 'marta', real_name: 'Marta Gómez', profile: { display_name: 'Marta G' } }),
      user({ name: 'marta', real_name: '', profile: { display_name: 'Marta G' } }),
      user({ name: 'marta', profile: { display_name: '' } }),
    ];
    await expect(api().usersInfo('U1')).resolves.toEqual({ name: 'Marta Gómez' });
    await expect(api().usersInfo('U1')).resolves.toEqual({ name: 'Marta G' });
    await expect(api().usersInfo('U1')).resolves.toEqual({ name: 'marta' });
    expect(requests[0]).toMatchObject({
      method: 'GET',
      url: '/api/users.info?user=U1',
      auth: `Bearer ${TOKEN}`,
    });
  });

  it('falls back to the id on any Slack error', async () => {
    script = [{ status: 200, body: { ok: false, error: 'user_not_found' } }, { status: 500 }];
    await expect(api().usersInfo('U404')).resolves.toEqual({ name: 'U404' });
    await expect(api().usersInfo('U500')).resolves.toEqual({ name: 'U500' });
    await expect(api('xoxb-wrong').usersInfo('U0174S5F9E3')).resolves.toEqual({ name: 'U0174S5F9E3' });
  });
});

describe('SlackApi options', () => {
  it('uses an injected fetch and strips a trailing slash from apiBase', async () => {
    const urls: string[] = [];
    const fake: typeof fetch = (input) => {
      urls.push(input instanceof Request ? input.url : input.toString());
      return Promise.resolve(new Response(JSON.stringify(POSTED), { status: 200 }));
    };
    const client = new SlackApi({ token: TOKEN, apiBase: 'https://slack.example/api/', fetch: fake });
    await expect(client.postMessage(MESSAGE)).resolves.toMatchObject({ ts: '1644442900.000100' });
    expect(urls).toEqual(['https://slack.example/api/chat.postMessage']);
  });
});
