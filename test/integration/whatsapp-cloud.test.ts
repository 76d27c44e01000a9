import { createHmac } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { ShuttingDownError } from '../../src/errors.ts';
import { capturingLogger } from '../helpers/log-capture.ts';
import type { Leadbot } from '../../src/main.ts';
import { LeadPayloadSchema, type InboundMessage, type LeadPayload } from '../../src/protocol/index.ts';
import { getLeads, startTestLeadbot } from '../helpers/in-process.ts';

const APP_SECRET = 'test-app-secret-4f1c';
const VERIFY_TOKEN = 'verify-me-7781';
const GRAPH_TOKEN = 'EAAG-test-token';
const PHONE_NUMBER_ID = '1122334455667';

interface GraphRequest {
  path: string;
  auth: string | undefined;
  body: Record<string, unknown>;
}

/** A local stand-in for graph.facebook.com: records every call, answers 200 unless told otherwise. */
class FakeGraphApi {
  readonly requests: GraphRequest[] = [];
  private readonly overrides: {
    match: (b: Record<string, unknown>) => boolean;
    status: number;
    headers: Record<string, string>;
    body: unknown;
  }[] = [];
  private server!: Server;
  url = '';

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>;
        this.requests.push({ path: req.url ?? '', auth: req.headers.authorization, body });
        const index = this.overrides.findIndex((o) => o.match(body));
        if (index >= 0) {
          const [override] = this.overrides.splice(index, 1);
          res.writeHead(override!.status, { 'content-type': 'application/json', ...override!.headers });
          res.end(JSON.stringify(override!.body));
          return;
        }
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(
          JSON.stringify({
            messaging_product: 'whatsapp',
            contacts: [{ input: body.to ?? body.recipient, wa_id: body.to }],
            messages: [{ id: `wamid.OUT${this.requests.length}` }],
          }),
        );
      });
    });
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  /** The next request matching `match` gets this answer. */
  answerOnce(
    match: (b: Record<string, unknown>) => boolean,
    status: number,
    body: unknown,
    headers = {},
  ): void {
    this.overrides.push({ match, status, headers, body });
  }

  /** Sends of one type (`text`, `template`) to one person (`to` phone digits or `recipient` BSUID). */
  sends(type: string, who: string): GraphRequest[] {
    return this.requests.filter(
      (r) => r.body.type === type && (r.body.to === who || r.body.recipient === who),
    );
  }

  texts(who: string): string[] {
    return this.sends('text', who).map((r) => (r.body.text as { body: string }).body);
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

// Payloads follow the shapes Meta sends (see the Cloud API webhook reference and pywa's recorded updates).
interface Person {
  waId?: string;
  bsuid?: string;
  name?: string;
  username?: string;
}

function contactOf(p: Person): Record<string, unknown> {
  return {
    profile: { ...(p.name ? { name: p.name } : {}), ...(p.username ? { username: p.username } : {}) },
    ...(p.waId ? { wa_id: p.waId } : {}),
    ...(p.bsuid ? { user_id: p.bsuid } : {}),
  };
}

function messagesDelivery(items: { person: Person; message: Record<string, unknown> }[]): unknown {
  return {
    object: 'whatsapp_business_account',
    entry: [
      {
        id: '1234567890987654321',
        changes: [
          {
            value: {
              messaging_product: 'whatsapp',
              metadata: { display_phone_number: '972123456789', phone_number_id: PHONE_NUMBER_ID },
              contacts: items.map((i) => contactOf(i.person)),
              messages: items.map(({ person, message }) => ({
                ...(person.waId ? { from: person.waId } : {}),
                ...(person.bsuid && !person.waId ? { from_user_id: person.bsuid } : {}),
                timestamp: String(Math.floor(Date.now() / 1000)),
                ...message,
              })),
            },
            field: 'messages',
          },
        ],
      },
    ],
  };
}

let wamidCounter = 0;
function textFrom(person: Person, body: string, extra: Record<string, unknown> = {}): unknown {
  return messagesDelivery([
    { person, message: { id: `wamid.T${++wamidCounter}`, type: 'text', text: { body }, ...extra } },
  ]);
}

function sign(body: string | Buffer, secret = APP_SECRET): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

async function deliver(
  url: string,
  payload: unknown,
  options: { signature?: string | null; raw?: string | Buffer } = {},
): Promise<{ status: number; body: Record<string, unknown> }> {
  const raw = options.raw ?? JSON.stringify(payload);
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (options.signature !== null) headers['x-hub-signature-256'] = options.signature ?? sign(raw);
  const res = await fetch(`${url}/webhooks/whatsapp`, { method: 'POST', headers, body: raw });
  const text = await res.text();
  return { status: res.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
}

async function waitFor<T>(
  read: () => T | undefined | Promise<T | undefined>,
  what: string,
  timeoutMs = 10_000,
): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (value !== undefined) return value;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Waits until `who` has received `count` text messages, then returns them all. */
function repliesTo(fake: FakeGraphApi, who: string, count: number): Promise<string[]> {
  return waitFor(() => {
    const texts = fake.texts(who);
    return texts.length >= count ? texts : undefined;
  }, `${count} WhatsApp replies to ${who}`);
}

async function leadOf(url: string, conversationId: string): Promise<LeadPayload | undefined> {
  const { body } = await getLeads(url);
  return (body.leads ?? [])
    .map((l) => LeadPayloadSchema.parse(l))
    .find((l) => l.conversation_id === conversationId);
}

const settle = (ms = 400) => new Promise((r) => setTimeout(r, ms));

function env(fake: FakeGraphApi, extra: Record<string, string> = {}): Record<string, string> {
  return {
    LEADBOT_WHATSAPP_TOKEN: GRAPH_TOKEN,
    LEADBOT_WHATSAPP_PHONE_NUMBER_ID: PHONE_NUMBER_ID,
    LEADBOT_WHATSAPP_APP_SECRET: APP_SECRET,
    LEADBOT_WHATSAPP_VERIFY_TOKEN: VERIFY_TOKEN,
    LEADBOT_WHATSAPP_API_BASE: fake.url,
    ...extra,
  };
}

describe('WhatsApp Cloud channel: real leadbot, signed webhooks, fake Graph API', () => {
  const fake = new FakeGraphApi();
  const logs = capturingLogger({ level: 'info', nodeId: 'wa-test' });
  let node: Leadbot & { url: string };
  const published: InboundMessage[] = [];
  /** userIds whose next publish is refused (as a full queue or a shutdown would). */
  const refuseNext = new Set<string>();

  beforeAll(async () => {
    await fake.start();
    node = await startTestLeadbot(env(fake), undefined, { logger: logs.logger });
    const publish = node.bus.publish.bind(node.bus);
    vi.spyOn(node.bus, 'publish').mockImplementation((message) => {
      if (message.channel === 'whatsapp' && refuseNext.delete(message.userId))
        return Promise.reject(new ShuttingDownError());
      published.push(message);
      return publish(message);
    });
  });
  afterAll(async () => {
    await node?.close();
    await fake.close();
  });

  it('answers GET verification with the challenge for the right token only', async () => {
    const verify = (query: string) => fetch(`${node.url}/webhooks/whatsapp?${query}`);
    let res = await verify(`hub.mode=subscribe&hub.verify_token=${VERIFY_TOKEN}&hub.challenge=1158201444`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
    expect(await res.text()).toBe('1158201444');

    res = await verify('hub.mode=subscribe&hub.verify_token=wrong&hub.challenge=1158201444');
    expect(res.status).toBe(403);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('bad_signature');

    res = await verify(`hub.mode=subscribe&hub.verify_token=${VERIFY_TOKEN}`);
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('invalid_message');
    res = await verify(`hub.mode=unsubscribe&hub.verify_token=${VERIFY_TOKEN}&hub.challenge=1`);
    expect(res.status).toBe(400);
  });

  it('holds a whole conversation to a stored lead (channel whatsapp, +wa_id, wa.me source, profile name)', async () => {
    const ana: Person = { waId: '5215511112222', bsuid: 'MX.1502576394655843', name: 'Carlos WA' };
    const conversationId = `demo:whatsapp:${ana.bsuid}`;
    const first = 'Hola, necesito info sobre sus planes, tenemos problemas con los tiempos de entrega';
    const r = await deliver(node.url, textFrom(ana, first));
    expect(r).toEqual({
      status: 200,
      body: { status: 'ok', accepted: 1, duplicates: 0, unsupported: 0, statuses: 0 },
    });
    let replies = await repliesTo(fake, ana.waId!, 1);
    expect(replies[0]).toMatch(/entrega/i);
    expect(replies[0]).toMatch(/\?\s*$/);

    const send = fake.sends('text', ana.waId!)[0]!;
    expect(send.path).toBe(`/v21.0/${PHONE_NUMBER_ID}/messages`);
    expect(send.auth).toBe(`Bearer ${GRAPH_TOKEN}`);
    expect(send.body).toEqual({
      messaging_product: 'whatsapp',
      recipient_type: 'individual',
      to: ana.waId,
      type: 'text',
      text: { body: replies[0], preview_url: false },
    });

    await deliver(node.url, textFrom(ana, 'Soy el Ing. Carlos López'));
    replies = await repliesTo(fake, ana.waId!, 2);
    expect(replies[1]).toMatch(/correo/i);
    await deliver(node.url, textFrom(ana, 'es carlos@rutas-lopez.mx'));
    replies = await repliesTo(fake, ana.waId!, 3);
    expect(replies[2]).toMatch(/López/);

    const lead = await waitFor(() => leadOf(node.url, conversationId), 'the stored lead');
    expect(lead).toMatchObject({
      channel: 'whatsapp',
      tenant_id: 'demo',
      contact_info: {
        name: 'Ing. Carlos López',
        email: 'carlos@rutas-lopez.mx',
        phone_or_username: '+5215511112222',
      },
      source: `wa.me:${first}`,
      status: 'complete',
    });
    // The profile name travels with every message to the runtime.
    const mine = published.filter((m) => m.conversationId === conversationId);
    expect(mine).toHaveLength(3);
    for (const m of mine) expect(m.profile).toEqual({ name: 'Carlos WA', phone: '+5215511112222' });
    expect(mine.map((m) => m.source)).toEqual([`wa.me:${first}`, undefined, undefined]);
    // Each message was marked as read with a typing indicator while the bot thought.
    const typing = fake.requests.filter((r) => r.body.status === 'read').map((r) => r.body);
    for (const m of mine)
      expect(typing).toContainEqual({
        messaging_product: 'whatsapp',
        status: 'read',
        message_id: m.id,
        typing_indicator: { type: 'text' },
      });
  });

  it('an interactive reply arrives as its title', async () => {
    const luis: Person = { waId: '5215533334444', name: 'Luis' };
    const delivery = messagesDelivery([
      {
        person: luis,
        message: {
          id: 'wamid.INTERACTIVE1',
          type: 'interactive',
          interactive: {
            type: 'button_reply',
            button_reply: { id: 'plan_pro', title: 'Quiero el plan Pro' },
          },
        },
      },
    ]);
    expect((await deliver(node.url, delivery)).status).toBe(200);
    await repliesTo(fake, luis.waId!, 1);
    const history = await node.store.getHistory(`demo:whatsapp:${luis.waId}`, 5);
    expect(history[0]).toMatchObject({
      role: 'user',
      text: 'Quiero el plan Pro',
      messageId: 'wamid.INTERACTIVE1',
    });
  });

  it('a Click-to-WhatsApp ad referral is recorded as the lead source', async () => {
    const eva: Person = { waId: '5215555556666', bsuid: 'MX.777000111', name: 'Eva' };
    const referral = {
      source_url: 'https://fb.me/ad',
      source_id: '120210000000001',
      source_type: 'ad',
      headline: 'Plan Pro -20%',
      body: 'Cotice hoy',
      media_type: 'image',
      image_url: 'https://scontent.example/img.jpg',
      ctwa_clid: 'ARAkLk-CLID',
    };
    await deliver(node.url, textFrom(eva, 'Hola, necesito una cotización', { referral }));
    await repliesTo(fake, eva.waId!, 1);
    await deliver(node.url, textFrom(eva, 'Soy Ana Ruiz, ana@ruiz.mx'));
    await repliesTo(fake, eva.waId!, 2);
    const lead = await waitFor(() => leadOf(node.url, `demo:whatsapp:${eva.bsuid}`), 'the stored lead');
    expect(lead).toMatchObject({ source: 'ad:120210000000001', channel: 'whatsapp' });
  });

  it('a username-only contact (no phone) is keyed by BSUID, stored as @username and answered via recipient', async () => {
    const jane: Person = { bsuid: 'BR.1502576394655843', username: 'jane.doe', name: 'Jane' };
    await deliver(node.url, textFrom(jane, 'Hola, necesito una cotización'));
    const replies = await repliesTo(fake, jane.bsuid!, 1);
    expect(replies[0]).toBeTruthy();
    const send = fake.sends('text', jane.bsuid!)[0]!;
    expect(send.body.recipient).toBe(jane.bsuid);
    expect(send.body).not.toHaveProperty('to');
    await deliver(node.url, textFrom(jane, 'Soy Jane Doe, jane@doe.io'));
    await repliesTo(fake, jane.bsuid!, 2);
    const lead = await waitFor(() => leadOf(node.url, `demo:whatsapp:${jane.bsuid}`), 'the stored lead');
    expect(lead.contact_info.phone_or_username).toBe('@jane.doe');
  });

  it('delivery statuses are acknowledged and ignored; failed ones are logged with their code only', async () => {
    const before = fake.requests.length;
    const statuses = {
      object: 'whatsapp_business_account',
      entry: [
        {
          id: '5467539754836534',
          changes: [
            {
              value: {
                messaging_product: 'whatsapp',
                metadata: { display_phone_number: '972123456789', phone_number_id: PHONE_NUMBER_ID },
                statuses: [
                  {
                    id: 'wamid.STATUS_SENT',
                    status: 'sent',
                    timestamp: '1698266945',
                    recipient_id: '5219998887777',
                    conversation: { id: '7270432eae', origin: { type: 'service' } },
                    pricing: { billable: true, pricing_model: 'CBP', category: 'service' },
                  },
                  {
                    id: 'wamid.STATUS_FAILED',
                    status: 'failed',
                    timestamp: '1689380458',
                    recipient_id: '5219998887777',
                    errors: [{ code: 130472, title: "User's number is part of an experiment" }],
                  },
                ],
              },
              field: 'messages',
            },
          ],
        },
      ],
    };
    const r = await deliver(node.url, statuses);
    expect(r).toEqual({
      status: 200,
      body: { status: 'ok', accepted: 0, duplicates: 0, unsupported: 0, statuses: 2 },
    });
    await settle(200);
    expect(fake.requests.length).toBe(before);
    // Message ids are pseudonymised in logs (a wamid embeds the number): find the line by its codes.
    const line = logs.lines.find(
      (l) => Array.isArray(l.codes) && l.msg !== 'WhatsApp webhook reported errors',
    );
    expect(line?.messageId).toMatch(/^~[0-9a-f]{12}$/);
    expect(line).toMatchObject({ level: 40, codes: [130472] });
    expect(logs.text()).not.toContain('5219998887777');
  });

  it('a message for another business number of the account is acknowledged but not answered', async () => {
    const other: Person = { waId: '5215515151515', name: 'Otro' };
    const payload = JSON.parse(
      JSON.stringify(textFrom(other, 'Hola')).replace(PHONE_NUMBER_ID, '9988776655'),
    ) as unknown;
    const r = await deliver(node.url, payload);
    expect(r).toMatchObject({ status: 200, body: { accepted: 0 } });
    await settle();
    expect(fake.texts(other.waId!)).toEqual([]);
    expect(published.some((m) => m.userId === other.waId)).toBe(false);
    expect(logs.lines.some((l) => l.phoneNumberId === '9988776655' && l.level === 40)).toBe(true);
  });

  it('a wrong or missing signature gets 401 and nothing is stored or sent', async () => {
    const mallory: Person = { waId: '5215500000001', name: 'Mallory' };
    const payload = textFrom(mallory, 'Hola, quiero info');
    const raw = JSON.stringify(payload);
    for (const signature of [sign(raw, 'not-the-secret'), null, 'sha256=', sign(raw).slice(0, -2)]) {
      const r = await deliver(node.url, payload, { signature });
      expect(r.status).toBe(401);
      expect((r.body.error as { code: string }).code).toBe('bad_signature');
    }
    // Signed, then altered by one byte on the way.
    const r = await deliver(node.url, payload, {
      raw: raw.replace('quiero', 'quieto'),
      signature: sign(raw),
    });
    expect(r.status).toBe(401);
    await settle();
    expect(fake.sends('text', mallory.waId!)).toEqual([]);
    expect(await node.store.getHistory(`demo:whatsapp:${mallory.waId}`, 5)).toEqual([]);
    expect(published.some((m) => m.userId === mallory.waId)).toBe(false);
  });

  it('malformed JSON (signed) gets 400 bad_json, a wrong shape 400 invalid_message, an oversized body 413', async () => {
    let r = await deliver(node.url, undefined, { raw: '{"object":"whatsapp_business_account","entry":[' });
    expect(r.status).toBe(400);
    expect((r.body.error as { code: string }).code).toBe('bad_json');

    r = await deliver(node.url, {
      object: 'whatsapp_business_account',
      entry: [
        {
          changes: [{ field: 'messages', value: { messages: [{ type: 'text', text: { body: 'sin id' } }] } }],
        },
      ],
    });
    expect(r.status).toBe(400);
    expect((r.body.error as { code: string; message: string }).code).toBe('invalid_message');
    expect((r.body.error as { message: string }).message).toMatch(/messages\.0\.id/);

    const big = Buffer.alloc(node.config.server.bodyLimitBytes + 1024, 'a');
    const res = await fetch(`${node.url}/webhooks/whatsapp`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-hub-signature-256': sign(big) },
      body: big,
    });
    expect(res.status).toBe(413);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('message_too_long');
  });

  it('a duplicate delivery (same wamid) never produces a second reply', async () => {
    const rosa: Person = { waId: '5215577778888', name: 'Rosa' };
    const payload = textFrom(rosa, 'Hola, necesito una cotización');
    const [a, b] = await Promise.all([deliver(node.url, payload), deliver(node.url, payload)]);
    expect([a.body.accepted, b.body.accepted].sort()).toEqual([0, 1]);
    expect([a.body.duplicates, b.body.duplicates].sort()).toEqual([0, 1]);
    await repliesTo(fake, rosa.waId!, 1);
    // Meta retrying later, after the turn was handled.
    const again = await deliver(node.url, payload);
    expect(again.body).toMatchObject({ accepted: 0, duplicates: 1 });
    await settle();
    expect(fake.texts(rosa.waId!)).toHaveLength(1);
  });

  it('an image gets the es/en "text only" notice, once per wamid', async () => {
    const pepe: Person = { waId: '5215599990000', name: 'Pepe' };
    const payload = messagesDelivery([
      {
        person: pepe,
        message: {
          id: 'wamid.IMG1',
          type: 'image',
          image: { id: '1479537139650973', mime_type: 'image/jpeg' },
        },
      },
    ]);
    expect((await deliver(node.url, payload)).body).toMatchObject({ unsupported: 1 });
    const [text] = await repliesTo(fake, pepe.waId!, 1);
    expect(text).toMatch(/solo puedo leer mensajes de texto/);
    expect(text).toMatch(/only read text messages/);
    expect((await deliver(node.url, payload)).body).toMatchObject({ unsupported: 0, duplicates: 1 });
    await settle();
    expect(fake.texts(pepe.waId!)).toHaveLength(1);
  });

  it('a blank text is acknowledged without a reply; an over-long one gets the es/en "shorter parts" notice', async () => {
    const blank: Person = { waId: '5215513131313', name: 'Blank' };
    expect((await deliver(node.url, textFrom(blank, '   \n  '))).status).toBe(200);
    const long: Person = { waId: '5215514141414', name: 'Long' };
    const payload = textFrom(long, 'palabra '.repeat(510));
    expect((await deliver(node.url, payload)).status).toBe(200);
    const [text] = await repliesTo(fake, long.waId!, 1);
    expect(text).toMatch(/demasiado largo/);
    expect(text).toMatch(/too long/);
    expect((await deliver(node.url, payload)).body).toMatchObject({ duplicates: 1 });
    await settle();
    expect(fake.texts(long.waId!)).toHaveLength(1);
    expect(fake.texts(blank.waId!)).toEqual([]);
    expect(published.some((m) => m.userId === blank.waId || m.userId === long.waId)).toBe(false);
  });

  it('a 429 from the Graph API is retried after Retry-After and the reply arrives', async () => {
    const teo: Person = { waId: '5215512121212', name: 'Teo' };
    fake.answerOnce(
      (b) => b.to === teo.waId && b.type === 'text',
      429,
      {
        error: {
          message: '(#130429) Rate limit hit',
          type: 'OAuthException',
          code: 130429,
          fbtrace_id: 'A1',
        },
      },
      { 'retry-after': '1' },
    );
    const started = Date.now();
    await deliver(node.url, textFrom(teo, 'Hola, necesito una cotización'));
    await waitFor(() => (fake.sends('text', teo.waId!).length >= 2 ? true : undefined), 'the retried send');
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
    const sends = fake.sends('text', teo.waId!);
    expect(sends).toHaveLength(2);
    expect(sends[1]!.body).toEqual(sends[0]!.body);
    await settle();
    expect(fake.sends('text', teo.waId!)).toHaveLength(2);
  });

  it('a message that cannot be queued makes the webhook answer 503; the retried delivery is answered exactly once', async () => {
    const uno: Person = { waId: '5215510000001', name: 'Uno' };
    const dos: Person = { waId: '5215510000002', name: 'Dos' };
    const payload = messagesDelivery([
      {
        person: uno,
        message: { id: 'wamid.BATCH1', type: 'text', text: { body: 'Hola, necesito una cotización' } },
      },
      {
        person: dos,
        message: { id: 'wamid.BATCH2', type: 'text', text: { body: 'Hola, necesito soporte' } },
      },
    ]);
    refuseNext.add(dos.waId!);
    const first = await deliver(node.url, payload);
    expect(first.status).toBe(503);
    expect((first.body.error as { code: string }).code).toBe('shutting_down');
    const retry = await deliver(node.url, payload);
    expect(retry.status).toBe(200);
    expect(retry.body).toMatchObject({ accepted: 1, duplicates: 1 });
    await repliesTo(fake, uno.waId!, 1);
    await repliesTo(fake, dos.waId!, 1);
    await settle();
    expect(fake.texts(uno.waId!)).toHaveLength(1);
    expect(fake.texts(dos.waId!)).toHaveLength(1);
  });

  it('a reply outside the 24-hour window with no template is not sent, and a warn line says why', async () => {
    const conversationId = 'demo:whatsapp:5215543210000';
    const before = fake.requests.length;
    await node.bus.publishOutbound({
      type: 'bot.message',
      id: 'out_followup_1',
      tenantId: 'demo',
      channel: 'whatsapp',
      conversationId,
      userId: '5215543210000',
      inReplyTo: 'timer:followup',
      text: '¿Sigue interesado?',
      state: 'capture',
      language: 'es',
    });
    const line = await waitFor(
      () => logs.lines.find((l) => l.outboundId === 'out_followup_1'),
      'the window-closed log line',
    );
    expect(line).toMatchObject({ level: 40, channel: 'whatsapp' });
    expect(String(line.conversationId)).toMatch(/^demo:whatsapp:/);
    expect(String(line.msg)).toMatch(/window is closed.*windowTemplate/);
    expect(fake.requests.length).toBe(before);
  });

  it('/health shows the channel and logs carry no names or message text', async () => {
    const res = await fetch(`${node.url}/health`);
    const health = (await res.json()) as { channels: Record<string, Record<string, unknown>> };
    expect(health.channels.whatsapp).toMatchObject({ mode: 'webhook', path: '/webhooks/whatsapp' });
    expect(health.channels.whatsapp!.accepted).toBeGreaterThan(0);
    expect(health.channels.whatsapp!.badSignatures).toBeGreaterThan(0);
    const raw = logs.text();
    for (const secret of [GRAPH_TOKEN, APP_SECRET, VERIFY_TOKEN]) expect(raw).not.toContain(secret);
    for (const pii of [
      'Carlos WA',
      'carlos@rutas-lopez.mx',
      'jane.doe',
      'tiempos de entrega',
      'Quiero el plan Pro',
    ])
      expect(raw).not.toContain(pii);
  });
});

describe('WhatsApp Cloud channel: 24-hour window with a configured template (fake clock)', () => {
  const fake = new FakeGraphApi();
  let node: Leadbot & { url: string };
  let offset = 0;

  beforeAll(async () => {
    await fake.start();
    const dir = mkdtempSync(join(tmpdir(), 'leadbot-wa-'));
    const configFile = join(dir, 'config.json');
    writeFileSync(
      configFile,
      JSON.stringify({
        channels: { whatsapp: { windowTemplate: { name: 'retomar_conversacion', language: 'es_MX' } } },
      }),
    );
    node = await startTestLeadbot(env(fake, { LEADBOT_CONFIG: configFile }), join(dir, 'data'), {
      clock: { now: () => Date.now() + offset },
    });
  });
  afterAll(async () => {
    await node?.close();
    await fake.close();
  });

  it('answers with text inside the window and with the template once it has closed', async () => {
    const sara: Person = { waId: '5215566667777', name: 'Sara' };
    await deliver(node.url, textFrom(sara, 'Hola, necesito una cotización'));
    await repliesTo(fake, sara.waId!, 1);
    expect(fake.sends('template', sara.waId!)).toEqual([]);

    offset = 25 * 3_600_000;
    await node.bus.publishOutbound({
      type: 'bot.message',
      id: 'out_late_1',
      tenantId: 'demo',
      channel: 'whatsapp',
      conversationId: `demo:whatsapp:${sara.waId}`,
      userId: sara.waId!,
      inReplyTo: 'timer:followup',
      text: '¿Sigue interesada en la cotización?',
      state: 'capture',
      language: 'es',
    });
    const [template] = await waitFor(() => {
      const sends = fake.sends('template', sara.waId!);
      return sends.length ? sends : undefined;
    }, 'the template send');
    expect(template!.body).toEqual({
      messaging_product: 'whatsapp',
      recipient_type: 'individual',
      to: sara.waId,
      type: 'template',
      template: { name: 'retomar_conversacion', language: { code: 'es_MX' } },
    });
    expect(fake.texts(sara.waId!)).toHaveLength(1);

    // Their answer to the template reopens the window: free text again.
    await deliver(node.url, textFrom(sara, 'Sí, me llamo Sara Gil, sara@gil.mx'));
    await repliesTo(fake, sara.waId!, 2);
  });
});
