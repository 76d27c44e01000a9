import { afterEach, beforeEach, vi } from 'vitest';
import { KeyPoolActor, type KeyPoolApi } from '../../src/runtime/key-pool-actor.ts';
import { KeyPool, type KeyPoolOptions } from '../../src/runtime/key-pool.ts';

/** Every key-pool behaviour holds for the bare core and for the actor the node runs around it. */
export const IMPLS = ['core', 'actor'] as const;
export type PoolImpl = (typeof IMPLS)[number];

/** The bare core or the actor, on the same options. */
export function createPool(impl: PoolImpl, options: KeyPoolOptions): KeyPoolApi {
  return impl === 'actor' ? new KeyPoolActor(options) : new KeyPool(options);
}

/** One key's line of the pool report. */
export function keyStatus(pool: KeyPoolApi, keyId: string) {
  return pool.report().pool_status.find((k) => k.key_id === keyId)!;
}

/**
 * Fake timers from `t0` around every test of the file; the pools pushed to the returned list are
 * closed after each test.
 */
export function poolTestClock(t0: number): KeyPoolApi[] {
  const pools: KeyPoolApi[] = [];
  beforeEach(() => {
    vi.useFakeTimers();
    vi.setSystemTime(t0);
  });
  afterEach(async () => {
    for (const pool of pools.splice(0)) await pool.close();
    vi.useRealTimers();
  });
  return pools;
}
