import { describe, expect, it, vi } from 'vitest';
import type { Clock } from '../../src/ports/clock.ts';
import { KeyPoolActor } from '../../src/runtime/key-pool-actor.ts';
import { KeyPool, type KeyPoolOptions, type KeySpec } from '../../src/runtime/key-pool.ts';
import { poolTestClock } from '../helpers/key-pools.ts';

const T0 = 1_700_000_000_000;
const clock: Clock = { now: () => Date.now() };
const actors = poolTestClock(T0);

function key(id: string, extra: Partial<KeySpec> = {}): KeySpec {
  return { id, secret: `sk-${id}-0123456789`, rpm: 600, ...extra };
}

/** An actor whose first core throws once from `method` when `armed()` says so (a bug in the pool). */
function faultyActor(keys: KeySpec[], method: 'tryAcquire' | 'release' | 'tick', armed: () => boolean) {
  const cores: KeyPool[] = [];
  const actor = new KeyPoolActor({
    keys,
    clock,
    urgentReserve: 0,
    createCore: (options: KeyPoolOptions) => {
      const core = new KeyPool(options);
      if (cores.length === 0) {
        const original = core[method].bind(core) as (...args: unknown[]) => unknown;
        let thrown = false;
        (core as unknown as Record<string, unknown>)[method] = (...args: unknown[]) => {
          if (!thrown && armed()) {
            thrown = true;
            throw new TypeError('bug in the pool');
          }
          return original(...args);
        };
      }
      cores.push(core);
      return core;
    },
  });
  actors.push(actor);
  return { actor, cores };
}

describe('KeyPoolActor', () => {
  it('every call is an event in its store, and the store snapshot is the pool report', async () => {
    const actor = new KeyPoolActor({ keys: [key('a'), key('b')], clock });
    actors.push(actor);
    const events: string[] = [];
    actor.store.inspect((e) => {
      if (e.type === '@xstate.transition') events.push((e.event as { type: string }).type);
    });
    const lease = await actor.acquire('c1', { estimatedTokens: 10 });
    lease!.observe({});
    lease!.release({ totalTokens: 12 });
    actor.reportRateLimited('b', 1_000);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(events).toEqual(
      expect.arrayContaining(['acquire', 'limits.observed', 'usage.reported', 'rate.limited', 'tick']),
    );
    const snap = actor.snapshot;
    expect(snap.report.pool_status.map((k) => k.key_id)).toEqual(['a', 'b']);
    expect(snap.report.pool_status[0]!.requests_last_minute).toBe(1);
    expect(snap).toMatchObject({ pins: 1, openLeases: 0, waiting: 0, restarts: 0 });
    expect(snap.keys.find((k) => k.id === 'b')!.rateLimitedTotal).toBe(1);
    expect(JSON.stringify(snap)).not.toContain('sk-');
  });

  it('a crash restarts the core with every pin, open lease and waiting acquire; nobody loses a key', async () => {
    let armed = false;
    // One request in flight at a time: a lease still open after the crash must still hold the slot.
    const { actor, cores } = faultyActor([key('a', { maxConcurrent: 1 }), key('b')], 'release', () => armed);
    const pins = ['c1', 'c2', 'c3'].map((c) => actor.pin(c));
    expect(pins).toEqual(['a', 'b', 'a']);
    const open = (await actor.acquire('c1', { estimatedTokens: 0 }))!;
    expect(open.keyId).toBe('a');
    // b is cooling: c3 waits for a's slot, which c1 holds.
    actor.reportRateLimited('b', 60_000);
    let served: string | undefined;
    void actor.acquire('c3', { estimatedTokens: 0, deadlineMs: 10_000 }).then((l) => (served = l?.keyId));
    await vi.advanceTimersByTimeAsync(100);
    expect(actor.queueDepth).toBe(1);
    // A bug in the pool while c9 leaves.
    armed = true;
    expect(actor.release('c9', 'ended')).toBe(false);
    expect(cores).toHaveLength(2);
    await vi.advanceTimersByTimeAsync(0);
    expect(actor.snapshot.restarts).toBe(1);
    expect(actor.snapshot.lastCrash).toMatchObject({ event: 'release', error: 'bug in the pool' });
    // The new core knows every pin, and the cooldown…
    for (const [i, c] of ['c1', 'c2', 'c3'].entries()) expect(cores[1]!.pinnedKey(c)).toBe(pins[i]);
    expect(cores[1]!.report().pool_status.find((k) => k.key_id === 'b')!.healthy).toBe(false);
    // …c3 still waits, and the open lease still holds a's only slot: c3 is served when it ends.
    await vi.advanceTimersByTimeAsync(500);
    expect(served).toBeUndefined();
    expect(actor.queueDepth).toBe(1);
    open.release({ totalTokens: 5 });
    await vi.advanceTimersByTimeAsync(0);
    expect(served).toBe('a');
    expect(actor.queueDepth).toBe(0);
  });

  it('what a key owes survives a crash: a restarted pool does not hand out a fresh burst', async () => {
    let armed = false;
    const { actor } = faultyActor([key('a', { rpm: 60 })], 'release', () => armed);
    const first = (await actor.acquire('c1', { estimatedTokens: 0 }))!;
    first.release();
    await vi.advanceTimersByTimeAsync(1_100);
    // 60 rpm: one a second. The next is due about one second after the first.
    const second = (await actor.acquire('c1', { estimatedTokens: 0, deadlineMs: 5_000 }))!;
    armed = true;
    actor.release('c2', 'ended');
    expect(actor.release('c1', 'ended')).toBe(true);
    await vi.advanceTimersByTimeAsync(0);
    expect(actor.snapshot.restarts).toBe(1);
    second.release();
    expect(await actor.acquire('c1', { estimatedTokens: 0, deadlineMs: 0 })).toBeUndefined();
  });

  it('a crash in its timer is caught and restarts the pool, which goes on serving', async () => {
    let armed = false;
    const { actor, cores } = faultyActor([key('a')], 'tick', () => armed);
    armed = true;
    await vi.advanceTimersByTimeAsync(1_000);
    expect(cores).toHaveLength(2);
    expect((await actor.acquire('c1', { estimatedTokens: 0 }))?.keyId).toBe('a');
  });
});
