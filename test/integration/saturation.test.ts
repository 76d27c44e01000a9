/**
 * A saturated node says so at once and keeps nothing: REST 503 with Retry-After, WhatsApp 503 (so
 * Meta redelivers), the widget an `overloaded` frame with `retryAfterS` (it resends), and no
 * conversation stored for a refused message. Saturation here is real, not stubbed: the node's
 * heap limit is set below what any process uses, so the first resource sample already says "full".
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Leadbot } from '../../src/main.ts';
import { startTestLeadbot } from '../helpers/in-process.ts';
import { whatsappSignature, whatsappTextDelivery } from '../helpers/whatsapp.ts';
import { WsClient } from '../helpers/ws-client.ts';

const APP_SECRET = 'saturation-app-secret';
const PHONE_NUMBER_ID = '5550001111';

describe('a saturated node refuses honestly and stores nothing', () => {
  let node: Leadbot & { url: string };

  beforeAll(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'leadbot-sat-'));
    const settings = join(dir, 'settings.json');
    writeFileSync(settings, JSON.stringify({ bus: { admission: { maxHeapRatio: 0.001, retryAfterS: 7 } } }));
    node = await startTestLeadbot(
      {
        LEADBOT_CONFIG: settings,
        LEADBOT_WHATSAPP_TOKEN: 'EAAG-sat',
        LEADBOT_WHATSAPP_PHONE_NUMBER_ID: PHONE_NUMBER_ID,
        LEADBOT_WHATSAPP_APP_SECRET: APP_SECRET,
        LEADBOT_WHATSAPP_VERIFY_TOKEN: 'verify-sat',
        LEADBOT_WHATSAPP_API_BASE: 'http://127.0.0.1:9',
      },
      join(dir, 'data'),
    );
  });
  afterAll(async () => node?.close());

  it('REST: 503 with Retry-After and a clear code, and the message is not kept', async () => {
    const res = await fetch(`${node.url}/webhooks/rest`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ sender: 'sat-1', message: 'Hola, necesito una cotización' }),
    });
    expect(res.status).toBe(503);
    expect(res.headers.get('retry-after')).toBe('7');
    const body = (await res.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe('overloaded');
    expect(body.error.message).toMatch(/Retry in 7 s/);
    expect(await node.store.getConversation('demo:rest:sat-1')).toBeUndefined();
    // The node itself still answers its health check.
    expect((await fetch(`${node.url}/health`)).status).toBe(200);
    const metrics = (await (await fetch(`${node.url}/metrics`)).json()) as {
      admission: { refused: { heap: number } };
    };
    expect(metrics.admission.refused.heap).toBeGreaterThanOrEqual(1);
  });

  it('WhatsApp: 503, so Meta delivers the message again later', async () => {
    const raw = JSON.stringify(
      whatsappTextDelivery({
        phoneNumberId: PHONE_NUMBER_ID,
        waId: '5215512345678',
        body: 'Hola, quiero información',
        name: 'Eva',
      }),
    );
    const res = await fetch(`${node.url}/webhooks/whatsapp`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-hub-signature-256': whatsappSignature(raw, APP_SECRET),
      },
      body: raw,
    });
    expect(res.status).toBe(503);
    expect(res.headers.get('retry-after')).toBe('7');
  });

  it('widget: an overloaded frame naming the message and when to resend it', async () => {
    const ws = await WsClient.connect(node.url, { tenant: 'demo', session: 'sat-web' });
    ws.send('Hola');
    const frame = (await ws.next('error')) as { code: string; id?: string; retryAfterS?: number };
    expect(frame).toMatchObject({ code: 'overloaded', retryAfterS: 7 });
    expect(frame.id).toMatch(/^m1-/);
    await ws.close();
  });
});
