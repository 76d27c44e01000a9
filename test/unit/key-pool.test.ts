import { inspect } from 'node:util';
import { pino } from 'pino';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { ConfigError } from '../../src/errors.ts';
import type { Clock } from '../../src/ports/clock.ts';
import type { KeyPoolApi } from '../../src/runtime/key-pool-actor.ts';
import { IMPLS, createPool, keyStatus, poolTestClock, type PoolImpl } from '../helpers/key-pools.ts';
import {
  parseKeySpecs,
  type KeyPoolOptions,
  type KeySpec,
  type Lease,
  type PoolLogger,
} from '../../src/runtime/key-pool.ts';

const T0 = 1_700_000_000_000;
const clock: Clock = { now: () => Date.now() };
const pools = poolTestClock(T0);
let current: PoolImpl = 'core';

function key(id: string, extra: Partial<KeySpec> = {}): KeySpec {
  return { id, secret: `sk-SECRET-${id}-0123456789`, rpm: 100, ...extra };
}

/** For tests about pinning, health and concurrency: a whole minute's burst, so pacing stays out of the way. */
const MINUTE_BURST: Partial<KeyPoolOptions> = { pacing: { burstSeconds: 60, margin: 0 }, urgentReserve: 0 };

function poolOf(keys: KeySpec[], options: Partial<KeyPoolOptions> = {}): KeyPoolApi {
  const pool = createPool(current, { keys, clock, windowMarginMs: 0, ...options });
  pools.push(pool);
  return pool;
}

/** Acquires with no waiting; fails the test when no lease comes back. */
async function lease(pool: KeyPoolApi, conversationId: string, estimatedTokens = 0): Promise<Lease> {
  const got = await pool.acquire(conversationId, { estimatedTokens, deadlineMs: 0 });
  if (!got) throw new Error(`no lease for ${conversationId}`);
  return got;
}

/** Tracks a pending promise's outcome without awaiting it. */
function track<T>(promise: Promise<T>): { done: boolean; value?: T; error?: unknown } {
  const state: { done: boolean; value?: T; error?: unknown } = { done: false };
  promise.then(
    (value) => Object.assign(state, { done: true, value }),
    (error: unknown) => Object.assign(state, { done: true, error }),
  );
  return state;
}

const status = keyStatus;

describe.each(IMPLS)('KeyPool (%s): pinning', (impl) => {
  beforeEach(() => void (current = impl));
  it('pins new conversations to the key with fewest conversations, ties by key order', () => {
    const pool = poolOf([key('a'), key('b'), key('c')]);
    expect(['c1', 'c2', 'c3', 'c4', 'c5'].map((c) => pool.pin(c))).toEqual(['a', 'b', 'c', 'a', 'b']);
    expect(pool.report().total_active).toBe(5);
  });

  it('breaks a connection tie by the most budget left', async () => {
    const pool = poolOf([key('a', { rpm: 10 }), key('b', { rpm: 10 })], MINUTE_BURST);
    (await lease(pool, 'c1')).release();
    (await lease(pool, 'c1')).release();
    pool.release('c1', 'ended');
    // Both keys have no conversations; a spent 2 of 10 requests this minute.
    expect(pool.pin('c2')).toBe('b');
  });

  it('keeps a conversation on its key across requests', async () => {
    const pool = poolOf([key('a'), key('b')], MINUTE_BURST);
    const first = await lease(pool, 'c1');
    pool.pin('c2');
    pool.pin('c3');
    for (let i = 0; i < 5; i++) {
      const next = await lease(pool, 'c1');
      expect(next.keyId).toBe(first.keyId);
      next.release({ totalTokens: 10 });
    }
    expect(pool.pinnedKey('c1')).toBe('a');
  });

  it('gives a full key no new pins (maxConversations) and waits for room', async () => {
    const pool = poolOf([key('a', { maxConversations: 1 }), key('b', { maxConversations: 1 })]);
    expect(pool.pin('c1')).toBe('a');
    expect(pool.pin('c2')).toBe('b');
    expect(pool.pin('c3')).toBeUndefined();
    expect(await pool.acquire('c3', { estimatedTokens: 0, deadlineMs: 0 })).toBeUndefined();
    const waiting = track(pool.acquire('c3', { estimatedTokens: 0, deadlineMs: 5_000 }));
    await vi.advanceTimersByTimeAsync(100);
    expect(waiting.done).toBe(false);
    expect(pool.release('c1', 'ended')).toBe(true);
    await vi.advanceTimersByTimeAsync(0);
    expect((waiting.value as Lease).keyId).toBe('a');
    expect(status(pool, 'a').capacity_pct).toBe(100);
  });

  it('releases on end, disconnect and idle timeout, but never a busy conversation', async () => {
    const pool = poolOf([key('a'), key('b')], { idleMs: 60_000, tickMs: 1_000 });
    pool.pin('ended');
    pool.pin('gone');
    (await lease(pool, 'idle')).release();
    const busy = await lease(pool, 'busy');
    expect(pool.report().total_active).toBe(4);
    pool.release('ended', 'ended');
    pool.release('gone', 'disconnected');
    expect(pool.release('gone', 'disconnected')).toBe(false);
    expect(pool.report().total_active).toBe(2);
    await vi.advanceTimersByTimeAsync(59_000);
    expect(pool.pinnedKey('idle')).toBeDefined();
    await vi.advanceTimersByTimeAsync(8_000);
    expect(pool.pinnedKey('idle')).toBeUndefined();
    expect(pool.pinnedKey('busy')).toBeDefined();
    busy.release();
    expect(pool.sweep()).toBe(0);
    await vi.advanceTimersByTimeAsync(70_000);
    expect(pool.report().total_active).toBe(0);
  });
});

