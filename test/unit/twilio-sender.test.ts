import { afterEach, describe, expect, it, vi } from 'vitest';
import { TwilioSender } from '../../src/channels/twilio/sender.ts';
import { capturingLogger } from '../helpers/log-capture.ts';

const SID = 'AC0123456789abcdef0123456789abcdef';
const TOKEN = 'sender-test-auth-token';
const API = 'https://twilio.test';
const MESSAGES_URL = `${API}/2010-04-01/Accounts/${SID}/Messages.json`;
const TO = 'whatsapp:+5215512345678';

interface Call {
  url: string;
  headers: Record<string, string>;
  form: Record<string, string>;
  at: number;
}

/** Scripted stand-in for Twilio's API: `answers` are used in order, the last one repeats. */
function stubTwilio(answers: Array<() => Response | Promise<Response>>) {
  const calls: Call[] = [];
  vi.stubGlobal('fetch', async (url: string, init: RequestInit) => {
    calls.push({
      url,
      headers: Object.fromEntries(new Headers(init.headers).entries()),
      form: Object.fromEntries(new URLSearchParams(init.body as string)),
      at: Date.now(),
    });
    const answer = answers[Math.min(calls.length - 1, answers.length - 1)]!;
    return answer();
  });
  return calls;
}

const created =
  (sid = 'SM00000000000000000000000000000001') =>
  () =>
    new Response(JSON.stringify({ sid, status: 'queued' }), {
      status: 201,
      headers: { 'content-type': 'application/json' },
    });
const twilioError =
  (status: number, code: number, headers: Record<string, string> = {}) =>
  () =>
    new Response(
      JSON.stringify({
        code,
        message: `The 'To' number ${TO} is not valid`,
        more_info: `https://www.twilio.com/docs/errors/${code}`,
        status,
      }),
      { status, headers: { 'content-type': 'application/json', ...headers } },
    );

function newSender(
  log = capturingLogger().logger,
  over: Partial<ConstructorParameters<typeof TwilioSender>[0]> = {},
) {
  return new TwilioSender({
    apiBase: `${API}/`,
    accountSid: SID,
    authToken: TOKEN,
    from: 'whatsapp:+14155238886',
    log,
    baseBackoffMs: 10,
    ...over,
  });
}

afterEach(() => {
  vi.unstubAllGlobals();
});

