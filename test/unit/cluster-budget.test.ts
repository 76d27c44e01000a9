import { describe, expect, it } from 'vitest';
import { ClusterBudget } from '../../src/cluster/cluster-budget.ts';
import {
  CasContentionError,
  MemoryVersionedStore,
  casUpdate,
  type VersionedStore,
} from '../../src/cluster/versioned-store.ts';

function clock(start = 1_000_000) {
  let t = start;
  return { now: () => t, advance: (ms: number) => (t += ms) };
}

describe('ClusterBudget (shared slots, compare-and-set)', () => {
  it('admits up to rpm in a window, then frees capacity a window (plus one slot) after each charge', async () => {
    const c = clock();
    const budget = new ClusterBudget({
      store: new MemoryVersionedStore(),
      limits: { k: { rpm: 3 } },
      clock: c,
      windowMs: 10_000,
      slotMs: 1_000,
    });
    expect(await budget.tryConsume('k')).toBe(true);
    c.advance(2_500);
    expect(await budget.tryConsume('k')).toBe(true);
    expect(await budget.tryConsume('k')).toBe(true);
    expect(await budget.tryConsume('k')).toBe(false);
    // The first charge's slot [1 000 000, 1 001 000) leaves the window at 1 011 000.
    expect(budget.retryAt('k')).toBe(1_011_000);
    c.advance(1_011_000 - c.now() - 1);
    expect(await budget.tryConsume('k')).toBe(false);
    c.advance(1);
    expect(await budget.tryConsume('k')).toBe(true);
  });

  it('no window of windowMs ever holds more than the limit, whatever the arrival times', async () => {
    const c = clock(0);
    const windowMs = 5_000;
    const budget = new ClusterBudget({
      store: new MemoryVersionedStore(),
      limits: { k: { rpm: 7 } },
      clock: c,
      windowMs,
      slotMs: 700,
    });
    const admitted: number[] = [];
    let seed = 42;
    for (let i = 0; i < 400; i++) {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      c.advance(seed % 180);
      if (await budget.tryConsume('k')) admitted.push(c.now());
    }
    for (const start of admitted) {
      const inWindow = admitted.filter((t) => t >= start && t < start + windowMs).length;
      expect(inWindow).toBeLessThanOrEqual(7);
    }
    // …and the budget is used: over 400 × ~90 ms ≈ 36 s, at least 7 per 6 s.
    expect(admitted.length).toBeGreaterThanOrEqual(35);
  });

  it('tokens: a charge that does not fit is refused; corrections free the over-estimate', async () => {
    const c = clock();
    const budget = new ClusterBudget({
      store: new MemoryVersionedStore(),
      limits: { k: { tpm: 1_000 } },
      clock: c,
    });
    expect(await budget.tryConsume('k', { tokens: 800 })).toBe(true);
    expect(await budget.tryConsume('k', { tokens: 300 })).toBe(false);
    await budget.adjustTokens('k', c.now(), -500);
    expect(await budget.tryConsume('k', { tokens: 300 })).toBe(true);
    expect(await budget.usage('k')).toEqual({ requests: 2, tokens: 600, conversations: 0 });
    // Larger than the whole limit: waits for an empty window, then fits alone.
    expect(await budget.tryConsume('k', { tokens: 5_000 })).toBe(false);
    c.advance(62_000);
    expect(await budget.tryConsume('k', { tokens: 5_000 })).toBe(true);
  });

  it('keys without limits are not charged; unknown keys pass', async () => {
    const store = new MemoryVersionedStore();
    const budget = new ClusterBudget({ store, limits: { free: {} } });
    expect(await budget.tryConsume('free')).toBe(true);
    expect(await budget.tryConsume('other')).toBe(true);
    expect(await store.get('rate.free')).toBeUndefined();
  });

  it('two budgets on one store share the limit (the other node’s charges count)', async () => {
    const store = new MemoryVersionedStore();
    const a = new ClusterBudget({ store, limits: { k: { rpm: 2 } } });
    const b = new ClusterBudget({ store, limits: { k: { rpm: 2 } } });
    expect(await a.tryConsume('k')).toBe(true);
    expect(await b.tryConsume('k')).toBe(true);
    expect(await a.tryConsume('k')).toBe(false);
    expect(await b.tryConsume('k')).toBe(false);
  });

  it('conversation holds: capped, refreshed, released, and lapse when not refreshed', async () => {
    const c = clock();
    const budget = new ClusterBudget({
      store: new MemoryVersionedStore(),
      limits: { k: { maxConversations: 2 } },
      clock: c,
      conversationTtlMs: 1_000,
    });
    expect(await budget.holdConversation('k', 'demo:web:1')).toBe(true);
    expect(await budget.holdConversation('k', 'demo:web:2')).toBe(true);
    expect(await budget.holdConversation('k', 'demo:web:3')).toBe(false);
    expect(await budget.holdConversation('k', 'demo:web:1')).toBe(true);
    expect(budget.activeConversations('k')).toBe(2);
    await budget.releaseConversation('k', 'demo:web:2');
    expect(await budget.holdConversation('k', 'demo:web:3')).toBe(true);
    c.advance(1_001);
    expect((await budget.usage('k')).conversations).toBe(0);
  });

  it('stores conversation hashes, never the ids (they may hold phone numbers)', async () => {
    const store = new MemoryVersionedStore();
    const budget = new ClusterBudget({ store, limits: { k: { maxConversations: 5 } } });
    await budget.holdConversation('k', 'demo:whatsapp:+5215512345678');
    expect((await store.get('conv.k'))!.value).not.toContain('5512345678');
  });
});

describe('casUpdate', () => {
  it('retries a compare-and-set that lost, with the fresh value', async () => {
    const inner = new MemoryVersionedStore();
    let interfere = 2;
    const store: VersionedStore = {
      get: (key) => inner.get(key),
      purge: (key) => inner.purge(key),
      async put(key, value, expected) {
        if (interfere-- > 0)
          await inner.put(key, JSON.stringify({ n: 100 }), (await inner.get(key))?.revision);
        return inner.put(key, value, expected);
      },
    };
    const seen: (number | undefined)[] = [];
    const result = await casUpdate(
      store,
      'x',
      (v) => JSON.parse(v) as { n: number },
      (current) => {
        seen.push(current?.n);
        return { write: { n: (current?.n ?? 0) + 1 }, result: 'ok' };
      },
    );
    expect(result).toBe('ok');
    expect(seen).toEqual([undefined, 100, 100]);
    expect(JSON.parse((await inner.get('x'))!.value)).toEqual({ n: 101 });
  });

  it('gives up after its attempts with a clear error', async () => {
    const store: VersionedStore = {
      get: () => Promise.resolve(undefined),
      put: () => Promise.resolve(false),
      purge: () => Promise.resolve(),
    };
    await expect(
      casUpdate(
        store,
        'busy-key',
        () => undefined,
        () => ({ write: 1, result: 1 }),
        3,
      ),
    ).rejects.toBeInstanceOf(CasContentionError);
  });
});
