import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { Clock } from '../../src/ports/clock.ts';
import type { KeyPoolApi } from '../../src/runtime/key-pool-actor.ts';
import { IMPLS, createPool, keyStatus, poolTestClock, type PoolImpl } from '../helpers/key-pools.ts';
import type { KeyPoolOptions, KeySpec, Lease } from '../../src/runtime/key-pool.ts';
import { parseProviderLimits, parseResetDuration } from '../../src/adapters/rate-limit-headers.ts';

const T0 = 1_700_000_000_000;
const clock: Clock = { now: () => Date.now() };
const pools = poolTestClock(T0);
let current: PoolImpl = 'core';

function key(id: string, extra: Partial<KeySpec> = {}): KeySpec {
  return { id, secret: `sk-${id}-0123456789`, rpm: 120, ...extra };
}

function poolOf(keys: KeySpec[], options: Partial<KeyPoolOptions> = {}): KeyPoolApi {
  const pool = createPool(current, { keys, clock, ...options });
  pools.push(pool);
  return pool;
}

/** Grants every lease that can be had now (no waiting), released at once; returns their keys. */
async function drainNow(pool: KeyPoolApi, conversationId: string, priority = 5): Promise<string[]> {
  const keys: string[] = [];
  for (;;) {
    const lease = await pool.acquire(conversationId, { estimatedTokens: 0, deadlineMs: 0, priority });
    if (!lease) return keys;
    keys.push(lease.keyId);
    lease.release();
  }
}

const status = keyStatus;

describe.each(IMPLS)('KeyPool (%s): paced admission', (impl) => {
  beforeEach(() => void (current = impl));
  it("never lets a key's minute out in its first second: one second's burst, then the rate", async () => {
    const pool = poolOf([key('a', { rpm: 120 })], { urgentReserve: 0 });
    // 120 rpm with a 3 % margin: about 2 per second, never 120 at once.
    expect((await drainNow(pool, 'c1')).length).toBeLessThanOrEqual(2);
    const times: number[] = [];
    for (let t = 0; t < 60_000; t += 50) {
      for (const _ of await drainNow(pool, 'c1')) times.push(Date.now() - T0);
      await vi.advanceTimersByTimeAsync(50);
    }
    expect(times.length).toBeGreaterThanOrEqual(112);
    expect(times.length).toBeLessThan(120);
    // Smooth at every scale: no second holds more than the burst plus one.
    for (let s = 1_000; s < 60_000; s += 1_000)
      expect(times.filter((t) => t >= s && t < s + 1_000).length).toBeLessThanOrEqual(3);
  });

  it('a conversation waits up to one pacing interval for its own key instead of hopping', async () => {
    const pool = poolOf([key('a', { rpm: 60 }), key('b', { rpm: 60 })], { urgentReserve: 0 });
    const first = await pool.acquire('c1', { estimatedTokens: 0 });
    first!.release();
    // a is paid for about one second later: c1 waits for it rather than moving to idle b.
    const next = pool.acquire('c1', { estimatedTokens: 0, deadlineMs: 5_000 });
    await vi.advanceTimersByTimeAsync(1_100);
    expect((await next)?.keyId).toBe('a');
    expect(pool.pinnedKey('c1')).toBe('a');
  });

  it('counts the turns queued on its key first against the patience', async () => {
    const make = (pinPatienceMs: number) =>
      poolOf([key('a', { rpm: 60 }), key('b', { rpm: 60 })], { urgentReserve: 0, pinPatienceMs });
    for (const [patience, expected] of [
      [3_000, 'a'],
      [1_500, 'b'],
    ] as const) {
      const pool = make(patience);
      expect([pool.pin('c1'), pool.pin('c2'), pool.pin('c3')]).toEqual(['a', 'b', 'a']);
      (await pool.acquire('c1', { estimatedTokens: 0 }))!.release();
      // c1 waits about one interval for a; c3 is next after it, about two intervals away.
      const first = pool.acquire('c1', { estimatedTokens: 0, deadlineMs: 10_000 });
      const third = pool.acquire('c3', { estimatedTokens: 0, deadlineMs: 10_000 });
      await vi.advanceTimersByTimeAsync(2_200);
      expect((await first)?.keyId).toBe('a');
      expect((await third)?.keyId).toBe(expected);
      await pool.close();
    }
  });

  it('gives ordinary requests the whole burst while budget is not scarce', async () => {
    const pool = poolOf([key('a', { rpm: 600 })], { urgentReserve: 0.2 });
    // One second of 600 rpm less the 3 % margin: 9.7 requests, 9 whole ones.
    expect(await drainNow(pool, 'c1', 5)).toHaveLength(9);
  });

  it('keeps a share of the burst for urgent requests once budget is scarce', async () => {
    const pool = poolOf([key('a', { rpm: 600 })], { urgentReserve: 0.2 });
    // A minute at the full rate: the last minute used more than 80 % of it.
    for (let t = 0; t < 60_000; t += 100) {
      await drainNow(pool, 'c0', 5);
      await vi.advanceTimersByTimeAsync(100);
    }
    await vi.advanceTimersByTimeAsync(1_000);
    const ordinary = await drainNow(pool, 'c1', 5);
    const urgent = await drainNow(pool, 'c2', 9);
    expect(ordinary.length).toBeGreaterThan(0);
    expect(urgent.length).toBeGreaterThan(0);
    expect(ordinary.length + urgent.length).toBeLessThanOrEqual(10);
  });
});

