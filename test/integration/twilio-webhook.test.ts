import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { mkdtempSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import twilio from 'twilio';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { LeadPayloadSchema, type LeadPayload } from '../../src/protocol/index.ts';
import { getLeads, startTestLeadbot } from '../helpers/in-process.ts';
import { capturingLogger } from '../helpers/log-capture.ts';

const ACCOUNT_SID = 'AC8e904faad99a05efe123e12d0d0d0d0';
const AUTH_TOKEN = 'integration-twilio-auth-token-1';
const SENDER = 'whatsapp:+14155238886';
const WA_ID = '5215512345678';

/** One Messages.json request as the fake Twilio REST API saw it. */
interface Posted {
  accountSid: string;
  authorized: boolean;
  idempotencyToken: string | undefined;
  form: Record<string, string>;
  status: number;
}

/**
 * A local stand-in for Twilio's REST API: records `POST /2010-04-01/Accounts/{sid}/Messages.json`,
 * checks basic auth (401 with Twilio's error 20003 otherwise) and answers 201 like Twilio, unless a
 * scripted answer is queued first (e.g. a 429).
 */
class FakeTwilioApi {
  readonly posts: Posted[] = [];
  /** Accepted messages (201), i.e. what the person would see. */
  readonly delivered: Posted[] = [];
  readonly scripted: Array<{ status: number; headers?: Record<string, string>; body: unknown }> = [];
  private server!: Server;
  url = '';

  async start(): Promise<this> {
    this.server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    let raw = '';
    for await (const chunk of req) raw += String(chunk);
    const match = /^\/2010-04-01\/Accounts\/([^/]+)\/Messages\.json$/.exec(req.url ?? '');
    const send = (status: number, body: unknown, headers: Record<string, string> = {}) => {
      res.writeHead(status, { 'content-type': 'application/json', ...headers });
      res.end(JSON.stringify(body));
    };
    if (req.method !== 'POST' || !match) return send(404, { code: 20404, status: 404 });
    const expected = `Basic ${Buffer.from(`${ACCOUNT_SID}:${AUTH_TOKEN}`).toString('base64')}`;
    const posted: Posted = {
      accountSid: decodeURIComponent(match[1]!),
      authorized: req.headers.authorization === expected,
      idempotencyToken: req.headers['i-twilio-idempotency-token'] as string | undefined,
      form: Object.fromEntries(new URLSearchParams(raw)),
      status: 0,
    };
    this.posts.push(posted);
    if (!posted.authorized || posted.accountSid !== ACCOUNT_SID) {
      posted.status = 401;
      return send(401, { code: 20003, message: 'Authenticate', status: 401 });
    }
    if (req.headers['content-type'] !== 'application/x-www-form-urlencoded') {
      posted.status = 400;
      return send(400, { code: 20001, message: 'form body expected', status: 400 });
    }
    const next = this.scripted.shift();
    if (next) {
      posted.status = next.status;
      return send(next.status, next.body, next.headers);
    }
    posted.status = 201;
    this.delivered.push(posted);
    send(201, {
      sid: `SM${String(this.delivered.length).padStart(32, '0')}`,
      status: 'queued',
      to: posted.form.To,
    });
  }

  /** Waits until `count` messages were delivered, and returns them. */
  async waitForDelivered(count: number): Promise<Posted[]> {
    await vi.waitFor(() => expect(this.delivered.length).toBeGreaterThanOrEqual(count), {
      timeout: 10_000,
      interval: 20,
    });
    return this.delivered;
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

let cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
  cleanups = [];
});

function twilioEnv(api: FakeTwilioApi, extra: Record<string, string> = {}): Record<string, string> {
  return {
    LEADBOT_TWILIO_ACCOUNT_SID: ACCOUNT_SID,
    LEADBOT_TWILIO_AUTH_TOKEN: AUTH_TOKEN,
    // Given without the `whatsapp:` prefix on purpose: the channel normalises it.
    LEADBOT_TWILIO_WHATSAPP_NUMBER: '+14155238886',
    LEADBOT_TWILIO_API_BASE: api.url,
    ...extra,
  };
}

async function setup(extraEnv: Record<string, string> = {}, options: { logs?: boolean } = {}) {
  const api = await new FakeTwilioApi().start();
  const capture = options.logs ? capturingLogger() : undefined;
  const node = await startTestLeadbot(
    twilioEnv(api, extraEnv),
    undefined,
    capture ? { logger: capture.logger } : {},
  );
  cleanups.push(
    () => node.close(),
    () => api.close(),
  );
  return { api, node, lines: capture?.lines ?? [] };
}

let sidCounter = 0;
/** A new MessageSid, shaped like Twilio's (SM + 32 hex). */
function newSid(): string {
  sidCounter++;
  return `SM${sidCounter.toString(16).padStart(8, '0')}${'c0ffee'.repeat(4)}`;
}

/** An inbound WhatsApp message as Twilio posts it (fields of a real sandbox webhook). */
function inbound(body: string, over: Record<string, string> = {}): Record<string, string> {
  const sid = over.MessageSid ?? newSid();
  return {
    SmsMessageSid: sid,
    NumMedia: '0',
    ProfileName: 'Carlos López',
    SmsSid: sid,
    WaId: WA_ID,
    SmsStatus: 'received',
    Body: body,
    To: SENDER,
    NumSegments: '1',
    ReferralNumMedia: '0',
    MessageSid: sid,
    AccountSid: ACCOUNT_SID,
    From: `whatsapp:+${WA_ID}`,
    ApiVersion: '2010-04-01',
    ...over,
  };
}

/**
 * POSTs a form to `/webhooks/twilio`, signed with the twilio package's own function over `signUrl`
 * (default: the URL the request is sent to). `signature: null` sends none.
 */
async function post(
  baseUrl: string,
  params: Record<string, string>,
  options: {
    signUrl?: string;
    signature?: string | null;
    token?: string;
    rawBody?: string;
    contentType?: string;
  } = {},
) {
  const url = `${baseUrl}/webhooks/twilio`;
  const signature =
    options.signature === undefined
      ? twilio.getExpectedTwilioSignature(options.token ?? AUTH_TOKEN, options.signUrl ?? url, params)
      : options.signature;
  const res = await fetch(url, {
    method: 'POST',
    headers: {
      'content-type': options.contentType ?? 'application/x-www-form-urlencoded',
      ...(signature === null ? {} : { 'x-twilio-signature': signature }),
    },
    body: options.rawBody ?? new URLSearchParams(params).toString(),
  });
  const text = await res.text();
  return { status: res.status, type: res.headers.get('content-type') ?? '', text };
}

const EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response/>';

function errorCode(text: string): string | undefined {
  return (JSON.parse(text) as { error?: { code?: string } }).error?.code;
}

async function leadsOf(url: string): Promise<LeadPayload[]> {
  const { status, body } = await getLeads(url);
  expect(status).toBe(200);
  return (body.leads ?? []).map((l) => LeadPayloadSchema.parse(l));
}

/** The `<Message>` texts of a TwiML answer, unescaped. */
function twimlMessages(xml: string): string[] {
  return [...xml.matchAll(/<Message>([\s\S]*?)<\/Message>/g)].map((m) =>
    m[1]!.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&#xD;/g, '\r').replace(/&amp;/g, '&'),
  );
}

describe('Twilio WhatsApp webhook, REST replies (real leadbot, fake Twilio REST API)', () => {
  it('holds a whole WhatsApp conversation to a stored lead, replies sent through the REST API', async () => {
    const { api, node, lines } = await setup({}, { logs: true });

    let res = await post(
      node.url,
      inbound('Hola, necesito info sobre sus planes, tenemos problemas con los tiempos de entrega'),
    );
    expect(res.status).toBe(200);
    expect(res.type).toMatch(/^text\/xml/);
    expect(res.text).toBe(EMPTY_TWIML);
    let [reply] = await api.waitForDelivered(1);
    expect(reply!.authorized).toBe(true);
    expect(reply!.form.From).toBe(SENDER);
    expect(reply!.form.To).toBe(`whatsapp:+${WA_ID}`);
    expect(reply!.form.Body).toMatch(/entrega/i);
    expect(reply!.form.Body).toMatch(/\?\s*$/);
    expect(reply!.idempotencyToken).toBeTruthy();

    // Content-type parameters (as some Twilio regions send them) are fine.
    res = await post(node.url, inbound('Soy el Ing. Carlos López'), {
      contentType: 'application/x-www-form-urlencoded; charset=UTF-8',
    });
    expect(res.status).toBe(200);
    reply = (await api.waitForDelivered(2))[1];
    expect(reply!.form.Body).toMatch(/correo/i);

    res = await post(node.url, inbound('es carlos@rutas-lopez.mx'));
    expect(res.status).toBe(200);
    reply = (await api.waitForDelivered(3))[2];
    expect(reply!.form.Body).toMatch(/López/);
    expect(reply!.form.Body).toMatch(/registrado/);

    const leads = await leadsOf(node.url);
    expect(leads).toHaveLength(1);
    expect(leads[0]).toMatchObject({
      channel: 'twilio',
      tenant_id: 'demo',
      language: 'es',
      contact_info: {
        name: 'Ing. Carlos López',
        email: 'carlos@rutas-lopez.mx',
        phone_or_username: `+${WA_ID}`,
      },
    });
    // Every reply is its own message: distinct idempotency tokens, all with basic auth.
    expect(new Set(api.posts.map((p) => p.idempotencyToken)).size).toBe(3);
    expect(api.posts.every((p) => p.authorized)).toBe(true);

    const health = (await (await fetch(`${node.url}/health`)).json()) as {
      channels: Record<string, unknown>;
    };
    expect(health.channels.twilio).toMatchObject({ reply: 'rest', received: 3, sent: 3, failed: 0 });
    // The channel's own log lines carry ids, never the person's number, name or words.
    const channelLogs = JSON.stringify(
      lines.filter((l) => l.component === 'twilio' || l.channel === 'twilio'),
    );
    expect(channelLogs).toContain('Twilio WhatsApp channel on');
    for (const pii of [WA_ID, 'Carlos', 'entrega', AUTH_TOKEN]) expect(channelLogs).not.toContain(pii);
  });

  it('refuses unsigned and wrongly signed requests with 401 bad_signature: nothing stored, nothing sent', async () => {
    const { api, node } = await setup();
    const params = inbound('Hola, quiero una cotización. Soy Ana Pérez, ana@example.com');
    const attempts = [
      await post(node.url, params, { signature: null }),
      await post(node.url, params, { signature: '' }),
      await post(node.url, params, { token: 'not-the-auth-token' }),
      await post(node.url, params, { signature: 'RSOYDt4T1cUTdK1PDd93/VVr8B8=' }),
      // Signed, then tampered with on the way.
      await post(node.url, params, {
        signature: twilio.getExpectedTwilioSignature(AUTH_TOKEN, `${node.url}/webhooks/twilio`, params),
        rawBody: new URLSearchParams({ ...params, Body: 'otra cosa' }).toString(),
      }),
      // Signed for another path.
      await post(node.url, params, { signUrl: `${node.url}/webhooks/other` }),
    ];
    for (const res of attempts) {
      expect(res.status).toBe(401);
      expect(errorCode(res.text)).toBe('bad_signature');
    }
    // The same message correctly signed still goes through: nothing was recorded before.
    expect((await post(node.url, params)).status).toBe(200);
    await api.waitForDelivered(1);
    await new Promise((r) => setTimeout(r, 300));
    expect(api.posts).toHaveLength(1);
    const health = (await (await fetch(`${node.url}/health`)).json()) as {
      channels: Record<string, unknown>;
    };
    expect(health.channels.twilio).toMatchObject({ bad_signatures: 6, received: 1 });
  });

  it('a refused request stores nothing', async () => {
    const { api, node } = await setup();
    const res = await post(node.url, inbound('Soy Ana Pérez, ana@example.com, quiero una cotización'), {
      signature: null,
    });
    expect(res.status).toBe(401);
    await new Promise((r) => setTimeout(r, 300));
    expect(await leadsOf(node.url)).toEqual([]);
    expect(api.posts).toEqual([]);
  });

  it('with LEADBOT_PUBLIC_URL, checks the signature over the public URL, not the local one', async () => {
    const publicUrl = 'https://bot.example.com';
    const { api, node } = await setup({ LEADBOT_PUBLIC_URL: `${publicUrl}/` });
    const local = await post(node.url, inbound('Hola, necesito info'));
    expect(local.status).toBe(401);
    expect(errorCode(local.text)).toBe('bad_signature');
    const signedPublic = await post(node.url, inbound('Hola, necesito info'), {
      signUrl: `${publicUrl}/webhooks/twilio`,
    });
    expect(signedPublic.status).toBe(200);
    await api.waitForDelivered(1);
    // The query string is part of what Twilio signs.
    const params = inbound('Hola otra vez');
    const res = await fetch(`${node.url}/webhooks/twilio?src=wa`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        'x-twilio-signature': twilio.getExpectedTwilioSignature(
          AUTH_TOKEN,
          `${publicUrl}/webhooks/twilio?src=wa`,
          params,
        ),
      },
      body: new URLSearchParams(params).toString(),
    });
    expect(res.status).toBe(200);
    await api.waitForDelivered(2);
  });

  it('answers a replayed MessageSid once', async () => {
    const { api, node } = await setup();
    const first = inbound('Hola, necesito info sobre sus planes');
    expect((await post(node.url, first)).status).toBe(200);
    await api.waitForDelivered(1);
    const replay = await post(node.url, first);
    expect(replay.status).toBe(200);
    expect(replay.text).toBe(EMPTY_TWIML);
    // A later message's reply comes after anything the replay could have caused (one queue per person).
    expect((await post(node.url, inbound('Soy Marta Ruiz'))).status).toBe(200);
    const delivered = await api.waitForDelivered(2);
    await new Promise((r) => setTimeout(r, 200));
    expect(delivered).toHaveLength(2);
    expect(delivered[1]!.form.Body).toMatch(/Marta/);
  });

  it('acknowledges status callbacks with 200 and ignores them', async () => {
    const { api, node } = await setup();
    const status = {
      SmsSid: 'SMc4c96554c26604013c6b7f1b4bXXXXX',
      SmsStatus: 'sent',
      MessageStatus: 'sent',
      ChannelToAddress: '+52155123XXXX',
      To: `whatsapp:+${WA_ID}`,
      ChannelPrefix: 'whatsapp',
      MessageSid: 'SMc4c96554c26604013c6b7f1b4b6DDDDD',
      AccountSid: ACCOUNT_SID,
      StructuredMessage: 'false',
      From: SENDER,
      ApiVersion: '2010-04-01',
      ChannelInstallSid: 'XEcc20d939f803ee381f2442185EEEEE',
    };
    for (const s of ['sent', 'delivered', 'read']) {
      const res = await post(node.url, { ...status, SmsStatus: s, MessageStatus: s });
      expect(res.status).toBe(200);
      expect(res.text).toBe(EMPTY_TWIML);
    }
    await new Promise((r) => setTimeout(r, 300));
    expect(api.posts).toEqual([]);
    expect(await leadsOf(node.url)).toEqual([]);
  });

  it('asks for text, in Spanish and English, when a message only has media; once per MessageSid', async () => {
    const { api, node } = await setup();
    const photo = inbound('', {
      NumMedia: '1',
      MediaContentType0: 'image/jpeg',
      MediaUrl0: `https://api.twilio.com/2010-04-01/Accounts/${ACCOUNT_SID}/Messages/MM1/Media/ME1`,
    });
    expect((await post(node.url, photo)).status).toBe(200);
    const [reply] = await api.waitForDelivered(1);
    expect(reply!.form.Body).toMatch(/solo puedo leer mensajes de texto/);
    expect(reply!.form.Body).toMatch(/only read text messages/);
    expect((await post(node.url, photo)).status).toBe(200);
    // An empty message (no text, no media) is acknowledged and nothing is queued.
    const empty = await post(node.url, inbound('   '));
    expect(empty.status).toBe(200);
    expect(empty.text).toBe(EMPTY_TWIML);
    await new Promise((r) => setTimeout(r, 300));
    expect(api.posts).toHaveLength(1);
  });

  it('takes a quick-reply button as the text', async () => {
    const { api, node } = await setup();
    expect(
      (
        await post(
          node.url,
          inbound('', { ButtonText: 'Necesito soporte técnico', ButtonPayload: 'support' }),
        )
      ).status,
    ).toBe(200);
    const [reply] = await api.waitForDelivered(1);
    expect(reply!.form.Body?.length).toBeGreaterThan(0);
  });

  it('refuses malformed bodies with a clear 4xx, processing nothing', async () => {
    const { api, node } = await setup();
    const { From: _from, ...noFrom } = inbound('hola');
    const { MessageSid: _sid, SmsMessageSid: _s1, SmsSid: _s2, ...noSid } = inbound('hola');
    const cases: Array<[Record<string, string>, RegExp]> = [
      [noFrom, /From is missing/],
      [noSid, /MessageSid is missing/],
      [inbound('hola', { From: '+5215512345678', WaId: '' }), /not a WhatsApp address/],
      [{ garbage: '%%%', '': '=' }, /From is missing|MessageSid is missing/],
    ];
    for (const [params, message] of cases) {
      const res = await post(node.url, params);
      expect(res.status).toBe(400);
      const body = JSON.parse(res.text) as { error: { code: string; message: string } };
      expect(body.error.code).toBe('invalid_message');
      expect(body.error.message).toMatch(message);
      expect(res.text).not.toMatch(/at \w+ \(/);
    }
    // Junk bytes that still parse as a (meaningless) form.
    const junk = await post(
      node.url,
      {},
      {
        rawBody: '%%%&&==&%zz=1',
        signature: twilio.getExpectedTwilioSignature(AUTH_TOKEN, `${node.url}/webhooks/twilio`, {
          '%%%': '',
          '': '=',
          '%zz': '1',
        }),
      },
    );
    expect(junk.status).toBe(400);
    expect(errorCode(junk.text)).toBe('invalid_message');
    // JSON is not what Twilio sends.
    const json = await post(
      node.url,
      {},
      { rawBody: '{"From":"whatsapp:+1"}', contentType: 'application/json' },
    );
    expect(json.status).toBe(415);
    expect(errorCode(json.text)).toBe('invalid_message');
    await new Promise((r) => setTimeout(r, 200));
    expect(api.posts).toEqual([]);
    // The server is still fine, and the form parser stayed in the Twilio route's scope: JSON routes work.
    expect((await post(node.url, inbound('Hola'))).status).toBe(200);
    await api.waitForDelivered(1);
    const rest = await fetch(`${node.url}/webhooks/rest`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ sender: 'rest-user', message: 'Hola' }),
    });
    expect(rest.status).toBe(200);
    expect(((await rest.json()) as unknown[]).length).toBeGreaterThan(0);
  });

  it('refuses an oversized body with 413', async () => {
    const { api, node } = await setup();
    const res = await post(node.url, inbound('x'.repeat(300 * 1024)));
    expect(res.status).toBe(413);
    expect(errorCode(res.text)).toBe('message_too_long');
    // A message within the body limit but over the text limit gets a polite answer instead of silence.
    const long = await post(node.url, inbound('palabra '.repeat(1000)));
    expect(long.status).toBe(200);
    const [reply] = await api.waitForDelivered(1);
    expect(reply!.form.Body).toMatch(/demasiado largo/);
    expect(reply!.form.Body).toMatch(/too long/);
  });

  it('delivers once after a 429, honouring Retry-After, with the same idempotency token', async () => {
    const { api, node } = await setup();
    api.scripted.push({
      status: 429,
      headers: { 'retry-after': '1' },
      body: { code: 20429, message: 'Too Many Requests', status: 429 },
    });
    const started = Date.now();
    expect((await post(node.url, inbound('Hola, necesito info'))).status).toBe(200);
    const delivered = await api.waitForDelivered(1);
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
    await new Promise((r) => setTimeout(r, 300));
    expect(delivered).toHaveLength(1);
    expect(api.posts.map((p) => p.status)).toEqual([429, 201]);
    expect(api.posts[0]!.idempotencyToken).toBe(api.posts[1]!.idempotencyToken);
  });

  it('answers 503 when the message cannot be queued, so Twilio retries it', async () => {
    const { api, node } = await setup();
    await node.bus.drain();
    const res = await post(node.url, inbound('Hola'));
    expect(res.status).toBe(503);
    expect(errorCode(res.text)).toBe('shutting_down');
    expect(api.posts).toEqual([]);
  });
});

