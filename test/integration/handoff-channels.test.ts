import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Leadbot } from '../../src/main.ts';
import { startTestLeadbot } from '../helpers/in-process.ts';
import { until } from '../helpers/recorder.ts';
import { startProviderFakes } from '../fakes/provider-fakes.ts';
import { whatsappSignature, whatsappTextDelivery } from '../helpers/whatsapp.ts';

const GRAPH_TOKEN = 'EAAG-handoff-test-token';
const APP_SECRET = 'handoff-app-secret';
const PHONE_ID = '1122334455667';
const BOT_TOKEN = '7000000009:AAhandoff-test-token';
const TG_SECRET = 'handoff_secret-1';
const MARTA = 'marta-channels-token-001';
const OUTAGE =
  'Hola, soy Luis Pérez de Rutas MX, luis@rutas.mx. Se cayó todo el sistema, no podemos facturar y es urgente';

let fakes: Awaited<ReturnType<typeof startProviderFakes>>;
let node: Leadbot & { url: string };
let offset = 0;
let seq = 0;

function whatsappText(waId: string, body: string) {
  return whatsappTextDelivery({ phoneNumberId: PHONE_ID, waId, body });
}

async function postWhatsApp(payload: unknown): Promise<number> {
  const raw = JSON.stringify(payload);
  const res = await fetch(`${node.url}/webhooks/whatsapp`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'x-hub-signature-256': whatsappSignature(raw, APP_SECRET),
    },
    body: raw,
  });
  return res.status;
}

async function postTelegram(chatId: number, text: string): Promise<number> {
  const update = {
    update_id: 50_000 + ++seq,
    message: {
      message_id: 900 + seq,
      date: Math.floor(Date.now() / 1000),
      chat: { id: chatId, type: 'private', first_name: 'Luis', username: 'luisp' },
      from: { id: chatId, is_bot: false, first_name: 'Luis', username: 'luisp' },
      text,
    },
  };
  const res = await fetch(`${node.url}/webhooks/telegram`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-telegram-bot-api-secret-token': TG_SECRET },
    body: JSON.stringify(update),
  });
  return res.status;
}