describe.each(IMPLS)('KeyPool (%s): budgets', (impl) => {
  beforeEach(() => void (current = impl));
  it('moves a conversation to a key with budget when its own is out for longer than its patience', async () => {
    const pool = poolOf([key('a', { rpm: 2 }), key('b', { rpm: 2 })], {
      ...MINUTE_BURST,
      pinPatienceMs: 1_000,
    });
    expect((await lease(pool, 'c1')).keyId).toBe('a');
    expect((await lease(pool, 'c1')).keyId).toBe('a');
    expect((await lease(pool, 'c1')).keyId).toBe('b');
    expect(pool.pinnedKey('c1')).toBe('b');
    expect(pool.report().pool_status.map((k) => k.active_conversations)).toEqual([0, 1]);
  });

  it('when every key is out, waits; the urgent waiter goes first, exactly when the pacer admits', async () => {
    // rpm 1 without margin: one request every 60 s.
    const pool = poolOf([key('a', { rpm: 1 })], { pacing: { burstSeconds: 1, margin: 0 } });
    await lease(pool, 'c1');
    const low = track(pool.acquire('c2', { estimatedTokens: 0, priority: 1, deadlineMs: 300_000 }));
    const lowToo = track(pool.acquire('c4', { estimatedTokens: 0, priority: 1, deadlineMs: 300_000 }));
    const urgent = track(pool.acquire('c3', { estimatedTokens: 0, priority: 9, deadlineMs: 300_000 }));
    expect(pool.report().queue_depth).toBe(3);
    // One wake-up timer (not polling): ticker + wake + three deadlines.
    expect(vi.getTimerCount()).toBe(5);
    await vi.advanceTimersByTimeAsync(59_999);
    expect([low.done, lowToo.done, urgent.done]).toEqual([false, false, false]);
    await vi.advanceTimersByTimeAsync(1);
    expect(urgent.done).toBe(true);
    expect(low.done).toBe(false);
    await vi.advanceTimersByTimeAsync(60_000);
    expect([low.done, lowToo.done]).toEqual([true, false]);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(lowToo.done).toBe(true);
    expect(pool.report().queue_depth).toBe(0);
  });

  it('lets a less urgent request overtake only on keys the urgent waiter cannot use', async () => {
    const pool = poolOf([key('a', { maxConversations: 1 }), key('b', { maxConversations: 1, rpm: 1 })]);
    pool.pin('c1');
    await lease(pool, 'c2');
    // c3 waits for room (both keys full); c1's own key is free for c1.
    const urgent = track(pool.acquire('c3', { estimatedTokens: 0, priority: 9, deadlineMs: 10_000 }));
    expect((await pool.acquire('c1', { estimatedTokens: 0, priority: 1, deadlineMs: 0 }))?.keyId).toBe('a');
    expect(urgent.done).toBe(false);
  });

  it('does not let small requests starve a large urgent one', async () => {
    // 1,000 tokens a minute without margin: 800 fit once the 600 leave the 60 s window; the 100
    // after that are paid for 48 s later.
    const pool = poolOf([key('a', { tpm: 1_000 })], { pacing: { burstSeconds: 1, margin: 0 } });
    (await lease(pool, 'c1', 600)).release({ totalTokens: 600 });
    const large = track(pool.acquire('c2', { estimatedTokens: 800, priority: 9, deadlineMs: 150_000 }));
    const small = track(pool.acquire('c3', { estimatedTokens: 100, priority: 1, deadlineMs: 150_000 }));
    await vi.advanceTimersByTimeAsync(59_999);
    expect([large.done, small.done]).toEqual([false, false]);
    await vi.advanceTimersByTimeAsync(1);
    expect([large.done, small.done]).toEqual([true, false]);
    await vi.advanceTimersByTimeAsync(48_000);
    expect(small.done).toBe(true);
  });

  it('resolves undefined at the deadline so the caller can use the built-in model', async () => {
    const pool = poolOf([key('a', { rpm: 1 })]);
    await lease(pool, 'c1');
    const waiting = track(pool.acquire('c2', { estimatedTokens: 0, deadlineMs: 2_000 }));
    await vi.advanceTimersByTimeAsync(1_999);
    expect(waiting.done).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect(waiting).toEqual({ done: true, value: undefined });
    expect(pool.report().queue_depth).toBe(0);
  });

  it('rejects with the abort reason and forgets the waiter', async () => {
    const pool = poolOf([key('a', { rpm: 1 })]);
    await lease(pool, 'c1');
    const controller = new AbortController();
    const waiting = pool.acquire('c2', { estimatedTokens: 0, signal: controller.signal });
    const reason = new Error('turn cancelled');
    controller.abort(reason);
    await expect(waiting).rejects.toBe(reason);
    expect(pool.report().queue_depth).toBe(0);
    await expect(pool.acquire('c3', { estimatedTokens: 0, signal: controller.signal })).rejects.toBe(reason);
  });

  it('checks tokens before sending and corrects the estimate with real usage', async () => {
    // 600 estimated tokens at 1,000 a minute are paid for at 36 s; the real 200 at 12 s.
    const pool = poolOf([key('a', { rpm: 100, tpm: 1_000 })], { pacing: { burstSeconds: 1, margin: 0 } });
    const first = await lease(pool, 'c1', 600);
    const second = track(pool.acquire('c2', { estimatedTokens: 600, deadlineMs: 60_000 }));
    await vi.advanceTimersByTimeAsync(10);
    expect(second.done).toBe(false);
    first.release({ totalTokens: 200 });
    await vi.advanceTimersByTimeAsync(11_980);
    expect(second.done).toBe(false);
    await vi.advanceTimersByTimeAsync(10);
    expect((second.value as Lease).keyId).toBe('a');
  });

  it('caps requests in flight; a lease released twice is a no-op', async () => {
    const pool = poolOf([key('a', { maxConcurrent: 1 })], MINUTE_BURST);
    const first = await lease(pool, 'c1');
    expect(await pool.acquire('c2', { estimatedTokens: 0, deadlineMs: 0 })).toBeUndefined();
    first.release();
    first.release();
    first.rateLimited(1_000);
    first.failed();
    await lease(pool, 'c2');
    expect(await pool.acquire('c3', { estimatedTokens: 0, deadlineMs: 0 })).toBeUndefined();
    expect(status(pool, 'a')).toMatchObject({ healthy: true, rate_limited_total: 0 });
  });

  it('shares a group budget between the keys of one account', async () => {
    const pool = poolOf([key('a', { rpm: 10, group: 'acct' }), key('b', { rpm: 10, group: 'acct' })], {
      groups: { acct: { rpm: 3 } },
      ...MINUTE_BURST,
    });
    const keys = [
      (await lease(pool, 'c1')).keyId,
      (await lease(pool, 'c2')).keyId,
      (await lease(pool, 'c1')).keyId,
    ];
    expect(keys).toEqual(['a', 'b', 'a']);
    expect(await pool.acquire('c2', { estimatedTokens: 0, deadlineMs: 0 })).toBeUndefined();
    expect(await pool.acquire('c3', { estimatedTokens: 0, deadlineMs: 0 })).toBeUndefined();
    expect(status(pool, 'b').capacity_pct).toBe(100);
  });
});

