import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { GraphSender } from '../../src/channels/whatsapp/sender.ts';
import { capturingLogger } from '../helpers/log-capture.ts';

interface Scripted {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

/** A local stand-in for graph.facebook.com: answers from a script and records each request. */
let server: Server;
let base: string;
let script: Scripted[] = [];
let requests: { url: string; auth: string | undefined; body: unknown }[] = [];

beforeAll(async () => {
  server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      requests.push({
        url: req.url ?? '',
        auth: req.headers.authorization,
        body: JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown,
      });
      const next = script.shift() ?? { status: 200, body: { messages: [{ id: 'wamid.OUT' }] } };
      res.writeHead(next.status, { 'content-type': 'application/json', ...next.headers });
      res.end(JSON.stringify(next.body ?? {}));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));
beforeEach(() => {
  script = [];
  requests = [];
  capture.clear();
});

const capture = capturingLogger();
const log = capture.logger;

const TOKEN = 'EAAG-secret-token';
const BODY = {
  messaging_product: 'whatsapp',
  recipient_type: 'individual',
  to: '972987654321',
  type: 'text',
  text: { body: 'Hola Ana', preview_url: false },
};
const CONTEXT = { conversationId: 'demo:whatsapp:972987654321', kind: 'reply' };

function sender(apiBase = base, waits: number[] = []): GraphSender {
  return new GraphSender({
    apiBase,
    apiVersion: 'v21.0',
    phoneNumberId: '1122334455667',
    token: TOKEN,
    log,
    maxAttempts: 3,
    baseDelayMs: 100,
    sleep: (ms) => {
      waits.push(ms);
      return Promise.resolve();
    },
  });
}

const graphError = (code: number, extra: Record<string, unknown> = {}) => ({
  error: {
    message: '(#' + code + ') something',
    type: 'OAuthException',
    code,
    fbtrace_id: 'Atrace',
    ...extra,
  },
});

describe('GraphSender', () => {
  it('posts JSON with the bearer token to /{version}/{phone-number-id}/messages', async () => {
    const result = await sender().post(BODY, CONTEXT, new AbortController().signal);
    expect(result).toEqual({ ok: true, messageId: 'wamid.OUT', attempts: 1 });
    expect(requests).toEqual([{ url: '/v21.0/1122334455667/messages', auth: `Bearer ${TOKEN}`, body: BODY }]);
  });

  it('honours 429 Retry-After, then delivers', async () => {
    script = [{ status: 429, headers: { 'retry-after': '7' }, body: graphError(130429) }];
    const waits: number[] = [];
    const result = await sender(base, waits).post(BODY, CONTEXT, new AbortController().signal);
    expect(result).toMatchObject({ ok: true, attempts: 2 });
    expect(waits).toEqual([7000]);
    expect(requests).toHaveLength(2);
  });

  for (const code of [130429, 131056, 80007]) {
    it(`backs off on throttling code ${code} sent as HTTP 400 without Retry-After`, async () => {
      script = [{ status: 400, body: graphError(code) }];
      const waits: number[] = [];
      const result = await sender(base, waits).post(BODY, CONTEXT, new AbortController().signal);
      expect(result).toMatchObject({ ok: true, attempts: 2 });
      expect(waits).toHaveLength(1);
      expect(waits[0]).toBeGreaterThanOrEqual(100);
      expect(waits[0]).toBeLessThan(200);
    });
  }

  it('retries 5xx with growing backoff', async () => {
    script = [{ status: 500 }, { status: 503, body: graphError(1, { is_transient: true }) }];
    const waits: number[] = [];
    const result = await sender(base, waits).post(BODY, CONTEXT, new AbortController().signal);
    expect(result).toMatchObject({ ok: true, attempts: 3 });
    expect(waits).toHaveLength(2);
    expect(waits[1]!).toBeGreaterThanOrEqual(200);
  });

  it('retries a 400 that Graph marks transient', async () => {
    script = [{ status: 400, body: graphError(131000, { is_transient: true }) }];
    expect(await sender().post(BODY, CONTEXT, new AbortController().signal)).toMatchObject({
      ok: true,
      attempts: 2,
    });
  });

  it('gives up at once on another 4xx, logging its Graph code and no personal data', async () => {
    script = [{ status: 400, body: graphError(131030) }];
    const result = await sender().post(BODY, CONTEXT, new AbortController().signal);
    expect(result).toEqual({ ok: false, reason: 'rejected', status: 400, code: 131030, attempts: 1 });
    expect(requests).toHaveLength(1);
    expect(capture.text()).toContain('"code":131030');
    expect(capture.text()).toContain('"conversationId":"demo:whatsapp:');
    expect(capture.text()).not.toContain('Hola Ana');
    expect(capture.text()).not.toContain(TOKEN);
  });

  it('an expired token (401, code 190) is not retried', async () => {
    script = [{ status: 401, body: graphError(190) }];
    expect(await sender().post(BODY, CONTEXT, new AbortController().signal)).toMatchObject({
      ok: false,
      reason: 'rejected',
      code: 190,
    });
    expect(requests).toHaveLength(1);
  });

  it('stops after the configured attempts when the API keeps failing', async () => {
    script = [{ status: 502 }, { status: 502 }, { status: 502 }, { status: 502 }];
    const result = await sender().post(BODY, CONTEXT, new AbortController().signal);
    expect(result).toMatchObject({ ok: false, reason: 'gave_up', status: 502, attempts: 3 });
    expect(requests).toHaveLength(3);
  });

  it('retries network errors, then gives up', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const waits: number[] = [];
    const result = await sender(`http://127.0.0.1:${port}`, waits).post(
      BODY,
      CONTEXT,
      new AbortController().signal,
    );
    expect(result).toMatchObject({ ok: false, reason: 'gave_up', attempts: 3 });
    expect(waits).toHaveLength(2);
    expect(capture.text()).toContain('unreachable');
  });

  it('does not wait for a Retry-After longer than its limit', async () => {
    script = [{ status: 429, headers: { 'retry-after': '3600' } }];
    const result = await sender().post(BODY, CONTEXT, new AbortController().signal);
    expect(result).toMatchObject({ ok: false, reason: 'gave_up', status: 429, attempts: 1 });
    expect(requests).toHaveLength(1);
  });

  it('a best-effort call makes one attempt only', async () => {
    script = [{ status: 500 }];
    const result = await sender().post(BODY, CONTEXT, new AbortController().signal, 1);
    expect(result).toMatchObject({ ok: false, reason: 'gave_up', attempts: 1 });
    expect(requests).toHaveLength(1);
  });

  it('an aborted signal stops the retries', async () => {
    script = [{ status: 500 }, { status: 500 }];
    const abort = new AbortController();
    const result = await new GraphSender({
      apiBase: base,
      apiVersion: 'v21.0',
      phoneNumberId: '1',
      token: TOKEN,
      log,
      baseDelayMs: 50,
      sleep: () => {
        abort.abort();
        return Promise.reject(new Error('aborted'));
      },
    }).post(BODY, CONTEXT, abort.signal);
    expect(result).toMatchObject({ ok: false, reason: 'aborted' });
    expect(requests).toHaveLength(1);
  });
});
