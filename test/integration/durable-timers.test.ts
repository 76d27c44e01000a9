import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { LmdbStore } from '../../src/adapters/lmdb-store.ts';
import { createLogger } from '../../src/logger.ts';
import type { Clock } from '../../src/ports/clock.ts';
import { DurableTimers, type TimerEntry } from '../../src/runtime/durable-timers.ts';

const log = createLogger({ level: 'silent', content: false, pretty: false, nodeId: 't' });

function entry(
  conversationId: string,
  dueAt: number,
  kind: TimerEntry['kind'] = 'session.expired',
): TimerEntry {
  return { conversationId, tenantId: 'demo', channel: 'web', userId: 'u', kind, dueAt, turn: 1 };
}

/** Starts timers on a store and collects what fires (never completing unless asked). */
function open(dir: string, clock: Clock, complete = false) {
  const store = LmdbStore.open(dir);
  const fired: TimerEntry[] = [];
  let wake: () => void = () => {};
  const timers: DurableTimers = new DurableTimers(store, clock, log, (e) => {
    fired.push(e);
    if (complete) timers.complete(e.conversationId, e.kind, e.dueAt);
    wake();
    return Promise.resolve();
  });
  const until = async (n: number) => {
    const deadline = Date.now() + 5000;
    while (fired.length < n) {
      if (Date.now() > deadline) throw new Error(`expected ${n} timers to fire, got ${fired.length}`);
      await new Promise<void>((r) => ((wake = r), setTimeout(r, 200)));
    }
  };
  return { store, timers, fired, until };
}

describe('durable timers (real LMDB)', () => {
  const clock: Clock = { now: () => Date.now() };

  it('a timer that fired but was not handled before a crash fires again after restart; a handled one does not', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'leadbot-dt-'));
    const now = Date.now();
    const a = open(dir, clock);
    a.timers.schedule(entry('c1', now - 10));
    a.timers.schedule(entry('c2', now - 5));
    a.timers.start();
    await a.until(2);
    expect(a.fired.map((e) => e.conversationId)).toEqual(['c1', 'c2']);
    // Only c2's handler finished before the "crash".
    a.timers.complete('c2', 'session.expired', now - 5);
    a.timers.close();
    await a.store.close();

    const b = open(dir, clock, true);
    b.timers.start();
    await b.until(1);
    await new Promise((r) => setTimeout(r, 100));
    expect(b.fired.map((e) => e.conversationId)).toEqual(['c1']);
    b.timers.close();
    await b.store.close();

    const c = open(dir, clock, true);
    c.timers.start();
    await new Promise((r) => setTimeout(r, 200));
    expect(c.fired).toEqual([]);
    c.timers.close();
    await c.store.close();
  });

  it('fires each kind at its own time, and an entry being handled is not fired twice meanwhile', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'leadbot-dt-'));
    const t = open(dir, clock);
    const now = Date.now();
    t.timers.schedule(entry('c1', now + 150, 'followup.due'));
    t.timers.schedule(entry('c1', now + 400, 'session.expired'));
    t.timers.start();
    await t.until(1);
    expect(t.fired.map((e) => e.kind)).toEqual(['followup.due']);
    expect(Date.now()).toBeGreaterThanOrEqual(now + 150);
    await t.until(2);
    expect(t.fired.map((e) => e.kind)).toEqual(['followup.due', 'session.expired']);
    // Not completed, but not re-fired within the same process either.
    await new Promise((r) => setTimeout(r, 200));
    expect(t.fired).toHaveLength(2);
    // Rescheduling a kind that is being handled replaces it; completing the old one keeps the new.
    t.timers.schedule(entry('c1', now + 60_000, 'session.expired'));
    t.timers.complete('c1', 'session.expired', now + 400);
    expect(t.timers.dueAtOf('c1', 'session.expired')).toBe(now + 60_000);
    t.timers.close();
    await t.store.close();
  });
});