describe('TwilioSender', () => {
  it("posts From, To and Body form-encoded to the account's Messages.json with basic auth and an idempotency token", async () => {
    const calls = stubTwilio([created()]);
    const sender = newSender();
    sender.send(TO, '¡Hola, *Carlos*! ¿Cómo te llamas?', 'out_1');
    await sender.close(5000);
    expect(calls).toHaveLength(1);
    const call = calls[0]!;
    expect(call.url).toBe(MESSAGES_URL);
    expect(call.headers.authorization).toBe(`Basic ${Buffer.from(`${SID}:${TOKEN}`).toString('base64')}`);
    expect(call.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(call.headers['i-twilio-idempotency-token']).toBe('out_1');
    expect(call.form).toEqual({
      From: 'whatsapp:+14155238886',
      To: TO,
      Body: '¡Hola, *Carlos*! ¿Cómo te llamas?',
    });
    expect(sender.stats()).toMatchObject({ sent: 1, failed: 0, queued: 0 });
  });

  it("keeps one person's messages in order while another person's go at once", async () => {
    let release: () => void = () => {};
    const slow = new Promise<void>((resolve) => (release = resolve));
    const calls: Call[] = [];
    vi.stubGlobal('fetch', async (url: string, init: RequestInit) => {
      const form = Object.fromEntries(new URLSearchParams(init.body as string));
      calls.push({ url, headers: {}, form, at: Date.now() });
      if (form.Body === 'first') await slow;
      return created()();
    });
    const sender = newSender();
    sender.send(TO, 'first', 'a');
    sender.send(TO, 'second', 'b');
    sender.send('whatsapp:+15005550006', 'other person', 'c');
    await vi.waitFor(() => expect(calls.map((c) => c.form.Body)).toEqual(['first', 'other person']));
    release();
    await sender.close(5000);
    expect(calls.map((c) => c.form.Body)).toEqual(['first', 'other person', 'second']);
  });

  it('retries 5xx answers and network errors with growing backoff, with the same idempotency token', async () => {
    const calls = stubTwilio([
      twilioError(500, 20500),
      () => Promise.reject(new TypeError('fetch failed')),
      twilioError(503, 20503),
      created(),
    ]);
    const { logger: log, lines } = capturingLogger();
    const sender = newSender(log);
    sender.send(TO, 'hola', 'out_retry');
    await sender.close(5000);
    expect(calls).toHaveLength(4);
    expect(new Set(calls.map((c) => c.headers['i-twilio-idempotency-token']))).toEqual(
      new Set(['out_retry']),
    );
    const gaps = calls.slice(1).map((c, i) => c.at - calls[i]!.at);
    expect(gaps[0]).toBeGreaterThanOrEqual(9);
    expect(gaps[2]).toBeGreaterThanOrEqual(39);
    expect(sender.stats()).toMatchObject({ sent: 1, retried: 3, failed: 0 });
    expect(lines.filter((l) => l.msg === 'Twilio send failed; retrying')).toHaveLength(3);
  });

  it('waits as long as Retry-After says on a 429', async () => {
    const calls = stubTwilio([twilioError(429, 20429, { 'retry-after': '1' }), created()]);
    const sender = newSender();
    sender.send(TO, 'hola', 'out_429');
    await sender.close(5000);
    expect(calls).toHaveLength(2);
    expect(calls[1]!.at - calls[0]!.at).toBeGreaterThanOrEqual(950);
    expect(sender.stats()).toMatchObject({ sent: 1, failed: 0 });
  });

  it('logs a 4xx refusal with its Twilio code and no personal data, and does not retry it', async () => {
    const calls = stubTwilio([twilioError(400, 63016)]);
    const { logger: log, lines } = capturingLogger();
    const sender = newSender(log);
    sender.send(TO, 'Carlos, tu pedido 123', 'out_4xx');
    await sender.close(5000);
    expect(calls).toHaveLength(1);
    expect(sender.stats()).toMatchObject({ sent: 0, failed: 1 });
    const refusal = lines.find((l) => l.msg === 'Twilio refused a reply; not retried');
    expect(refusal).toMatchObject({ status: 400, twilioCode: 63016, key: 'out_4xx' });
    expect(String(refusal?.hint)).toMatch(/24-hour/);
    const all = JSON.stringify(lines);
    for (const secret of ['5215512345678', 'Carlos', 'pedido', TOKEN]) expect(all).not.toContain(secret);
  });

  it('gives up after maxAttempts and says so', async () => {
    const calls = stubTwilio([twilioError(502, 20502)]);
    const { logger: log, lines } = capturingLogger();
    const sender = newSender(log, { maxAttempts: 3 });
    sender.send(TO, 'hola', 'out_down');
    await sender.close(5000);
    expect(calls).toHaveLength(3);
    expect(sender.stats()).toMatchObject({ sent: 0, failed: 1 });
    expect(lines.find((l) => l.msg === 'reply not sent through Twilio; gave up')).toMatchObject({
      attempts: 3,
      reason: 'HTTP 502 (Twilio error 20502)',
    });
  });

  it('close() waits for queued sends, and abandons them with a log line past its deadline', async () => {
    const calls = stubTwilio([twilioError(429, 20429, { 'retry-after': '30' }), created()]);
    const { logger: log, lines } = capturingLogger();
    const sender = newSender(log);
    sender.send(TO, 'hola', 'out_slow');
    const started = Date.now();
    await sender.close(200);
    expect(Date.now() - started).toBeLessThan(5000);
    expect(calls).toHaveLength(1);
    expect(sender.stats()).toMatchObject({ sent: 0, failed: 1, queued: 0 });
    expect(lines.some((l) => l.msg === 'closing: replies still queued for Twilio were abandoned')).toBe(true);
  });
});