async function operator(path: string, body?: unknown) {
  const res = await fetch(`${node.url}${path}`, {
    method: body === undefined ? 'GET' : 'POST',
    headers: {
      authorization: `Bearer ${MARTA}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

const settle = (ms = 400) => new Promise((r) => setTimeout(r, ms));

describe('human handoff on WhatsApp Cloud and Telegram (fake providers)', () => {
  beforeAll(async () => {
    fakes = await startProviderFakes(GRAPH_TOKEN, BOT_TOKEN);
    const dir = mkdtempSync(join(tmpdir(), 'leadbot-handoff-ch-'));
    const config = join(dir, 'config.json');
    writeFileSync(
      config,
      JSON.stringify({
        channels: { whatsapp: { windowTemplate: { name: 'retomar_conversacion', language: 'es_MX' } } },
      }),
    );
    node = await startTestLeadbot(
      {
        LEADBOT_CONFIG: config,
        LEADBOT_OPERATOR_TOKENS: `Marta=${MARTA}`,
        LEADBOT_WHATSAPP_TOKEN: GRAPH_TOKEN,
        LEADBOT_WHATSAPP_PHONE_NUMBER_ID: PHONE_ID,
        LEADBOT_WHATSAPP_APP_SECRET: APP_SECRET,
        LEADBOT_WHATSAPP_VERIFY_TOKEN: 'verify-handoff',
        LEADBOT_WHATSAPP_API_BASE: fakes.url,
        LEADBOT_TELEGRAM_TOKEN: BOT_TOKEN,
        LEADBOT_TELEGRAM_WEBHOOK_SECRET: TG_SECRET,
        LEADBOT_TELEGRAM_API_ROOT: fakes.url,
      },
      join(dir, 'data'),
      { clock: { now: () => Date.now() + offset } },
    );
  });
  afterAll(async () => {
    await node?.close();
    await fakes?.close();
  });

  it('WhatsApp: the operator’s reply goes out as WhatsApp text, the bot stays silent, give back resumes it', async () => {
    const wa = '5215511112222';
    const id = `demo:whatsapp:${wa}`;
    expect(await postWhatsApp(whatsappText(wa, OUTAGE))).toBe(200);
    await until(() => fakes.whatsapp('text', wa).length >= 1);
    expect((await operator(`/api/conversations/${id}/takeover`, {})).status).toBe(200);
    const sent = await operator(`/api/conversations/${id}/messages`, {
      text: 'Hola Luis, soy Marta, ya lo reviso.',
    });
    expect(sent).toEqual({ status: 202, body: { queued: true } });
    const texts = await until(() => {
      const t = fakes.whatsapp('text', wa).map((c) => (c.body.text as { body: string }).body);
      return t.some((x) => x.includes('soy Marta')) ? t : undefined;
    });
    expect(texts.at(-1)).toBe('Marta: Hola Luis, soy Marta, ya lo reviso.');
    const before = fakes.whatsapp('text', wa).length;
    await postWhatsApp(whatsappText(wa, 'Gracias, quedo atento'));
    await settle();
    expect(fakes.whatsapp('text', wa)).toHaveLength(before);
    const view = await operator(`/api/conversations/${id}`);
    expect((view.body.messages as { from: string; text: string }[]).at(-1)).toMatchObject({
      from: 'prospect',
      text: 'Gracias, quedo atento',
    });
    expect((await operator(`/api/conversations/${id}/release`, {})).status).toBe(200);
    await postWhatsApp(whatsappText(wa, '¿Cuánto cuesta el plan Profesional?'));
    await until(() => fakes.whatsapp('text', wa).length > before);
  });

  it('WhatsApp: past the 24-hour window the reply takes the template path and the operator is warned', async () => {
    const wa = '5215533334444';
    const id = `demo:whatsapp:${wa}`;
    await postWhatsApp(whatsappText(wa, OUTAGE));
    await until(() => fakes.whatsapp('text', wa).length >= 1);
    expect((await operator(`/api/conversations/${id}/takeover`, {})).status).toBe(200);
    offset = 25 * 3_600_000;
    try {
      const sent = await operator(`/api/conversations/${id}/messages`, {
        text: 'Luis, ¿sigue con el problema?',
      });
      expect(sent.status).toBe(202);
      expect(sent.body).toMatchObject({ queued: true, warning: { code: 'whatsapp_window_closed' } });
      const view = await operator(`/api/conversations/${id}`);
      expect(view.body.warning).toMatchObject({ code: 'whatsapp_window_closed' });
      await until(() => fakes.whatsapp('template', wa).length === 1);
      expect(fakes.whatsapp('template', wa)[0]!.body).toMatchObject({
        template: { name: 'retomar_conversacion' },
      });
    } finally {
      offset = 0;
    }
  });

  it('Telegram: the operator’s reply reaches the chat through the Bot API; the bot is silent meanwhile', async () => {
    const chat = 424242;
    const id = `demo:telegram:${chat}`;
    expect(await postTelegram(chat, OUTAGE)).toBe(200);
    await until(() => fakes.telegramTexts(chat).length >= 1);
    expect((await operator(`/api/conversations/${id}/takeover`, {})).status).toBe(200);
    await operator(`/api/conversations/${id}/messages`, { text: 'Hola Luis, soy Marta.' });
    const texts = await until(() => {
      const t = fakes.telegramTexts(chat);
      return t.some((x) => x.includes('soy Marta')) ? t : undefined;
    });
    expect(texts.at(-1)).toContain('Marta');
    const before = fakes.telegramTexts(chat).length;
    await postTelegram(chat, 'ok, espero');
    await settle();
    expect(fakes.telegramTexts(chat)).toHaveLength(before);
    expect((await operator(`/api/conversations/${id}/release`, {})).status).toBe(200);
    await postTelegram(chat, '¿Cuánto cuesta el plan Profesional?');
    await until(() => fakes.telegramTexts(chat).length > before);
  });
});
