import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocketServer } from 'ws';
import { loadConfig } from '../../src/config/load.ts';
import { startFakeLlmServer, type FakeLlmServer } from '../../src/fake-llm/server.ts';
import type { Leadbot } from '../../src/main.ts';
import { ROOT } from '../helpers/leadbot-process.ts';
import { startTestLeadbot } from '../helpers/in-process.ts';
import { until } from '../helpers/recorder.ts';

interface Inspected {
  type: string;
  name?: string;
  sessionId?: string;
  event?: { type?: string; text?: unknown };
  snapshot?: { context?: { lead?: Record<string, unknown> } };
}

describe('LEADBOT_INSPECT: the Stately inspector', () => {
  let node: (Leadbot & { url: string }) | undefined;
  let fake: FakeLlmServer | undefined;
  let server: WebSocketServer | undefined;
  afterEach(async () => {
    await node?.close();
    await fake?.close();
    server?.close();
    node = fake = server = undefined;
  });

  it('every conversation actor and the KeyPool actor report to the inspector, text and lead values masked', async () => {
    server = new WebSocketServer({ port: 0, host: '127.0.0.1' });
    await new Promise((resolve) => server!.once('listening', resolve));
    const received: Inspected[] = [];
    server.on('connection', (socket) =>
      socket.on('message', (data: Buffer) => received.push(JSON.parse(data.toString()) as Inspected)),
    );
    fake = await startFakeLlmServer({ keys: { k1: {} } });
    node = await startTestLeadbot({
      LEADBOT_INSPECT: '1',
      LEADBOT_INSPECT_URL: `ws://127.0.0.1:${(server.address() as AddressInfo).port}`,
      LEADBOT_LLM_KEYS: 'k1',
      LEADBOT_LLM_BASE_URL: fake.url,
      LEADBOT_LLM_MODEL: 'fake-builtin',
    });
    const res = await fetch(`${node.url}/webhooks/rest`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        sender: 'insp-1',
        message: 'Soy Marta Ruiz, marta@frutas.es, queremos una demo',
      }),
    });
    expect(res.status).toBe(200);
    const actor = await until(
      () => received.find((e) => e.type === '@xstate.actor' && e.name === 'conversation'),
      10_000,
    );
    expect(actor.sessionId).toBeTruthy();
    const message = await until(
      () => received.find((e) => e.type === '@xstate.event' && e.event?.type === 'user.message.received'),
      10_000,
    );
    expect(message.event?.text).toMatch(/^‹\d+ chars›$/);
    // The KeyPool actor's mailbox (an @xstate/store store) reports its events too.
    await until(
      () => received.find((e) => e.type === '@xstate.event' && e.event?.type === 'acquire'),
      10_000,
    );
    // States and event types stay readable; what the person said does not leave.
    await until(() =>
      received.find(
        (e) =>
          e.type === '@xstate.snapshot' &&
          JSON.stringify((e.snapshot as { value?: unknown } | undefined)?.value) === '{"handoff":"waiting"}',
      ),
    );
    const all = JSON.stringify(received);
    for (const said of ['Marta', 'marta@frutas.es', 'demo,']) expect(all).not.toContain(said);
  }, 30_000);

  it('is refused with NODE_ENV=production, with a clear message', () => {
    expect(() => loadConfig({ cwd: ROOT, env: { LEADBOT_INSPECT: '1', NODE_ENV: 'production' } })).toThrow(
      /development only.*NODE_ENV=production/,
    );
    expect(loadConfig({ cwd: ROOT, env: { LEADBOT_INSPECT: '1' } }).inspect).toMatchObject({
      enabled: true,
      port: 8080,
    });
  });
});
