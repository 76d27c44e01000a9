import { mkdtempSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { LmdbOutbox } from '../../src/adapters/lmdb-outbox.ts';
import { LmdbStore } from '../../src/adapters/lmdb-store.ts';
import { systemClock, type Clock } from '../../src/ports/clock.ts';
import type { OutboxEntry } from '../../src/ports/outbox.ts';
import {
  OutboxDispatcher,
  verifyWebhook,
  type OutboxDispatcherOptions,
} from '../../src/runtime/outbox-dispatcher.ts';

/**
 * The outbox as a CRM sees it: concurrent pushes, one conversation's lead before its correction,
 * a CRM that is down (503s, then refusing connections) and comes back.
 */

const SECRET = 'flow-secret';
const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

interface Push {
  id: string;
  conversation: string;
  start: number;
  end?: number;
  status: number;
}

/**
 * A CRM endpoint on a real socket: answers after `latencyMs`, records every push with its
 * conversation and how many were open at once; `mode` switches it between up, failing (503 with
 * no Retry-After, as a load balancer in front of a dead app says) and `rejectFirst` (500 on the
 * first push of the given ids).
 */
async function crm(latencyMs: number) {
  const pushes: Push[] = [];
  const state = { mode: 'up' as 'up' | 'failing', open: 0, maxOpen: 0, rejectFirst: new Set<string>() };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const parsed = JSON.parse(body) as { id: string; data: { conversation_id: string } };
      if (!verifyWebhook(SECRET, req.headers, body, 300)) throw new Error('bad signature');
      let status = state.mode === 'failing' ? 503 : 200;
      if (status === 200 && state.rejectFirst.delete(parsed.id)) status = 500;
      const push: Push = {
        id: parsed.id,
        conversation: parsed.data.conversation_id,
        start: Date.now(),
        status,
      };
      pushes.push(push);
      state.open++;
      state.maxOpen = Math.max(state.maxOpen, state.open);
      setTimeout(() => {
        state.open--;
        push.end = Date.now();
        res.writeHead(status).end();
      }, latencyMs);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const stop = () =>
    new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  cleanups.push(async () => {
    if (server.listening) await stop();
  });
  return { url: `http://127.0.0.1:${port}/crm`, port, pushes, state, server, stop };
}

function outboxIn(dir = mkdtempSync(join(tmpdir(), 'leadbot-flow-')), clock: Clock = systemClock) {
  const store = LmdbStore.open(dir);
  cleanups.push(() => store.close());
  return { store, outbox: new LmdbOutbox({ store, clock }) };
}

function dispatcherFor(outbox: LmdbOutbox, url: string, extra: Partial<OutboxDispatcherOptions> = {}) {
  const d = new OutboxDispatcher({
    outbox,
    clock: systemClock,
    log: { debug() {}, info() {}, warn() {}, error() {} },
    webhook: { url, secret: SECRET, timeoutMs: 2000 },
    maxAttempts: 100,
    baseBackoffMs: 40,
    maxBackoffMs: 160,
    ...extra,
  });
  cleanups.push(() => d.close());
  return d;
}

async function until(check: () => Promise<boolean> | boolean, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 10));
  }
}

const leadOf = (conversation: string, suffix = '') => ({
  id: `crm.lead:demo:${conversation}${suffix}`,
  tenantId: 'demo',
  kind: 'crm.lead' as const,
  orderKey: `demo:${conversation}`,
  payload: { conversation_id: conversation, contact_info: { email: 'ana@example.com' } },
});

const allDelivered = (outbox: LmdbOutbox, n: number) => async () => (await outbox.stats()).delivered === n;