describe('Twilio WhatsApp webhook, TwiML replies', () => {
  function configFile(settings: unknown): string {
    const file = join(mkdtempSync(join(tmpdir(), 'leadbot-twiml-')), 'config.json');
    writeFileSync(file, JSON.stringify(settings));
    return file;
  }

  it('answers with the reply in TwiML and sends nothing through REST', async () => {
    const { api, node } = await setup({
      LEADBOT_CONFIG: configFile({ channels: { twilio: { reply: 'twiml' } } }),
    });
    const message = inbound(
      'Hola, necesito info sobre sus planes, tenemos problemas con los tiempos de entrega',
    );
    const res = await post(node.url, message);
    expect(res.status).toBe(200);
    expect(res.type).toMatch(/^text\/xml/);
    expect(res.text).toMatch(/^<\?xml version="1\.0" encoding="UTF-8"\?><Response><Message>/);
    const [text] = twimlMessages(res.text);
    expect(text).toMatch(/entrega/i);
    // Same document twilio's own TwiML builder writes for that text.
    const expected = new twilio.twiml.MessagingResponse();
    for (const m of twimlMessages(res.text)) expected.message(m);
    expect(res.text).toBe(expected.toString());

    const replay = await post(node.url, message);
    expect(replay.text).toBe(EMPTY_TWIML);
    await new Promise((r) => setTimeout(r, 300));
    expect(api.posts).toEqual([]);
  });

  it('when the turn outlasts the wait, answers an empty TwiML and sends the reply through REST', async () => {
    const { api, node } = await setup({
      LEADBOT_CONFIG: configFile({
        server: { restReplyTimeoutMs: 150 },
        // Holding each message 600 ms makes the turn outlast the 150 ms wait.
        bus: { coalesceMs: 600 },
        channels: { twilio: { reply: 'twiml' } },
      }),
    });
    const res = await post(node.url, inbound('Hola, necesito info sobre sus planes'));
    expect(res.status).toBe(200);
    expect(res.text).toBe(EMPTY_TWIML);
    const [reply] = await api.waitForDelivered(1);
    expect(reply!.form.To).toBe(`whatsapp:+${WA_ID}`);
    expect(reply!.form.Body?.length).toBeGreaterThan(0);
    await new Promise((r) => setTimeout(r, 300));
    expect(api.delivered).toHaveLength(1);
  });
});

