import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Leadbot } from '../../src/main.ts';
import { verifyWebhook } from '../../src/runtime/outbox-dispatcher.ts';
import { getLeads, startTestLeadbot } from '../helpers/in-process.ts';
import { WsClient } from '../helpers/ws-client.ts';

const SECRET = 'whsec-test-crm';

interface Received {
  headers: IncomingHttpHeaders;
  body: string;
}

/** A CRM receiver that fails the first `failFirst` deliveries with 503. */
async function receiver(failFirst = 0): Promise<{ url: string; received: Received[]; server: Server }> {
  const received: Received[] = [];
  let failures = failFirst;
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      if (failures-- > 0) {
        res.writeHead(503).end();
        return;
      }
      received.push({ headers: req.headers, body });
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/leads`, received, server };
}

async function until<T>(fn: () => Promise<T | undefined> | T | undefined, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await fn();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 50));
  }
}

let node: (Leadbot & { url: string }) | undefined;
let crm: Server | undefined;
afterEach(async () => {
  await node?.close();
  crm?.close();
  node = undefined;
});

async function completeLead(url: string, session: string): Promise<void> {
  const ws = await WsClient.connect(url, { tenant: 'demo', session });
  await ws.say('Hola, quiero una cotización del plan Profesional para 30 camiones');
  await ws.say('Soy Elena Martín');
  const r = await ws.say('elena@martin-transportes.es');
  expect(r.state).toBe('handoff');
  await ws.close();
}

describe('leads reach the CRM webhook through the durable outbox', () => {
  it('posts a signed lead once and marks it delivered', async () => {
    const target = await receiver();
    crm = target.server;
    node = await startTestLeadbot({
      LEADBOT_CRM_WEBHOOK_URL: target.url,
      LEADBOT_CRM_WEBHOOK_SECRET: SECRET,
    });
    await completeLead(node.url, 'crm-1');
    const delivery = await until(() => target.received[0]);
    expect(verifyWebhook(SECRET, delivery.headers, delivery.body, 300)).toBe(true);
    expect(verifyWebhook('wrong-secret', delivery.headers, delivery.body, 300)).toBe(false);
    const body = JSON.parse(delivery.body) as {
      id: string;
      kind: string;
      data: { contact_info: { email: string } };
    };
    expect(body.kind).toBe('crm.lead');
    expect(delivery.headers['idempotency-key']).toBe(body.id);
    expect(body.data.contact_info.email).toBe('elena@martin-transportes.es');
    const lead = await until(async () => {
      const { body: b } = await getLeads(node!.url);
      const l = (b.leads as { status: string }[])[0];
      return l?.status === 'delivered' ? l : undefined;
    });
    expect(lead.status).toBe('delivered');
    expect(target.received).toHaveLength(1);
  });

  it('a correction after delivery pushes the updated lead once more', async () => {
    const target = await receiver();
    crm = target.server;
    node = await startTestLeadbot({
      LEADBOT_CRM_WEBHOOK_URL: target.url,
      LEADBOT_CRM_WEBHOOK_SECRET: SECRET,
    });
    await completeLead(node.url, 'crm-upd');
    await until(() => target.received[0]);
    const ws = await WsClient.connect(node.url, { tenant: 'demo', session: 'crm-upd' });
    await ws.say('Perdón, mi correo correcto es elena.martin@transportes-martin.es');
    await ws.close();
    const update = await until(() => target.received[1]);
    const body = JSON.parse(update.body) as {
      id: string;
      data: { contact_info: { email: string }; lead_id: string };
    };
    expect(body.id).toMatch(/:update:/);
    expect(body.data.contact_info.email).toBe('elena.martin@transportes-martin.es');
    expect(body.data.lead_id).toBe(
      (JSON.parse(target.received[0]!.body) as { data: { lead_id: string } }).data.lead_id,
    );
    const { body: leads } = await getLeads(node.url);
    expect(leads.leads).toHaveLength(1);
  });

  it('retries a failing receiver with back-off and never loses the lead', async () => {
    const target = await receiver(2);
    crm = target.server;
    const dir = mkdtempSync(join(tmpdir(), 'leadbot-crm-'));
    writeFileSync(
      join(dir, 'settings.json'),
      JSON.stringify({ crm: { baseBackoffMs: 20, maxBackoffMs: 100 } }),
    );
    node = await startTestLeadbot({
      LEADBOT_CRM_WEBHOOK_URL: target.url,
      LEADBOT_CRM_WEBHOOK_SECRET: SECRET,
      LEADBOT_CONFIG: join(dir, 'settings.json'),
    });
    await completeLead(node.url, 'crm-2');
    await until(() => target.received[0]);
    expect(target.received).toHaveLength(1);
  });

  it('refuses to start with a plain-http webhook to a non-loopback host, or without a secret', async () => {
    await expect(
      startTestLeadbot({
        LEADBOT_CRM_WEBHOOK_URL: 'http://crm.example.com/hook',
        LEADBOT_CRM_WEBHOOK_SECRET: 'x',
      }),
    ).rejects.toThrow(/must be https/);
    await expect(
      startTestLeadbot({ LEADBOT_CRM_WEBHOOK_URL: 'https://crm.example.com/hook' }),
    ).rejects.toThrow(/LEADBOT_CRM_WEBHOOK_SECRET/);
  });
});
