/**
 * Lease policies the KeyPool is compared with in section 2, behind the same `LeasePool` port that
 * `OpenAIChatModel` borrows keys from (so only the lease policy differs), and a wrapper that records
 * what every conversation's leases got.
 */
import type { LeasePool, LlmLease } from '../src/ports/chat-model.ts';
import { nowMs } from './stats.ts';

/** A key as a baseline sees it: its name and secret, nothing about budgets. */
export interface PlainKey {
  id: string;
  secret: string;
}

type Hooks = Partial<Pick<LlmLease, 'release' | 'rateLimited'>> & Pick<LlmLease, 'observe'>;

function lease(key: PlainKey, hooks: Hooks = {}): LlmLease {
  let released = false;
  return {
    keyId: key.id,
    secret: key.secret,
    release: () => {
      if (released) return;
      released = true;
      hooks.release?.();
    },
    rateLimited: (ms) => hooks.rateLimited?.(ms),
    ...(hooks.observe ? { observe: hooks.observe } : {}),
    failed: () => undefined,
    succeeded: () => undefined,
  };
}

/** Naive round-robin: the next key for every request, whatever its budget or its last 429. */
export function roundRobinPool(keys: readonly PlainKey[]): LeasePool {
  let next = 0;
  return {
    acquire: () => Promise.resolve(lease(keys[next++ % keys.length]!)),
  };
}

/**
 * A cooldown router like LiteLLM's: the least busy key (fewest requests in flight, ties in
 * round-robin order) among those not cooling down; a key that got a 429 is skipped until its
 * Retry-After (`retry-after-ms` or `Retry-After`, as `OpenAIChatModel` reports them through
 * `observe`) or, when the provider sends none, for `defaultCooldownMs` (60 s). With every key
 * cooling it answers at once that none is available (the built-in model answers). It reads no
 * `x-ratelimit-*` budget header and paces nothing.
 */
export function cooldownPool(
  keys: readonly PlainKey[],
  options: { defaultCooldownMs?: number } = {},
): LeasePool {
  const inFlight = new Map(keys.map((k) => [k.id, 0]));
  const coolUntil = new Map(keys.map((k) => [k.id, 0]));
  const fallbackMs = options.defaultCooldownMs ?? 60_000;
  let next = 0;
  return {
    acquire: () => {
      const now = Date.now();
      let best: PlainKey | undefined;
      for (let i = 0; i < keys.length; i++) {
        const key = keys[(next + i) % keys.length]!;
        if ((coolUntil.get(key.id) ?? 0) > now) continue;
        if (best === undefined || inFlight.get(key.id)! < inFlight.get(best.id)!) best = key;
      }
      next++;
      if (best === undefined) return Promise.resolve(undefined);
      const key = best;
      inFlight.set(key.id, inFlight.get(key.id)! + 1);
      // On a 429 the adapter calls observe (the response's headers) before rateLimited, whose own
      // argument turns a missing Retry-After into 1 s: the header itself is read here.
      let retryAfterMs: number | undefined;
      return Promise.resolve(
        lease(key, {
          release: () => inFlight.set(key.id, inFlight.get(key.id)! - 1),
          observe: (limits) => {
            retryAfterMs = limits.retryAfterMs;
          },
          rateLimited: () => coolUntil.set(key.id, Date.now() + (retryAfterMs ?? fallbackMs)),
        }),
      );
    },
  };
}

/** What the leases of one client got, per conversation. */
export interface LeaseLog {
  /** Conversation → the distinct key ids its leases got, in order. */
  keysOf: Map<string, string[]>;
  /** Time each `acquire` took, ms (the wait a turn pays for a lease). */
  waitsMs: number[];
  /** `acquire` answered undefined (no key in time). */
  noKey: number;
}

/** Wraps `pool` so every lease is logged into `log`. */
export function recording(pool: LeasePool, log: LeaseLog): LeasePool {
  return {
    async acquire(conversationId, options) {
      const t0 = nowMs();
      const got = await pool.acquire(conversationId, options);
      log.waitsMs.push(nowMs() - t0);
      if (got === undefined) {
        log.noKey++;
        return undefined;
      }
      const seen = log.keysOf.get(conversationId) ?? [];
      if (!seen.includes(got.keyId)) seen.push(got.keyId);
      log.keysOf.set(conversationId, seen);
      return got;
    },
  };
}

export function emptyLeaseLog(): LeaseLog {
  return { keysOf: new Map(), waitsMs: [], noKey: 0 };
}