describe('Twilio channel switch', () => {
  it('is off, with one log line naming what is missing, when credentials are not all set', async () => {
    const { logger, lines } = capturingLogger();
    const node = await startTestLeadbot({ LEADBOT_TWILIO_ACCOUNT_SID: ACCOUNT_SID }, undefined, { logger });
    cleanups.push(() => node.close());
    const res = await fetch(`${node.url}/webhooks/twilio`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'Body=hi',
    });
    expect(res.status).toBe(404);
    const off = lines.filter(
      (l) => typeof l.msg === 'string' && l.msg.includes('Twilio WhatsApp channel off'),
    );
    expect(off).toHaveLength(1);
    expect(off[0]!.msg).toMatch(/LEADBOT_TWILIO_AUTH_TOKEN, LEADBOT_TWILIO_WHATSAPP_NUMBER/);
    expect(off[0]!.msg).not.toMatch(/LEADBOT_TWILIO_ACCOUNT_SID/);
    const health = (await (await fetch(`${node.url}/health`)).json()) as {
      channels: Record<string, unknown>;
    };
    expect(health.channels).not.toHaveProperty('twilio');
  });

  it('refuses to start with a sender number that is not a phone number', async () => {
    const api = await new FakeTwilioApi().start();
    cleanups.push(() => api.close());
    await expect(
      startTestLeadbot(twilioEnv(api, { LEADBOT_TWILIO_WHATSAPP_NUMBER: 'my-business' })),
    ).rejects.toThrow(/LEADBOT_TWILIO_WHATSAPP_NUMBER/);
  });
});