describe.each(IMPLS)('KeyPool (%s): limits learned from the wire', (impl) => {
  beforeEach(() => void (current = impl));
  it('takes the provider limit from x-ratelimit headers over config, and shows where it came from', async () => {
    const pool = poolOf([key('a', { rpm: 600 })]);
    const lease = (await pool.acquire('c1', { estimatedTokens: 0 })) as Lease;
    lease.observe(parseProviderLimits(new Headers({ 'x-ratelimit-limit-requests': '120' })));
    lease.release();
    expect(status(pool, 'a')).toMatchObject({ rpm_limit: 120, rpm_configured: 600, limit_source: 'headers' });
  });

  it("holds a key whose remaining requests are 0 for one request's worth of time (at most the reset)", async () => {
    const pool = poolOf([key('a', { rpm: 30 })], { pinPatienceMs: 10_000, urgentReserve: 0 });
    // 30 rpm: one request every ~2.06 s; the provider's meter is full again in 5 s.
    const headers = new Headers({
      'x-ratelimit-limit-requests': '30',
      'x-ratelimit-remaining-requests': '0',
      'x-ratelimit-reset-requests': '5s',
    });
    pool.reportLimits('a', parseProviderLimits(headers));
    expect(await pool.acquire('c1', { estimatedTokens: 0, deadlineMs: 0 })).toBeUndefined();
    const waiting = pool.acquire('c1', { estimatedTokens: 0, deadlineMs: 10_000 });
    let got: Lease | undefined;
    void waiting.then((lease) => (got = lease));
    await vi.advanceTimersByTimeAsync(2_000);
    expect(got).toBeUndefined();
    await vi.advanceTimersByTimeAsync(100);
    expect(got?.keyId).toBe('a');
  });

  it('without headers, a 429 slows the key (×0.7) and 429-free time brings it back step by step', async () => {
    const pool = poolOf([key('a', { rpm: 600 })]);
    const lease = (await pool.acquire('c1', { estimatedTokens: 0 })) as Lease;
    lease.rateLimited(1_000);
    expect(status(pool, 'a')).toMatchObject({ rpm_limit: 420, limit_source: 'adaptive' });
    // A burst of 429s from requests already in flight counts once.
    pool.reportRateLimited('a', 1_000);
    expect(status(pool, 'a').rpm_limit).toBe(420);
    await vi.advanceTimersByTimeAsync(10_500);
    expect(status(pool, 'a').rpm_limit).toBe(438);
    await vi.advanceTimersByTimeAsync(15 * 60_000);
    expect(status(pool, 'a')).toMatchObject({ rpm_limit: 600, limit_source: 'config' });
  });

  it('once the provider sends limit headers, 429s cool the key but do not change its rate', () => {
    const pool = poolOf([key('a', { rpm: 600 })]);
    pool.reportLimits('a', parseProviderLimits(new Headers({ 'x-ratelimit-limit-requests': '300' })));
    pool.reportRateLimited('a', 1_000);
    expect(status(pool, 'a')).toMatchObject({
      rpm_limit: 300,
      limit_source: 'headers',
      rate_limited_total: 1,
    });
  });
});

describe('rate-limit headers', () => {
  it("reads OpenAI's reset durations and Retry-After", () => {
    expect(parseResetDuration('1s')).toBe(1_000);
    expect(parseResetDuration('6m0s')).toBe(360_000);
    expect(parseResetDuration('120ms')).toBe(120);
    expect(parseResetDuration('1m30.5s')).toBe(90_500);
    expect(parseResetDuration('0.5')).toBe(500);
    expect(parseResetDuration('soon')).toBeUndefined();
    const limits = parseProviderLimits(
      new Headers({
        'x-ratelimit-limit-requests': '500',
        'x-ratelimit-remaining-requests': '499',
        'x-ratelimit-reset-requests': '120ms',
        'x-ratelimit-limit-tokens': '30000',
        'retry-after': '2',
      }),
    );
    expect(limits).toEqual({
      limitRequests: 500,
      remainingRequests: 499,
      resetRequestsMs: 120,
      limitTokens: 30_000,
      retryAfterMs: 2_000,
    });
    expect(parseProviderLimits(new Headers())).toEqual({});
  });
});