describe('outbox flow against a CRM', () => {
  it('pushes leads of different conversations concurrently, never more than `concurrency` at once', async () => {
    const rx = await crm(150);
    const { outbox } = outboxIn();
    const d = dispatcherFor(outbox, rx.url, { concurrency: 6 });
    for (let i = 0; i < 30; i++) await outbox.enqueue(leadOf(`c${i}`));
    await d.start();
    await until(allDelivered(outbox, 30));
    expect(rx.pushes).toHaveLength(30);
    expect(rx.state.maxOpen).toBeGreaterThan(1);
    expect(rx.state.maxOpen).toBeLessThanOrEqual(6);
    expect(new Set(rx.pushes.map((p) => p.id)).size).toBe(30);
  });

  it("sends one conversation's lead before its correction, even when the lead needs a retry", async () => {
    const rx = await crm(60);
    const { outbox } = outboxIn();
    const d = dispatcherFor(outbox, rx.url, { breaker: false });
    rx.state.rejectFirst.add(leadOf('a').id);
    await outbox.enqueue(leadOf('a'));
    await outbox.enqueue(leadOf('a', ':update:1'));
    await outbox.enqueue(leadOf('a', ':update:2'));
    await outbox.enqueue(leadOf('b'));
    await d.start();
    await until(allDelivered(outbox, 4));
    const ofA = rx.pushes.filter((p) => p.conversation === 'a');
    expect(ofA.map((p) => [p.id.replace('crm.lead:demo:', ''), p.status])).toEqual([
      ['a', 500],
      ['a', 200],
      ['a:update:1', 200],
      ['a:update:2', 200],
    ]);
    // One conversation's pushes never overlap: each starts after the previous one was answered.
    for (let i = 1; i < ofA.length; i++) expect(ofA[i]!.start).toBeGreaterThanOrEqual(ofA[i - 1]!.end!);
    // The other conversation did not wait behind a's retry.
    expect(rx.pushes.findIndex((p) => p.conversation === 'b')).toBeLessThan(ofA.length);
  });

  it('while the CRM is down it is probed, not flooded; when it is back the backlog goes at once', async () => {
    const rx = await crm(20);
    const { outbox } = outboxIn();
    const d = dispatcherFor(outbox, rx.url, { baseBackoffMs: 50, maxBackoffMs: 200 });
    await d.start();
    rx.state.mode = 'failing';
    for (let i = 0; i < 25; i++) await outbox.enqueue(leadOf(`c${i}`));
    d.notify();
    await until(() => rx.pushes.length >= 3);
    // Then the CRM process dies outright: connections are refused.
    await rx.stop();
    await new Promise((r) => setTimeout(r, 800));
    expect(d.state().consecutiveFailures).toBeGreaterThan(0);
    const failedWhileDown = rx.pushes.length;
    // Without a breaker each of the 25 entries would be retried on its own back-off.
    expect(failedWhileDown).toBeLessThan(25);
    rx.state.mode = 'up';
    await new Promise<void>((resolve) => rx.server.listen(rx.port, '127.0.0.1', resolve));
    await until(allDelivered(outbox, 25));
    const entries = await Promise.all(Array.from({ length: 25 }, (_, i) => outbox.get(leadOf(`c${i}`).id)));
    // Delivered by the first push after recovery: nobody waited out a back-off of its own.
    const okPushes = rx.pushes.filter((p) => p.status === 200);
    expect(okPushes).toHaveLength(25);
    expect(entries.every((e) => e?.status === 'delivered')).toBe(true);
    expect(d.state()).toMatchObject({ consecutiveFailures: 0, inFlight: 0 });
  });

  it('an entry still failing after retryForMs becomes a dead letter; re-driving it delivers it', async () => {
    const rx = await crm(5);
    rx.state.mode = 'failing';
    let now = Date.now();
    const clock: Clock = { now: () => now };
    const { outbox } = outboxIn(undefined, clock);
    const d = dispatcherFor(outbox, rx.url, { clock, retryForMs: 60_000, breaker: false });
    await outbox.enqueue(leadOf('old'));
    now += 61_000;
    await d.start();
    await until(async () => (await outbox.get(leadOf('old').id))?.status === 'dead');
    expect(rx.pushes).toHaveLength(1);
    rx.state.mode = 'up';
    expect(await outbox.redriveAll('demo')).toBe(1);
    d.notify();
    await until(allDelivered(outbox, 1));
  });

  it('picks up an entry re-driven by another process (leadbot outbox redrive) on its idle poll', async () => {
    const rx = await crm(5);
    const dir = mkdtempSync(join(tmpdir(), 'leadbot-flow-'));
    const { outbox } = outboxIn(dir);
    const d = dispatcherFor(outbox, rx.url, { idlePollMs: 100 });
    await outbox.enqueue(leadOf('x'));
    await outbox.markFailed(leadOf('x').id, 'HTTP 400', null);
    await d.start();
    // A second LMDB handle on the same folder stands for the CLI process.
    const other = new LmdbOutbox({ store: LmdbStore.open(dir), clock: systemClock });
    expect((await other.redrive(leadOf('x').id))?.status).toBe('pending');
    await until(allDelivered(outbox, 1));
  });
});

