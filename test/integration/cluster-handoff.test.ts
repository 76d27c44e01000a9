import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLeadbotProcess, type LeadbotProcess } from '../helpers/leadbot-process.ts';
import { natsAvailable, startNatsServer, type NatsServer } from '../helpers/nats-server.ts';
import { startRecorder, until } from '../helpers/recorder.ts';
import { WsClient } from '../helpers/ws-client.ts';

const TOKEN = 'cluster-admin-token';
const MARTA = 'marta-cluster-token-0001';
const OUTAGE =
  'Hola, soy Luis Pérez de Rutas MX, luis@rutas.mx. Se cayó todo el sistema, no podemos facturar y es urgente';

describe.skipIf(!natsAvailable('the cluster handoff test'))(
  'cluster mode: human handoff across nodes',
  () => {
    let nats: NatsServer;
    let recorder: Awaited<ReturnType<typeof startRecorder>>;
    let settings: string;
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
        },
      });
      nodes.push(node);
      return node;
    };

    beforeAll(async () => {
      nats = await startNatsServer({ jetstream: true });
      recorder = await startRecorder();
      settings = join(mkdtempSync(join(tmpdir(), 'leadbot-cluster-handoff-')), 'settings.json');
      writeFileSync(settings, JSON.stringify({ cluster: { partitions: 4, leaseTtlMs: 2000 } }));
    }, 60_000);

    afterAll(async () => {
      for (const node of nodes) await node.stop('SIGKILL');
      await nats.dispose();
      await recorder.close();
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
  },
);
