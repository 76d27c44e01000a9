import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getLeads, startTestLeadbot } from '../helpers/in-process.ts';
import { WsClient } from '../helpers/ws-client.ts';
import type { Leadbot } from '../../src/main.ts';

let node: Leadbot & { url: string };
beforeAll(async () => {
  node = await startTestLeadbot();
});
afterAll(async () => {
  await node.close();
});

describe('bad input over the WebSocket gets a clear error and stores nothing', () => {
  it.each([
    ['empty text', JSON.stringify({ type: 'user.message', id: 'e1', text: '' }), 'empty_message'],
    ['whitespace only', JSON.stringify({ type: 'user.message', id: 'e2', text: '  \n\t ' }), 'empty_message'],
    [
      '100 KB text',
      JSON.stringify({ type: 'user.message', id: 'e3', text: 'a'.repeat(100 * 1024) }),
      'message_too_long',
    ],
    ['malformed JSON', '{"type":"user.message",', 'bad_json'],
    ['wrong shape', JSON.stringify({ type: 'hello' }), 'invalid_message'],
    ['text not a string', JSON.stringify({ type: 'user.message', id: 'e4', text: 42 }), 'invalid_message'],
  ])('%s → %s', async (_name, frame, code) => {
    const ws = await WsClient.connect(node.url, { tenant: 'demo', session: `bad-${code}` });
    ws.socket.send(frame);
    const error = await ws.next('error');
    expect(error.code).toBe(code);
    expect(error.message).toBeTruthy();
    expect(error.message).not.toMatch(/at .+\.ts:\d+/);
    // The socket stays usable after an error.
    const reply = await ws.say('Hola');
    expect(reply.type).toBe('bot.message');
    await ws.close();
  });

  it('a frame over the size limit closes the socket with 1009 (message too big), not 1006', async () => {
    const ws = await WsClient.connect(node.url, { tenant: 'demo', session: 'too-big' });
    const closed = new Promise<number>((resolve) => ws.socket.once('close', (code: number) => resolve(code)));
    ws.socket.send(JSON.stringify({ type: 'user.message', id: 'big', text: 'a'.repeat(10 * 1024 * 1024) }));
    expect(await closed).toBe(1009);
  });

  it('binary frames → unsupported_frame', async () => {
    const ws = await WsClient.connect(node.url, { tenant: 'demo', session: 'bin' });
    ws.socket.send(Buffer.from([0xff, 0x00, 0x13, 0x37]), { binary: true });
    expect((await ws.next('error')).code).toBe('unsupported_frame');
    await ws.close();
  });

  it('binary junk inside a text message is cleaned, not stored raw', async () => {
    const ws = await WsClient.connect(node.url, { tenant: 'demo', session: 'ctl' });
    const reply = await ws.say('Hola\u0000\u0007 necesito precios');
    expect(reply.type).toBe('bot.message');
    await ws.close();
  });

  it('an unknown tenant gets unknown_tenant and the socket closes', async () => {
    const ws = await WsClient.connect(node.url, { tenant: 'nope', session: 's' });
    const error = await ws.next('error');
    expect(error.code).toBe('unknown_tenant');
    await new Promise((r) => setTimeout(r, 100));
    expect(ws.closeCode).toBe(1008);
  });

  it('nothing was stored by the rejected messages', async () => {
    const { body } = await getLeads(node.url);
    expect(body.leads).toEqual([]);
    const stats = await node.store.stats();
    // Only the conversations that said "Hola" exist.
    expect(stats.leads).toBe(0);
  });
});

describe('HTTP API', () => {
  it('/api/leads without a token is 401, with a wrong token 401', async () => {
    const none = await fetch(`${node.url}/api/leads`);
    expect(none.status).toBe(401);
    expect(((await none.json()) as { error: { code: string } }).error.code).toBe('unauthorized');
    const wrong = await getLeads(node.url, 'wrong');
    expect(wrong.status).toBe(401);
  });

  it('/health and /metrics have the documented shape', async () => {
    const health = (await (await fetch(`${node.url}/health`)).json()) as Record<string, unknown>;
    expect(health.status).toBe('ok');
    const metrics = (await (await fetch(`${node.url}/metrics`)).json()) as Record<string, unknown>;
    expect(metrics).toMatchObject({ pool_status: [], total_active: 0, pool_capacity_pct: 0, alert: false });
    const prom = await fetch(`${node.url}/metrics/prometheus`);
    expect(prom.headers.get('content-type')).toMatch(/text\/plain/);
    expect(await prom.text()).toMatch(/leadbot_messages_received_total/);
  });

  it('/ shows the demo landing page with the widget; /widget.js serves the widget', async () => {
    const page = await fetch(`${node.url}/`);
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain('/widget.js');
    const widget = await fetch(`${node.url}/widget.js`);
    expect(widget.headers.get('content-type')).toMatch(/javascript/);
  });

  it('unknown routes get a JSON 404', async () => {
    const res = await fetch(`${node.url}/nope`);
    expect(res.status).toBe(404);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('not_found');
  });
});

