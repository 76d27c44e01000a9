import { mkdtempSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
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
  parseRetryAfter,
  signWebhook,
  validateWebhookUrl,
  verifyWebhook,
  type DispatcherLog,
  type OutboxDispatcherOptions,
} from '../../src/runtime/outbox-dispatcher.ts';

const SECRET = 'test-secret';
const PII = 'ana.perez@example.com';

interface Received {
  at: number;
  headers: IncomingHttpHeaders;
  body: string;
  signatureOk: boolean;
}
interface Reply {
  status: number;
  headers?: Record<string, string>;
  delayMs?: number;
}

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** A real HTTP receiver on a random loopback port that checks every signature. */
async function receiver(
  reply: (n: number) => Reply,
  port = 0,
): Promise<{ url: string; port: number; got: Received[] }> {
  const got: Received[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      got.push({
        at: Date.now(),
        headers: req.headers,
        body,
        signatureOk: verifyWebhook(SECRET, req.headers, body, 300),
      });
      const r = reply(got.length);
      setTimeout(() => res.writeHead(r.status, r.headers).end('{"echo":"ignored"}'), r.delayMs ?? 0);
    });
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  cleanups.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
  const { port: bound } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${bound}/hooks/leads`, port: bound, got };
}

function recordingLog(): DispatcherLog & { lines: string[] } {
  const lines: string[] = [];
  const at =
    (level: string) =>
    (obj: Record<string, unknown>, msg: string): void => {
      lines.push(`${level} ${msg} ${JSON.stringify(obj)}`);
    };
  return { lines, debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}

function openStore(dir = mkdtempSync(join(tmpdir(), 'leadbot-outbox-'))): { dir: string; store: LmdbStore } {
  const store = LmdbStore.open(dir);
  let closed = false;
  cleanups.push(async () => {
    if (!closed) await store.close();
  });
  const close = store.close.bind(store);
  store.close = async () => {
    closed = true;
    await close();
  };
  return { dir, store };
}

function dispatcher(
  outbox: LmdbOutbox,
  url: string,
  extra: Partial<OutboxDispatcherOptions> = {},
): { d: OutboxDispatcher; log: ReturnType<typeof recordingLog>; delivered: OutboxEntry[] } {
  const log = recordingLog();
  const delivered: OutboxEntry[] = [];
  const d = new OutboxDispatcher({
    outbox,
    clock: systemClock,
    log,
    webhook: { url, secret: SECRET, timeoutMs: 2000 },
    maxAttempts: 5,
    baseBackoffMs: 20,
    maxBackoffMs: 80,
    onDelivered: (entry) => {
      delivered.push(entry);
    },
    ...extra,
  });
  cleanups.push(() => d.close());
  return { d, log, delivered };
}

async function waitFor<T>(
  probe: () => Promise<T | undefined> | T | undefined,
  timeoutMs = 15_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error('waitFor timed out');
    await new Promise((r) => setTimeout(r, 10));
  }
}

const statusOf = (outbox: LmdbOutbox, id: string, status: OutboxEntry['status']) => async () => {
  const entry = await outbox.get(id);
  return entry?.status === status ? entry : undefined;
};

const lead = {
  id: 'lead-1',
  tenantId: 'demo',
  kind: 'crm.lead' as const,
  payload: { contact_info: { email: PII } },
};

describe('LmdbOutbox + OutboxDispatcher (real LMDB, real HTTP receiver)', () => {
  it('delivers a signed POST with the documented body and headers', async () => {
    const rx = await receiver(() => ({ status: 204 }));
    const { store } = openStore();
    const outbox = new LmdbOutbox({ store, clock: systemClock });
    const { d, log, delivered } = dispatcher(outbox, rx.url);
    await d.start();
    const before = Date.now();
    const { enqueued, entry } = await outbox.enqueue(lead);
    expect(enqueued).toBe(true);
    expect(entry).toMatchObject({ status: 'pending', attempts: 0 });
    d.notify();
    const done = await waitFor(statusOf(outbox, lead.id, 'delivered'));
    expect(done.attempts).toBe(1);
    expect(done.deliveredAt).toBeGreaterThanOrEqual(before);
    await waitFor(() => (delivered.length > 0 ? true : undefined));
    expect(delivered.map((e) => e.id)).toEqual([lead.id]);

    expect(rx.got).toHaveLength(1);
    const req = rx.got[0]!;
    expect(req.signatureOk).toBe(true);
    expect(req.headers['content-type']).toBe('application/json');
    expect(req.headers['idempotency-key']).toBe(lead.id);
    const ts = Number(req.headers['x-leadbot-timestamp']);
    expect(Math.abs(ts - Date.now() / 1000)).toBeLessThan(5);
    expect(req.headers['x-leadbot-signature']).toBe(`sha256=${signWebhook(SECRET, ts, req.body)}`);
    expect(JSON.parse(req.body)).toEqual({
      id: lead.id,
      kind: 'crm.lead',
      tenant_id: 'demo',
      created_at: new Date(entry.createdAt).toISOString(),
      data: lead.payload,
    });
    // Personal data never reaches the logs.
    expect(log.lines.join('\n')).not.toContain(PII);
    expect(await outbox.stats()).toEqual({ pending: 0, delivered: 1, dead: 0 });
  });

  it('enqueue is idempotent on id', async () => {
    const rx = await receiver(() => ({ status: 200 }));
    const { store } = openStore();
    const outbox = new LmdbOutbox({ store, clock: systemClock });
    const first = await outbox.enqueue(lead);
    const again = await outbox.enqueue({ ...lead, payload: { other: true } });
    expect(again.enqueued).toBe(false);
    expect(again.entry.payload).toEqual(lead.payload);
    expect(await outbox.stats()).toEqual({ pending: 1, delivered: 0, dead: 0 });
    const { d } = dispatcher(outbox, rx.url);
    await d.start();
    await waitFor(statusOf(outbox, lead.id, 'delivered'));
    // Still a no-op once delivered: the id is never sent twice.
    expect((await outbox.enqueue(lead)).enqueued).toBe(false);
    d.notify();
    await new Promise((r) => setTimeout(r, 100));
    expect(rx.got).toHaveLength(1);
    expect(first.entry.createdAt).toBe((await outbox.get(lead.id))!.createdAt);
  });

  it('retries on 500 with back-off, then succeeds', async () => {
    const rx = await receiver((n) => ({ status: n <= 2 ? 500 : 200 }));
    const { store } = openStore();
    const outbox = new LmdbOutbox({ store, clock: systemClock });
    const { d, log } = dispatcher(outbox, rx.url);
    await d.start();
    await outbox.enqueue(lead);
    d.notify();
    const done = await waitFor(statusOf(outbox, lead.id, 'delivered'));
    expect(done.attempts).toBe(3);
    expect(done.lastError).toBe('HTTP 500');
    expect(rx.got).toHaveLength(3);
    expect(rx.got.every((r) => r.signatureOk && r.headers['idempotency-key'] === lead.id)).toBe(true);
    expect(log.lines.filter((l) => l.startsWith('warn') && l.includes('will retry'))).toHaveLength(2);
  });

  it('honours Retry-After', async () => {
    const rx = await receiver((n) =>
      n === 1 ? { status: 503, headers: { 'Retry-After': '1' } } : { status: 200 },
    );
    const { store } = openStore();
    const outbox = new LmdbOutbox({ store, clock: systemClock });
    const { d } = dispatcher(outbox, rx.url, { baseBackoffMs: 5, maxBackoffMs: 10 });
    await d.start();
    await outbox.enqueue(lead);
    d.notify();
    await waitFor(statusOf(outbox, lead.id, 'delivered'));
    expect(rx.got).toHaveLength(2);
    expect(rx.got[1]!.at - rx.got[0]!.at).toBeGreaterThanOrEqual(950);
  });

  it('429 is retried too; Retry-After parses seconds and HTTP dates', async () => {
    expect(parseRetryAfter('2', 0)).toBe(2000);
    expect(parseRetryAfter(new Date(10_000).toUTCString(), 4000)).toBe(6000);
    expect(parseRetryAfter('soon', 0)).toBeUndefined();
    expect(parseRetryAfter(null, 0)).toBeUndefined();
    const rx = await receiver((n) => ({ status: n === 1 ? 429 : 200 }));
    const { store } = openStore();
    const outbox = new LmdbOutbox({ store, clock: systemClock });
    const { d } = dispatcher(outbox, rx.url);
    await d.start();
    await outbox.enqueue(lead);
    d.notify();
    expect((await waitFor(statusOf(outbox, lead.id, 'delivered'))).attempts).toBe(2);
  });

  it('a 400 is a permanent rejection: dead at once, kept, and can be re-driven', async () => {
    let status = 400;
    const rx = await receiver(() => ({ status }));
    const { store } = openStore();
    const outbox = new LmdbOutbox({ store, clock: systemClock });
    const { d, log, delivered } = dispatcher(outbox, rx.url);
    await d.start();
    await outbox.enqueue(lead);
    d.notify();
    const dead = await waitFor(statusOf(outbox, lead.id, 'dead'));
    expect(dead).toMatchObject({ attempts: 1, lastError: 'HTTP 400' });
    await new Promise((r) => setTimeout(r, 150));
    expect(rx.got).toHaveLength(1);
    expect(delivered).toHaveLength(0);
    expect(
      log.lines.some((l) => l.startsWith('error') && l.includes('permanently') && l.includes('"status":400')),
    ).toBe(true);
    expect(await outbox.stats()).toEqual({ pending: 0, delivered: 0, dead: 1 });
    expect((await outbox.deadLetters()).map((e) => e.id)).toEqual([lead.id]);

    status = 200;
    const redriven = await outbox.redrive(lead.id);
    expect(redriven).toMatchObject({ status: 'pending', attempts: 0 });
    d.notify();
    await waitFor(statusOf(outbox, lead.id, 'delivered'));
    expect(await outbox.stats()).toEqual({ pending: 0, delivered: 1, dead: 0 });
    expect(await outbox.redrive('nope')).toBeUndefined();
  });

  it('after maxAttempts the entry is dead and still stored after reopening', async () => {
    const rx = await receiver(() => ({ status: 502 }));
    const { dir, store } = openStore();
    const outbox = new LmdbOutbox({ store, clock: systemClock });
    const { d, log } = dispatcher(outbox, rx.url, { maxAttempts: 3 });
    await d.start();
    await outbox.enqueue(lead);
    d.notify();
    const dead = await waitFor(statusOf(outbox, lead.id, 'dead'));
    expect(dead.attempts).toBe(3);
    expect(rx.got).toHaveLength(3);
    // The dead letter is stored, then logged: wait for the line rather than race the dispatcher.
    const line = await waitFor(() =>
      log.lines.find((l) => l.startsWith('error') && l.includes('failed 3 times')),
    );
    expect(line).toContain('dead letter');
    await d.close();
    await store.close();

    const reopened = openStore(dir).store;
    const outbox2 = new LmdbOutbox({ store: reopened, clock: systemClock });
    expect(await outbox2.get(lead.id)).toMatchObject({ status: 'dead', attempts: 3, payload: lead.payload });
    expect(await outbox2.due(Date.now() + 1e9, 10)).toEqual([]);
  });

  it('an entry enqueued before a restart is delivered after it', async () => {
    const rx = await receiver(() => ({ status: 200 }));
    const { dir, store } = openStore();
    await new LmdbOutbox({ store, clock: systemClock }).enqueue(lead);
    await store.close();

    const reopened = openStore(dir).store;
    const outbox = new LmdbOutbox({ store: reopened, clock: systemClock });
    const { d, delivered } = dispatcher(outbox, rx.url);
    await d.start(); // no notify: start() picks up what was pending
    await waitFor(statusOf(outbox, lead.id, 'delivered'));
    await waitFor(() => (delivered.length > 0 ? true : undefined));
    expect(delivered).toHaveLength(1);
    expect(rx.got[0]!.signatureOk).toBe(true);
  });

  it('retries while the receiver is down (connection refused), then delivers', async () => {
    const probe = await receiver(() => ({ status: 200 }));
    const port = probe.port;
    await cleanups.pop()!(); // close it: the port now refuses connections
    const { store } = openStore();
    const outbox = new LmdbOutbox({ store, clock: systemClock });
    const { d } = dispatcher(outbox, probe.url, { maxAttempts: 50, baseBackoffMs: 50, maxBackoffMs: 100 });
    await d.start();
    await outbox.enqueue(lead);
    d.notify();
    const failing = await waitFor(async () => {
      const e = await outbox.get(lead.id);
      return e && e.attempts >= 2 ? e : undefined;
    });
    expect(failing.status).toBe('pending');
    expect(failing.lastError).toMatch(/ECONNREFUSED/);
    const rx = await receiver(() => ({ status: 200 }), port);
    await waitFor(statusOf(outbox, lead.id, 'delivered'));
    expect(rx.got).toHaveLength(1);
  });

  it('a receiver that hangs past timeoutMs counts as a retryable failure', async () => {
    const rx = await receiver((n) => ({ status: 200, delayMs: n === 1 ? 1000 : 0 }));
    const { store } = openStore();
    const outbox = new LmdbOutbox({ store, clock: systemClock });
    const { d } = dispatcher(outbox, rx.url, { webhook: { url: rx.url, secret: SECRET, timeoutMs: 200 } });
    await d.start();
    await outbox.enqueue(lead);
    d.notify();
    const done = await waitFor(statusOf(outbox, lead.id, 'delivered'));
    expect(done).toMatchObject({ attempts: 2, lastError: 'timeout after 200 ms' });
  });

  it('close() during a delivery waits for it, records it, then stops', async () => {
    const rx = await receiver(() => ({ status: 200, delayMs: 300 }));
    const { store } = openStore();
    const outbox = new LmdbOutbox({ store, clock: systemClock });
    const { d, delivered } = dispatcher(outbox, rx.url, { concurrency: 1 });
    await d.start();
    await outbox.enqueue(lead);
    await outbox.enqueue({ ...lead, id: 'lead-2' });
    d.notify();
    await waitFor(() => (rx.got.length === 1 ? true : undefined));
    await d.close();
    expect((await outbox.get(lead.id))?.status).toBe('delivered');
    expect(delivered).toHaveLength(1);
    await outbox.enqueue({ ...lead, id: 'lead-3' });
    d.notify(); // ignored after close
    await new Promise((r) => setTimeout(r, 150));
    expect(rx.got).toHaveLength(1);
    expect(await outbox.stats()).toEqual({ pending: 2, delivered: 1, dead: 0 });
    await store.close();
  });

  it('due() is an index range scan, oldest first, honouring nextAttemptAt', async () => {
    let now = 1_000;
    const clock: Clock = { now: () => now };
    const { store } = openStore();
    const outbox = new LmdbOutbox({ store, clock });
    for (const id of ['c', 'a', 'b']) {
      await outbox.enqueue({ ...lead, id });
      now += 10;
    }
    expect((await outbox.due(1_020, 10)).map((e) => e.id)).toEqual(['c', 'a', 'b']);
    expect((await outbox.due(1_010, 10)).map((e) => e.id)).toEqual(['c', 'a']);
    expect((await outbox.due(1_020, 1)).map((e) => e.id)).toEqual(['c']);
    await outbox.markFailed('c', 'HTTP 500', 5_000);
    expect((await outbox.due(1_020, 10)).map((e) => e.id)).toEqual(['a', 'b']);
    expect(await outbox.nextDueAt()).toBe(1_010);
    await outbox.markDelivered('a', 1_030);
    await outbox.markDelivered('b', 1_030);
    expect(await outbox.nextDueAt()).toBe(5_000);
    expect((await outbox.due(5_000, 10)).map((e) => e.id)).toEqual(['c']);
    // Marking a non-pending entry is a no-op.
    expect(await outbox.markFailed('a', 'late', null)).toBeUndefined();
    expect((await outbox.get('a'))?.status).toBe('delivered');
  });
});

describe('webhook signature and URL checks', () => {
  const body = '{"id":"x"}';
  const now = 1_700_000_000;
  const headers = (sig: string, ts = now) => ({
    'x-leadbot-timestamp': String(ts),
    'x-leadbot-signature': sig,
  });

  it('verifies good signatures and rejects tampering, staleness and malformed headers', () => {
    const sig = `sha256=${signWebhook(SECRET, now, body)}`;
    expect(verifyWebhook(SECRET, headers(sig), body, 300, now)).toBe(true);
    expect(verifyWebhook(SECRET, new Headers(headers(sig)), Buffer.from(body), 300, now + 200)).toBe(true);
    expect(verifyWebhook(SECRET, headers(sig), '{"id":"y"}', 300, now)).toBe(false);
    expect(verifyWebhook('other', headers(sig), body, 300, now)).toBe(false);
    expect(verifyWebhook(SECRET, headers(sig), body, 300, now + 301)).toBe(false);
    expect(verifyWebhook(SECRET, headers(sig.slice(0, -2)), body, 300, now)).toBe(false);
    expect(verifyWebhook(SECRET, { 'x-leadbot-signature': sig }, body, 300, now)).toBe(false);
  });

  it('accepts https anywhere and http only on loopback', () => {
    for (const ok of [
      'https://crm.example.com/hook',
      'http://127.0.0.1:8080/x',
      'http://localhost/x',
      'http://[::1]:9/x',
    ])
      expect(() => validateWebhookUrl(ok)).not.toThrow();
    for (const bad of ['http://crm.example.com/hook', 'http://10.0.0.1/x', 'ftp://127.0.0.1/x', 'not a url'])
      expect(() => validateWebhookUrl(bad)).toThrow(/https/);
  });
});
