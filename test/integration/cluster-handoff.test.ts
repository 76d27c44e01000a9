import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLeadbotProcess, type LeadbotProcess } from '../helpers/leadbot-process.ts';
import { natsAvailable, startNatsServer, type NatsServer } from '../helpers/nats-server.ts';
import { startRecorder, until } from '../helpers/recorder.ts';
import { WsClient } from '../helpers/ws-client.ts';
import { startFakeSlack } from '../fakes/fake-slack.ts';
import { signSlackRequest } from '../../src/handoff/slack-signature.ts';

const TOKEN = 'cluster-admin-token';
const MARTA = 'marta-cluster-token-0001';
const SIGNING = 'cluster-signing-secret';
const OUTAGE =
  'Hola, soy Luis Pérez de Rutas MX, luis@rutas.mx. Se cayó todo el sistema, no podemos facturar y es urgente';

describe.skipIf(!natsAvailable('the cluster handoff test'))(
  'cluster mode: human handoff across nodes',
  () => {
    let nats: NatsServer;
    let recorder: Awaited<ReturnType<typeof startRecorder>>;
    let settings: string;
    let slack: Awaited<ReturnType<typeof startFakeSlack>>;
    const nodes: LeadbotProcess[] = [];

    const start = async (nodeId: string, role: string) => {
      const node = await startLeadbotProcess({
        env: {
          LEADBOT_NATS_URL: nats.url,
          LEADBOT_ROLE: role,
          LEADBOT_NODE_ID: nodeId,
          LEADBOT_CONFIG: settings,
          LEADBOT_ADMIN_TOKEN: TOKEN,
          LEADBOT_OPERATOR_TOKENS: `Marta=${MARTA}`,
          LEADBOT_SLACK_WEBHOOK_URL: `${recorder.url}/slack/hook`,
          LEADBOT_SLACK_BOT_TOKEN: 'xoxb-cluster-test',
          LEADBOT_SLACK_SIGNING_SECRET: SIGNING,
          LEADBOT_SLACK_CHANNEL: '#soporte',
          LEADBOT_SLACK_API_BASE: slack.url,
        },
      });
      nodes.push(node);
      return node;
    };

    beforeAll(async () => {
      nats = await startNatsServer({ jetstream: true });
      recorder = await startRecorder();
      slack = await startFakeSlack('xoxb-cluster-test', { UMARTA: 'Marta Díaz' });
      settings = join(mkdtempSync(join(tmpdir(), 'leadbot-cluster-handoff-')), 'settings.json');
      writeFileSync(settings, JSON.stringify({ cluster: { partitions: 4, leaseTtlMs: 2000 } }));
    }, 60_000);

    afterAll(async () => {
      for (const node of nodes) await node.stop('SIGKILL');
      await nats.dispose();
      await recorder.close();
      await slack.close();
    });

    it('console API on the gateway, actor on a worker: takeover and replies travel over the bus and survive the worker’s death', async () => {
      const [gateway, w1] = await Promise.all([start('gw', 'gateway'), start('w1', 'worker')]);
      const ws = await WsClient.connect(gateway.url, { tenant: 'demo', session: 'c1' });
      const call = async (path: string, body?: unknown) => {
        const res = await fetch(`${gateway.url}${path}`, {
          method: body === undefined ? 'GET' : 'POST',
          headers: {
            authorization: `Bearer ${MARTA}`,
            ...(body === undefined ? {} : { 'content-type': 'application/json' }),
          },
          ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        });
        return { status: res.status, body: (await res.json()) as Record<string, unknown> };
      };
      try {
        await ws.say(OUTAGE);
        await until(() => recorder.received.find((r) => r.path.startsWith('/slack')), 15_000);
        const queue = await until(async () => {
          const q = await call('/api/handoffs');
          return (q.body.handoffs as unknown[]).length > 0 ? q : undefined;
        });
        expect(queue.body.handoffs).toEqual([
          expect.objectContaining({ conversationId: 'demo:web:c1', owner: null }),
        ]);
        expect(await call('/api/conversations/demo:web:c1/takeover', {})).toEqual({
          status: 200,
          body: { owner: 'Marta', state: 'human' },
        });
        expect(await ws.next('agent.joined', 10_000)).toMatchObject({ name: 'Marta' });

        // The worker dies; a new one takes the partitions over from the replicated state.
        w1.child.kill('SIGKILL');
        await start('w2', 'worker');
        const sent = await until(async () => {
          const r = await call('/api/conversations/demo:web:c1/messages', {
            text: 'Sigo aquí, Luis. Soy Marta.',
          });
          return r.status === 202 ? r : undefined;
        }, 30_000);
        expect(sent.body).toEqual({ queued: true });
        expect(await ws.next('agent.message', 15_000)).toMatchObject({ text: 'Sigo aquí, Luis. Soy Marta.' });
        ws.send('Gracias, seguimos esperando');
        await new Promise((r) => setTimeout(r, 1500));
        expect(ws.pending('bot.message')).toBe(0);
        const view = await call('/api/conversations/demo:web:c1');
        expect(view.body).toMatchObject({ state: 'human', owner: 'Marta' });
        expect((view.body.messages as { from: string }[]).map((m) => m.from).slice(-2)).toEqual([
          'operator',
          'prospect',
        ]);
        expect((await call('/api/conversations/demo:web:c1/release', {})).status).toBe(200);
        const back = await ws.say('¿Cuánto cuesta el plan Profesional?');
        expect(back.text).toMatch(/Profesional/);
      } finally {
        await ws.close();
      }
    }, 90_000);

    it('Slack thread on the gateway, actor on a worker: the reply reaches the prospect, their answer reaches the thread once', async () => {
      const gateway = nodes.find((n) => n.output().includes('(role gateway)'))!;
      const ws = await WsClient.connect(gateway.url, { tenant: 'demo', session: 'slack1' });
      try {
        await ws.say(OUTAGE);
        const isAlert = (c: { method: string; body: Record<string, unknown> }) =>
          c.method === 'chat.postMessage' && JSON.stringify(c.body.blocks ?? '').includes('demo:web:slack1');
        await until(() => slack.calls.find(isAlert), 15_000);
        const threadTs = `1700000000.${String(slack.calls.filter((c) => c.method === 'chat.postMessage').findIndex(isAlert) + 1).padStart(6, '0')}`;
        const body = JSON.stringify({
          type: 'event_callback',
          event_id: 'EvCluster1',
          event: {
            type: 'message',
            channel: 'C0HANDOFF',
            user: 'UMARTA',
            text: 'Hola Luis, soy Marta.',
            ts: '1700000100.000001',
            thread_ts: threadTs,
          },
        });
        const ts = Math.floor(Date.now() / 1000);
        const res = await fetch(`${gateway.url}/webhooks/slack/events`, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            'x-slack-request-timestamp': String(ts),
            'x-slack-signature': signSlackRequest(SIGNING, ts, body),
          },
          body,
        });
        expect(res.status).toBe(200);
        expect(await ws.next('agent.message', 15_000)).toMatchObject({
          text: 'Hola Luis, soy Marta.',
          name: 'Marta Díaz',
        });
        ws.send('Gracias Marta, quedo atento');
        await until(
          () =>
            slack.calls.find(
              (c) => c.body.thread_ts === threadTs && String(c.body.text).includes('quedo atento'),
            ),
          10_000,
        );
        await new Promise((r) => setTimeout(r, 800));
        expect(slack.calls.filter((c) => String(c.body.text).includes('quedo atento'))).toHaveLength(1);
        expect(ws.pending('bot.message')).toBe(0);
      } finally {
        await ws.close();
      }
    }, 60_000);
  },
);