describe('REST channel (Rasa REST shape)', () => {
  const post = (body: unknown, raw = false) =>
    fetch(`${node.url}/webhooks/rest`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: raw ? (body as string) : JSON.stringify(body),
    });

  it('a body that is not JSON is a 415; a body over the limit a 413 answered before it is read', async () => {
    for (const type of ['text/plain', 'application/xml', 'multipart/form-data; boundary=x']) {
      const res = await fetch(`${node.url}/webhooks/rest`, {
        method: 'POST',
        headers: { 'content-type': type },
        body: 'sender=u-9&message=hola',
      });
      expect(res.status, type).toBe(415);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe('invalid_message');
    }
    const big = await fetch(`${node.url}/webhooks/rest`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ sender: 'u-9', message: 'a'.repeat(10 * 1024 * 1024) }),
    });
    expect(big.status).toBe(413);
    expect(((await big.json()) as { error: { code: string } }).error.code).toBe('message_too_long');
  });

  it('answers with [{recipient_id, text}] in the same request', async () => {
    const res = await post({ sender: 'u-1', message: 'Hola, quiero información de precios', tenant: 'demo' });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { recipient_id: string; text: string }[];
    expect(body.length).toBeGreaterThanOrEqual(1);
    expect(body[0]!.recipient_id).toBe('u-1');
    expect(body[0]!.text).toMatch(/\?\s*$/);
  });

  it('a whole conversation stores a lead; tenant defaults to demo', async () => {
    await post({
      sender: 'u-2',
      message: 'Hello, I need a demo of your route planning, our drivers waste hours',
    });
    await post({ sender: 'u-2', message: 'I am Peter Parker from Daily Bugle' });
    const res = await post({ sender: 'u-2', message: 'peter@dailybugle.com' });
    const [reply] = (await res.json()) as { text: string }[];
    expect(reply!.text).toMatch(/Peter/);
    const { body } = await getLeads(node.url);
    const lead = (body.leads as { contact_info: { email: string }; channel: string }[]).find(
      (l) => l.contact_info.email === 'peter@dailybugle.com',
    );
    expect(lead?.channel).toBe('rest');
  });

  it.each([
    ['malformed JSON', '{"sender":', true, 400, 'bad_json'],
    ['missing message', { sender: 'x' }, false, 400, 'invalid_message'],
    ['empty message', { sender: 'x', message: '   ' }, false, 400, 'empty_message'],
    ['unknown tenant', { sender: 'x', message: 'hola', tenant: 'acme' }, false, 404, 'unknown_tenant'],
    ['huge message', { sender: 'x', message: 'a'.repeat(100 * 1024) }, false, 413, 'message_too_long'],
    ['oversized body', { sender: 'x', message: 'a'.repeat(400 * 1024) }, false, 413, 'message_too_long'],
  ])('%s → %i %s', async (_name, body, raw, status, code) => {
    const res = await post(body, raw);
    expect(res.status).toBe(status);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe(code);
  });
});

describe('a node that cannot start', () => {
  it('refuses with a clear error and closes what it had opened (the same data folder starts right after)', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'leadbot-badstart-'));
    const file = join(dataDir, 'settings.json');
    writeFileSync(file, JSON.stringify({ channels: { telegram: { tenant: 'nope' } } }));
    await expect(
      startTestLeadbot({ LEADBOT_CONFIG: file, LEADBOT_TELEGRAM_TOKEN: '123:abc' }, dataDir),
    ).rejects.toThrow(/channels\.telegram\.tenant is 'nope'/);
    const node = await startTestLeadbot({}, dataDir);
    try {
      expect((await fetch(`${node.url}/health`)).status).toBe(200);
    } finally {
      await node.close();
    }
  });
});