/** Small seeded PRNG (mulberry32), so the property test replays the same traffic. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** Most events of `times` (sorted) inside any half-open window of `windowMs`. */
function busiestWindow(events: { t: number; weight: number }[], windowMs: number): number {
  let best = 0;
  let sum = 0;
  let start = 0;
  for (const event of events) {
    sum += event.weight;
    while (events[start]!.t <= event.t - windowMs) sum -= events[start++]!.weight;
    best = Math.max(best, sum);
  }
  return best;
}

describe.each(IMPLS)('KeyPool (%s): property', (impl) => {
  beforeEach(() => void (current = impl));
  it.each([1, 2, 3])(
    'random traffic for 10 simulated minutes never exceeds rpm/tpm in any 60 s window (seed %i)',
    async (seed) => {
      const random = prng(seed);
      const int = (n: number) => Math.floor(random() * n);
      const keys = [
        key('k1', { rpm: 5 }),
        key('k2', { rpm: 8, tpm: 2_000 }),
        key('k3', { rpm: 12, group: 'g', maxConversations: 6 }),
        key('k4', { rpm: 7, group: 'g', maxConcurrent: 2 }),
      ];
      const pool = poolOf(keys, {
        groups: { g: { rpm: 10, tpm: 3_000 } },
        idleMs: 20_000,
        failureThreshold: 2,
      });
      const sent: { t: number; keyId: string; tokens: number }[] = [];
      const end = T0 + 10 * 60_000;
      let settled = 0;
      while (Date.now() < end) {
        await vi.advanceTimersByTimeAsync(int(1_500));
        for (let n = int(3); n > 0; n--) {
          const conversationId = `c${int(40)}`;
          if (random() < 0.15) {
            pool.release(conversationId, (['ended', 'disconnected', 'idle'] as const)[int(3)]!);
            continue;
          }
          const estimatedTokens = int(600);
          const controller = new AbortController();
          const pending = pool.acquire(conversationId, {
            estimatedTokens,
            priority: int(10),
            deadlineMs: int(30_000),
            signal: controller.signal,
          });
          if (random() < 0.05) setTimeout(() => controller.abort(new Error('cancelled')), int(5_000));
          pending.then(
            (lease) => {
              settled++;
              if (!lease) return;
              const record = { t: Date.now(), keyId: lease.keyId, tokens: estimatedTokens };
              sent.push(record);
              const outcome = random();
              setTimeout(() => {
                if (outcome < 0.03) lease.rateLimited(int(20_000));
                else if (outcome < 0.06) lease.failed();
                else {
                  record.tokens = int(estimatedTokens + 1);
                  lease.release({ totalTokens: record.tokens });
                }
              }, int(5_000));
            },
            () => settled++,
          );
        }
      }
      await vi.advanceTimersByTimeAsync(120_000);
      expect(pool.report().queue_depth).toBe(0);
      expect(settled).toBeGreaterThan(500);
      // Demand is well above Σ limits (5 + 8 + 10 per minute): the pool should serve most of them.
      expect(sent.length).toBeGreaterThan(150);
      const events = (ids: string[], weight: (r: { tokens: number }) => number) =>
        sent.filter((r) => ids.includes(r.keyId)).map((r) => ({ t: r.t, weight: weight(r) }));
      const one = () => 1;
      expect(busiestWindow(events(['k1'], one), 60_000)).toBeLessThanOrEqual(5);
      expect(busiestWindow(events(['k2'], one), 60_000)).toBeLessThanOrEqual(8);
      expect(busiestWindow(events(['k3'], one), 60_000)).toBeLessThanOrEqual(12);
      expect(busiestWindow(events(['k4'], one), 60_000)).toBeLessThanOrEqual(7);
      expect(busiestWindow(events(['k3', 'k4'], one), 60_000)).toBeLessThanOrEqual(10);
      expect(
        busiestWindow(
          events(['k2'], (r) => r.tokens),
          60_000,
        ),
      ).toBeLessThanOrEqual(2_000);
      expect(
        busiestWindow(
          events(['k3', 'k4'], (r) => r.tokens),
          60_000,
        ),
      ).toBeLessThanOrEqual(3_000);
      // The windows were actually full at times, so the bound is tight, not vacuous.
      expect(busiestWindow(events(['k1'], one), 60_000)).toBe(5);
      expect(busiestWindow(events(['k3', 'k4'], one), 60_000)).toBe(10);
    },
  );
});