describe('LmdbOutbox order and age indexes', () => {
  it('knows an older pending entry of the same key, the oldest undelivered entry, and lists by status', async () => {
    let now = 1_000;
    const { outbox } = outboxIn(undefined, { now: () => now });
    await outbox.enqueue(leadOf('a'));
    now = 2_000;
    const { entry: update } = await outbox.enqueue(leadOf('a', ':update:1'));
    const { entry: other } = await outbox.enqueue(leadOf('b'));
    expect(outbox.olderPendingAt(update)).toBe(1_000);
    expect(outbox.olderPendingAt(other)).toBeUndefined();
    expect(outbox.oldestPendingAt()).toBe(1_000);
    await outbox.markDelivered(leadOf('a').id, 2_500);
    expect(outbox.olderPendingAt(update)).toBeUndefined();
    expect(outbox.oldestPendingAt()).toBe(2_000);
    await outbox.markFailed(other.id, 'HTTP 400', null);
    expect((await outbox.list({ status: 'dead', limit: 10 })).map((e) => e.id)).toEqual([other.id]);
    expect((await outbox.list({ status: 'pending', limit: 10 })).map((e) => e.id)).toEqual([update.id]);
    expect(await outbox.list({ status: 'pending', tenantId: 'other', limit: 10 })).toEqual([]);
  });

  it('expedite makes backed-off entries due now without counting an attempt', async () => {
    let now = 10_000;
    const { outbox } = outboxIn(undefined, { now: () => now });
    await outbox.enqueue(leadOf('a'));
    await outbox.markFailed(leadOf('a').id, 'HTTP 503', 70_000);
    expect(await outbox.due(now, 10)).toEqual([]);
    now = 11_000;
    expect(await outbox.expedite(now)).toBe(1);
    const [due] = await outbox.due(now, 10);
    expect(due).toMatchObject({ id: leadOf('a').id, attempts: 1, nextAttemptAt: 11_000 });
  });

  it('a store from before the order index gets its rows when opened', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'leadbot-flow-'));
    const store = LmdbStore.open(dir);
    // Written the way the previous version did: the entry and its due row only.
    const entry: OutboxEntry = {
      ...leadOf('legacy'),
      status: 'pending',
      attempts: 0,
      createdAt: 500,
      nextAttemptAt: 500,
    };
    await store.database<OutboxEntry>('outbox').put(entry.id, entry);
    await store.database<true, [number, string]>('outbox_due').put([500, entry.id], true);
    const outbox = new LmdbOutbox({ store, clock: systemClock });
    expect(outbox.oldestPendingAt()).toBe(500);
    const { entry: later } = await outbox.enqueue(leadOf('legacy', ':update:1'));
    expect(outbox.olderPendingAt(later)).toBe(500);
    await store.close();
  });
});
