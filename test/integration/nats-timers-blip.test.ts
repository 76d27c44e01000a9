import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectNats } from '../../src/adapters/nats/connection.ts';
import { SharedTimers } from '../../src/adapters/nats/shared-timers.ts';
import { createLogger } from '../../src/logger.ts';
import { systemClock } from '../../src/ports/clock.ts';
import type { TimerEntry } from '../../src/ports/timers.ts';
import { natsAvailable, startNatsServer, type NatsServer } from '../helpers/nats-server.ts';

const log = createLogger({ level: 'silent', content: false, pretty: false, nodeId: 't' });

describe.skipIf(!natsAvailable('the shared timer tests'))('shared timers through a NATS blip', () => {
  let nats: NatsServer;
  beforeAll(async () => {
    nats = await startNatsServer({ jetstream: true });
  }, 30_000);
  afterAll(async () => {
    await nats?.dispose();
  });

  it('a timer scheduled (and one cancelled) while nats-server is down is stored once it is back', async () => {
    const nc = await connectNats({ url: nats.url, name: 'timers' });
    const fired: TimerEntry[] = [];
    const timers = await SharedTimers.open(nc, {
      clock: systemClock,
      log,
      fire: (entry) => {
        fired.push(entry);
        return Promise.resolve();
      },
    });
    await timers.start();
    const entry = (id: string, dueInMs: number): TimerEntry => ({
      conversationId: `demo:web:${id}`,
      tenantId: 'demo',
      channel: 'web',
      userId: id,
      kind: 'session.expired',
      dueAt: Date.now() + dueInMs,
    });
    // Stored before the blip, cancelled during it: must not fire.
    timers.schedule(entry('cancelled', 12_000));
    await new Promise((r) => setTimeout(r, 300));
    const restart = nats.restart({ downMs: 7_000 });
    await new Promise((r) => setTimeout(r, 500));
    timers.schedule(entry('during', 9_000));
    timers.cancel('demo:web:cancelled', 'session.expired');
    await restart;
    const deadline = Date.now() + 20_000;
    while (!fired.some((e) => e.userId === 'during') && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 200));
    expect(fired.map((e) => e.userId)).toContain('during');
    // The cancelled one's due time passes too: it stays cancelled.
    await new Promise((r) => setTimeout(r, Math.max(0, entry('x', 0).dueAt - Date.now() + 4_000)));
    expect(fired.map((e) => e.userId)).not.toContain('cancelled');
    timers.close();
    await nc.close();
  }, 60_000);
});