describe.each(IMPLS)('KeyPool (%s): failures', (impl) => {
  beforeEach(() => void (current = impl));
  it('cools a key for Retry-After after a 429, counts it and moves its conversations', async () => {
    const pool = poolOf([key('a'), key('b'), key('c')]);
    const first = await lease(pool, 'c1');
    pool.pin('c2');
    pool.pin('c3');
    first.rateLimited(30_000);
    expect(status(pool, 'a')).toMatchObject({
      healthy: false,
      cooling_until: T0 + 30_000,
      rate_limited_total: 1,
    });
    expect(pool.report().cooldowns).toBe(1);
    expect((await lease(pool, 'c1')).keyId).toBe('b');
    expect(pool.pin('c4')).toBe('c');
    await vi.advanceTimersByTimeAsync(30_000);
    expect(status(pool, 'a')).toMatchObject({ healthy: true, cooling_until: null });
    expect(pool.pin('c5')).toBe('a');
    pool.reportRateLimited('a');
    expect(status(pool, 'a').cooling_until).toBe(T0 + 30_000 + 60_000);
  });

  it('waits for a cooling key when it is the only one', async () => {
    const pool = poolOf([key('a')]);
    (await lease(pool, 'c1')).rateLimited(5_000);
    const waiting = track(pool.acquire('c1', { estimatedTokens: 0, deadlineMs: 10_000 }));
    await vi.advanceTimersByTimeAsync(4_999);
    expect(waiting.done).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect((waiting.value as Lease).keyId).toBe('a');
  });

  it('opens a circuit after consecutive failures, probes once, closes on success', async () => {
    // A cooldown longer than the window, so budgets are fresh when the key comes back.
    const cooldown = 61_000;
    const pool = poolOf([key('a'), key('b')], {
      failureThreshold: 2,
      breakerCooldownMs: cooldown,
      ...MINUTE_BURST,
    });
    (await lease(pool, 'c1')).failed();
    expect(status(pool, 'a').healthy).toBe(true);
    (await lease(pool, 'c1')).failed();
    expect(status(pool, 'a')).toMatchObject({ healthy: false, cooling_until: T0 + cooldown });
    expect((await lease(pool, 'c1')).keyId).toBe('b');
    await vi.advanceTimersByTimeAsync(cooldown);
    pool.release('c1', 'ended');
    // Half-open: one probe at a time.
    const probe = await lease(pool, 'p1');
    expect(probe.keyId).toBe('a');
    expect(pool.pin('p2')).toBe('b');
    expect((await lease(pool, 'p1')).keyId).toBe('b');
    probe.failed();
    expect(status(pool, 'a')).toMatchObject({ healthy: false, cooling_until: T0 + 2 * cooldown });
    await vi.advanceTimersByTimeAsync(cooldown);
    pool.release('p1', 'ended');
    pool.release('p2', 'ended');
    const second = await lease(pool, 'p3');
    expect(second.keyId).toBe('a');
    second.release({ totalTokens: 50 });
    expect(status(pool, 'a').healthy).toBe(true);
    // Closed again: one failure is below the threshold.
    (await lease(pool, 'p3')).failed();
    expect(status(pool, 'a').healthy).toBe(true);
  });
});

