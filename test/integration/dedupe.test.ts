import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LmdbDeduper } from '../../src/adapters/lmdb-dedupe.ts';
import { LmdbStore } from '../../src/adapters/lmdb-store.ts';
import type { Leadbot } from '../../src/main.ts';
import { startTestLeadbot } from '../helpers/in-process.ts';
import { WsClient } from '../helpers/ws-client.ts';

describe('LmdbDeduper (real LMDB)', () => {
  it('drops ids in flight or handled within the window; only handled ids survive a restart', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'leadbot-dedupe-'));
    let store = LmdbStore.open(dir);
    let dedupe = new LmdbDeduper(store, 1000);
    expect(dedupe.checkAndRecord('c1', 'm1', 0)).toBe(false);
    expect(dedupe.checkAndRecord('c1', 'm1', 10)).toBe(true); // in flight
    dedupe.confirm('c1', 'm1', 20); // its turn was persisted
    expect(dedupe.checkAndRecord('c1', 'm1', 500)).toBe(true);
    expect(dedupe.checkAndRecord('c2', 'm1', 500)).toBe(false); // accepted, never handled
    await store.close();
    store = LmdbStore.open(dir);
    dedupe = new LmdbDeduper(store, 1000);
    expect(dedupe.checkAndRecord('c1', 'm1', 900)).toBe(true);
    // Lost in the crash before its turn: the retry goes through.
    expect(dedupe.checkAndRecord('c2', 'm1', 900)).toBe(false);
    dedupe.forget('c2', 'm1');
    expect(dedupe.checkAndRecord('c2', 'm1', 901)).toBe(false);
    expect(dedupe.checkAndRecord('c1', 'm1', 1020)).toBe(false); // outside the window
    dedupe.confirm('c1', 'm1', 1030);
    expect(dedupe.prune(5000)).toBe(1);
    await store.close();
  });

  it('a saved turn and the ids it handled commit together: a crash right after cannot let a retry in', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'leadbot-dedupe-'));
    let store = LmdbStore.open(dir);
    let dedupe = new LmdbDeduper(store, 60_000);
    expect(dedupe.checkAndRecord('c1', 'm1', 100)).toBe(false);
    expect(dedupe.checkAndRecord('c1', 'm2', 100)).toBe(false);
    // The turn commits; the process dies before anything else runs (no confirm).
    await store.saveTurn({
      conversation: {
        conversationId: 'c1',
        tenantId: 'demo',
        channel: 'rest',
        userId: 'u1',
        snapshot: undefined,
        machineVersion: 1,
        updatedAt: 200,
      },
      history: [{ role: 'user', text: 'hola', at: 100, turn: 1, messageId: 'm1' }],
      handled: { ids: ['m1', 'm2'], at: 200 },
    });
    await store.close();
    store = LmdbStore.open(dir);
    dedupe = new LmdbDeduper(store, 60_000);
    expect(dedupe.checkAndRecord('c1', 'm1', 300)).toBe(true);
    expect(dedupe.checkAndRecord('c1', 'm2', 300)).toBe(true);
    expect(dedupe.checkAndRecord('c1', 'm3', 300)).toBe(false);
    // Pruned like any other handled id once outside the window.
    expect(dedupe.prune(200 + 60_001)).toBe(2);
    await store.close();
  });
});

describe('retried deliveries never produce a second reply', () => {
  let node: Leadbot & { url: string };
  beforeAll(async () => {
    node = await startTestLeadbot();
  });
  afterAll(async () => {
    await node.close();
  });

  it('the widget resending a message with the same id after a reconnect gets no second reply', async () => {
    const first = await WsClient.connect(node.url, { tenant: 'demo', session: 'dup-ws' });
    const frame = JSON.stringify({
      type: 'user.message',
      id: 'client-42',
      text: 'Hola, necesito una cotización',
    });
    first.socket.send(frame);
    await first.next('bot.message');
    await first.close();
    const second = await WsClient.connect(node.url, { tenant: 'demo', session: 'dup-ws' });
    second.socket.send(frame);
    await expect(second.next('bot.message', 700)).rejects.toThrow(/no bot.message frame/);
    // The conversation goes on normally with a new id.
    const reply = await second.say('Soy Ana Ruiz, ana@ruiz.mx');
    expect(reply.state).toBe('handoff');
    await second.close();
  });

  it('REST with the same message_id is processed once: a retry gets the same answer, not a new turn', async () => {
    const post = (text = 'Hola') =>
      fetch(`${node.url}/webhooks/rest`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ sender: 'dup-rest', message: text, message_id: 'wamid.1' }),
      });
    const a = (await (await post()).json()) as unknown[];
    expect(a.length).toBeGreaterThan(0);
    const b = (await (await post()).json()) as unknown[];
    expect(b).toEqual(a);
    const history = await node.store.getHistory('demo:rest:dup-rest', 50);
    expect(history.filter((h) => h.role === 'user')).toHaveLength(1);
    const prom = await (await fetch(`${node.url}/metrics/prometheus`)).text();
    expect(prom).toMatch(/leadbot_messages_rejected_total\{code="duplicate"\} 2/);
  });

  it('a REST retry sent while the first delivery is still in flight waits for that turn', async () => {
    const body = JSON.stringify({
      sender: 'dup-inflight',
      message: 'Necesito cotizar rastreo para 8 camiones',
      message_id: 'inflight-1',
    });
    const post = () =>
      fetch(`${node.url}/webhooks/rest`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body,
      }).then((r) => r.json() as Promise<{ text: string }[]>);
    const [a, b] = await Promise.all([post(), post()]);
    expect(a.length).toBeGreaterThan(0);
    expect(b.map((r) => r.text)).toEqual(a.map((r) => r.text));
    const history = await node.store.getHistory('demo:rest:dup-inflight', 50);
    expect(history.filter((h) => h.role === 'user')).toHaveLength(1);
  });
});

describe('bursts', () => {
  it('with bus.coalesceMs set, "hola" / "necesito" / "precios" typed together get one answer', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'leadbot-burst-'));
    const file = join(dir, 'settings.json');
    writeFileSync(file, JSON.stringify({ bus: { coalesceMs: 300 } }));
    const node = await startTestLeadbot({ LEADBOT_CONFIG: file });
    try {
      const ws = await WsClient.connect(node.url, { tenant: 'demo', session: 'burst' });
      for (const [i, text] of ['hola', 'necesito', '¿precios del plan Profesional?'].entries()) {
        ws.socket.send(JSON.stringify({ type: 'user.message', id: `b${i}`, text }));
      }
      const reply = await ws.next('bot.message');
      expect(reply.text).toMatch(/499 USD/);
      await expect(ws.next('bot.message', 800)).rejects.toThrow(/no bot.message frame/);
      await ws.close();
    } finally {
      await node.close();
    }
  });
});
