import { afterEach, describe, expect, it } from 'vitest';
import type { Leadbot } from '../../src/main.ts';
import { signSlackRequest } from '../../src/handoff/slack-signature.ts';
import { startTestLeadbot } from '../helpers/in-process.ts';
import { until } from '../helpers/recorder.ts';
import { WsClient } from '../helpers/ws-client.ts';
import { startFakeSlack } from '../fakes/fake-slack.ts';

const BOT_TOKEN = 'xoxb-test-0000-fake';
const SECRET = 'slack-signing-secret-for-tests';
const OUTAGE =
  'Hola, soy Luis Pérez de Rutas MX, luis@rutas.mx. Se cayó todo el sistema, no podemos facturar y es urgente';

let node: (Leadbot & { url: string }) | undefined;
let fake: Awaited<ReturnType<typeof startFakeSlack>> | undefined;
afterEach(async () => {
  await node?.close();
  await fake?.close();
  node = undefined;
});

async function signed(
  path: string,
  body: string,
  options: { ageSeconds?: number; secret?: string; headers?: Record<string, string> } = {},
) {
  const ts = Math.floor(Date.now() / 1000) - (options.ageSeconds ?? 0);
  const form = path.endsWith('interactivity');
  return fetch(`${node!.url}${path}`, {
    method: 'POST',
    headers: {
      'content-type': form ? 'application/x-www-form-urlencoded' : 'application/json',
      'x-slack-request-timestamp': String(ts),
      'x-slack-signature': signSlackRequest(options.secret ?? SECRET, ts, body),
      ...options.headers,
    },
    body,
  });
}

const threadReply = (eventId: string, user: string, text: string, threadTs: string) =>
  JSON.stringify({
    type: 'event_callback',
    event_id: eventId,
    event: {
      type: 'message',
      channel: 'C0HANDOFF',
      user,
      text,
      ts: `${Date.now() / 1000}`,
      thread_ts: threadTs,
    },
  });

const button = (action: string, conversationId: string) =>
  `payload=${encodeURIComponent(
    JSON.stringify({
      type: 'block_actions',
      user: { id: 'UMARTA', name: 'marta' },
      channel: { id: 'C0HANDOFF' },
      actions: [{ action_id: action, value: conversationId, block_id: 'leadbot_handoff' }],
    }),
  )}`;

async function start() {
  fake = await startFakeSlack(BOT_TOKEN, { UMARTA: 'Marta Díaz' });
  node = await startTestLeadbot({
    LEADBOT_SLACK_BOT_TOKEN: BOT_TOKEN,
    LEADBOT_SLACK_SIGNING_SECRET: SECRET,
    LEADBOT_SLACK_CHANNEL: '#soporte',
    LEADBOT_SLACK_API_BASE: fake.url,
  });
  return fake;
}

describe('Slack app', () => {
  it('alert with buttons; a thread reply reaches the prospect; their answer appears in the thread; Give back resumes the bot', async () => {
    const slack = await start();
    const ws = await WsClient.connect(node!.url, { tenant: 'demo', session: 's1' });
    try {
      const confirmation = await ws.say(OUTAGE);
      expect(confirmation.text).toMatch(/persona del equipo/);
      const alert = slack.calls.find((c) => c.method === 'chat.postMessage');
      expect(alert?.body.channel).toBe('#soporte');
      const actions = JSON.stringify(alert?.body.blocks);
      expect(actions).toContain('leadbot_takeover');
      expect(actions).toContain('demo:web:s1');
      const threadTs = '1700000000.000001';

      // Marta answers in the thread: she takes the conversation over and the prospect gets her words.
      expect(
        (
          await signed(
            '/webhooks/slack/events',
            threadReply('Ev1', 'UMARTA', 'Hola Luis, soy Marta. Lo reviso ya.', threadTs),
          )
        ).status,
      ).toBe(200);
      expect(await ws.next('agent.joined')).toMatchObject({ name: 'Marta Díaz' });
      expect(await ws.next('agent.message')).toMatchObject({
        text: 'Hola Luis, soy Marta. Lo reviso ya.',
        name: 'Marta Díaz',
      });
      // Slack retries the same event: not sent twice. The bot's own message is ignored.
      await signed(
        '/webhooks/slack/events',
        threadReply('Ev1', 'UMARTA', 'Hola Luis, soy Marta. Lo reviso ya.', threadTs),
        {
          headers: { 'x-slack-retry-num': '1', 'x-slack-retry-reason': 'http_timeout' },
        },
      );
      await signed('/webhooks/slack/events', threadReply('Ev2', 'UBOT', 'copia del bot', threadTs));

      // The prospect answers: the bot stays silent and the message goes to the thread.
      ws.send('Gracias Marta, seguimos sin poder facturar');
      const copied = await until(() =>
        slack.calls.find(
          (c) =>
            c.method === 'chat.postMessage' &&
            c.body.thread_ts === threadTs &&
            String(c.body.text).includes('seguimos sin poder facturar'),
        ),
      );
      expect(copied.body.channel).toBe('C0HANDOFF');
      await new Promise((r) => setTimeout(r, 300));
      expect(ws.pending('agent.message')).toBe(0);
      expect(ws.pending('bot.message')).toBe(0);

      expect(
        (await signed('/webhooks/slack/interactivity', button('leadbot_release', 'demo:web:s1'))).status,
      ).toBe(200);
      expect(await ws.next('agent.left')).toMatchObject({ name: 'Marta Díaz' });
      expect(slack.calls.some((c) => c.method === 'chat.update')).toBe(true);
      const next = await ws.say('¿Cuánto cuesta el plan Profesional?');
      expect(next.text).toMatch(/Profesional/);
    } finally {
      await ws.close();
    }
  });

  it('unsigned, wrongly signed and stale requests are refused with 401 and change nothing', async () => {
    const slack = await start();
    const ws = await WsClient.connect(node!.url, { tenant: 'demo', session: 's2' });
    try {
      await ws.say(OUTAGE);
      const body = threadReply('Ev9', 'UMARTA', 'mensaje falso', '1700000000.000001');
      const unsigned = await fetch(`${node!.url}/webhooks/slack/events`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body,
      });
      expect(unsigned.status).toBe(401);
      expect((await signed('/webhooks/slack/events', body, { secret: 'wrong-secret' })).status).toBe(401);
      expect((await signed('/webhooks/slack/events', body, { ageSeconds: 6 * 60 })).status).toBe(401);
      expect(
        (
          await signed('/webhooks/slack/interactivity', button('leadbot_takeover', 'demo:web:s2'), {
            ageSeconds: 301,
          })
        ).status,
      ).toBe(401);
      await new Promise((r) => setTimeout(r, 300));
      expect(ws.pending('agent.joined')).toBe(0);
      const state = await fetch(`${node!.url}/api/conversations/demo:web:s2`, {
        headers: { authorization: 'Bearer test-admin-token' },
      });
      expect(((await state.json()) as { owner: unknown }).owner).toBeNull();
      expect(slack.calls.filter((c) => c.method === 'users.info')).toHaveLength(0);
    } finally {
      await ws.close();
    }
  });

  it('answers the url_verification challenge once the signature checks out', async () => {
    await start();
    const body = JSON.stringify({
      token: 'x',
      challenge: '3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P',
      type: 'url_verification',
    });
    const res = await signed('/webhooks/slack/events', body);
    expect(await res.json()).toEqual({ challenge: '3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P' });
  });
});