describe.each(IMPLS)('KeyPool (%s): report', (impl) => {
  beforeEach(() => void (current = impl));
  it('turns the alert on only after capacity stays ≥ 80% for the window', async () => {
    const pool = poolOf([key('a', { maxConversations: 1 })], { alertWindowMs: 30_000 });
    pool.pin('c1');
    expect(pool.report()).toMatchObject({ pool_capacity_pct: 100, alert: false });
    await vi.advanceTimersByTimeAsync(20_000);
    // A dip resets the window.
    pool.release('c1', 'ended');
    pool.pin('c1');
    await vi.advanceTimersByTimeAsync(20_000);
    expect(pool.report().alert).toBe(false);
    await vi.advanceTimersByTimeAsync(10_000);
    expect(pool.report().alert).toBe(true);
    pool.release('c1', 'ended');
    expect(pool.report()).toMatchObject({ pool_capacity_pct: 0, alert: false });
  });

  it('reports requests in the last minute and capacity against rpm', async () => {
    const pool = poolOf([key('a', { rpm: 4 }), key('b', { rpm: 4 })], {
      windowMarginMs: 1_000,
      ...MINUTE_BURST,
    });
    await lease(pool, 'c1');
    await lease(pool, 'c1');
    const report = pool.report();
    expect(report.pool_status[0]).toEqual({
      key_id: 'a',
      active_conversations: 1,
      capacity_pct: 50,
      cooling_until: null,
      requests_last_minute: 2,
      rate_limited_total: 0,
      healthy: true,
      rpm_limit: 4,
      rpm_configured: 4,
      limit_source: 'config',
    });
    expect(report).toMatchObject({ total_active: 1, pool_capacity_pct: 25, alert: false, queue_depth: 0 });
    await vi.advanceTimersByTimeAsync(60_500);
    // Out of the provider's minute, still inside the safety margin.
    expect(status(pool, 'a').requests_last_minute).toBe(0);
  });

  it('takes a pino logger as is', () => {
    const log: PoolLogger = pino({ level: 'silent' });
    const pool = poolOf([key('a')], { log });
    pool.reportRateLimited('a', 1_000);
    expect(pool.report().cooldowns).toBe(1);
  });

  it('never shows a secret in reports, leases, logs or errors', async () => {
    const lines: unknown[] = [];
    const log: PoolLogger = {
      warn: (obj, msg) => lines.push(obj, msg),
      info: (obj, msg) => lines.push(obj, msg),
      debug: (obj, msg) => lines.push(obj, msg),
    };
    const keys = [key('a', { rpm: 1 }), key('b', { rpm: 1 })];
    const secrets = keys.map((k) => k.secret);
    const pool = poolOf(keys, { log, failureThreshold: 1 });
    const first = await lease(pool, 'c1');
    expect(secrets).toContain(first.secret);
    const seen: string[] = [JSON.stringify(first), inspect(first, { depth: 5 }), `${first.keyId}`];
    first.rateLimited(1_000);
    const second = await lease(pool, 'c1');
    second.failed();
    pool.reportRateLimited('nope', 5);
    await pool.acquire('c2', { estimatedTokens: 0, deadlineMs: 0 });
    pool.release('c1', 'idle');
    seen.push(JSON.stringify(pool.report()), JSON.stringify(pool), inspect(pool, { depth: 10 }));
    seen.push(JSON.stringify(lines), inspect(lines, { depth: 10 }));
    const errors: unknown[] = [];
    const bad: KeySpec[][] = [
      [key('a'), { ...key('b'), secret: keys[0]!.secret }],
      [{ ...key('a'), id: keys[0]!.secret, secret: keys[0]!.secret }],
      [{ ...key('a'), group: 'missing' }],
      [{ ...key('a'), rpm: 0 }],
    ];
    for (const specs of bad) {
      try {
        poolOf(specs);
      } catch (error) {
        errors.push(error);
      }
    }
    for (const env of ['a=sk-SECRET-x,b=sk-SECRET-x', 'sk-SECRET-x=', 'bad name=sk-SECRET-x']) {
      try {
        parseKeySpecs(env, { rpm: 1 });
      } catch (error) {
        errors.push(error);
      }
    }
    expect(errors).toHaveLength(bad.length + 3);
    for (const error of errors) {
      expect(error).toBeInstanceOf(ConfigError);
      seen.push((error as Error).message, inspect(error));
    }
    expect(lines.length).toBeGreaterThan(0);
    for (const text of seen) expect(text).not.toMatch(/SECRET/);
  });
});

describe('parseKeySpecs', () => {
  const defaults = { rpm: 60, tpm: 100_000, maxConversations: 50 };

  it('reads plain secrets and name=secret pairs, trimming blanks', () => {
    expect(parseKeySpecs(' sk-one , main = sk-two ,, sk-pad== ,', defaults)).toEqual([
      { id: 'key-1', secret: 'sk-one', rpm: 60, tpm: 100_000, maxConversations: 50 },
      { id: 'main', secret: 'sk-two', rpm: 60, tpm: 100_000, maxConversations: 50 },
      { id: 'key-4', secret: 'sk-pad==', rpm: 60, tpm: 100_000, maxConversations: 50 },
    ]);
    expect(parseKeySpecs('', { rpm: 10 })).toEqual([]);
    expect(parseKeySpecs('x', { rpm: 10 })).toEqual([{ id: 'key-1', secret: 'x', rpm: 10 }]);
  });

  it.each([
    ['a=sk-1,=sk-2', /entry 2 has an empty name/],
    ['sk-1,sk-2=', /entry 2 has an empty secret/],
    ['a=sk-1,a=sk-2', /entries 1 and 2 are both named 'a'/],
    ['sk-1,b=sk-1', /entries 1 and 2 hold the same secret/],
    ['key-2=sk-1,sk-2', /entries 1 and 2 are both named 'key-2'/],
    ['sk-1,my key=sk-2', /entry 2 has a malformed name/],
  ])('rejects %s with the position', (env, message) => {
    expect(() => parseKeySpecs(env, defaults)).toThrow(message);
    try {
      parseKeySpecs(env, defaults);
    } catch (error) {
      expect((error as Error).message).not.toContain('sk-');
    }
  });
});
