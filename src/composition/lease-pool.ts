import type { ClusterBudget } from '../cluster/cluster-budget.ts';
import { errorMessage } from '../errors.ts';
import type { Logger } from '../logger.ts';
import type { LeasePool, ProviderLimits } from '../ports/chat-model.ts';
import type { KeyPoolApi } from '../runtime/key-pool-actor.ts';
import type { KeyHooks } from './keys.ts';

/** Cluster mode: the key budget every node shares, and the limit group of each key. */
export interface SharedKeys {
  budget: ClusterBudget;
  groupOf: Record<string, string>;
}

type Lease = NonNullable<Awaited<ReturnType<KeyPoolApi['acquire']>>>;
type AcquireOptions = Parameters<LeasePool['acquire']>[1];

/**
 * Active conversations per key are counted cluster-wide: a conversation holds its key in the shared
 * budget (refreshed every few minutes, released when the pool unpins it). The cap is soft: a key at its
 * cluster-wide `maxConversations` is logged; the request and token budgets are the hard limits.
 */
function conversationHolds(shared: SharedKeys, log: Logger, hooks: KeyHooks) {
  /** Conversation → [key it is held on cluster-wide, when the hold was last refreshed]. */
  const held = new Map<string, [string, number]>();
  hooks.onRelease = (conversationId, keyId) => {
    if (held.get(conversationId)?.[0] !== keyId) return;
    held.delete(conversationId);
    void shared.budget
      .releaseConversation(keyId, conversationId)
      .catch((error: unknown) =>
        log.debug({ err: errorMessage(error) }, 'shared conversation release failed'),
      );
  };
  return async (keyId: string, conversationId: string) => {
    const now = Date.now();
    const current = held.get(conversationId);
    if (current?.[0] === keyId && now - current[1] < 5 * 60_000) return;
    if (current && current[0] !== keyId)
      await shared.budget.releaseConversation(current[0], conversationId).catch(() => undefined);
    held.set(conversationId, [keyId, now]);
    if (!(await shared.budget.holdConversation(keyId, conversationId)))
      log.warn(
        { keyId },
        'LLM key is at its cluster-wide conversation cap; sharing it anyway (requests stay within budget)',
      );
  };
}

/** Charges a lease to its key's (and group's) cluster-wide budget; false when that budget is spent. */
async function chargeShared(shared: SharedKeys, lease: Lease, options: AcquireOptions, log: Logger) {
  const charge = { requests: 1, tokens: options.estimatedTokens };
  const group = shared.groupOf[lease.keyId];
  const admitted = await shared.budget
    .tryConsume(lease.keyId, charge)
    .then(async (ok) => ok && (!group || (await shared.budget.tryConsume(`group.${group}`, charge))))
    .catch((error: unknown) => {
      log.warn(
        { keyId: lease.keyId, err: errorMessage(error) },
        'shared key budget unreachable; the local budget applies',
      );
      return true;
    });
  if (!admitted) {
    // Cool the key until both its own and its group's shared windows free.
    const retryAt = Math.max(
      shared.budget.retryAt(lease.keyId, options.estimatedTokens),
      group ? shared.budget.retryAt(`group.${group}`, options.estimatedTokens) : 0,
    );
    lease.rateLimited(Math.max(1000, retryAt - Date.now()));
  }
  return admitted;
}

/**
 * The model adapter's view of the pool. In cluster mode every lease is also charged to the key's
 * cluster-wide budget (and its group's) before the request is sent, so N nodes never spend N times a
 * key's limit: a key whose shared budget is spent is cooled locally until the window frees.
 */
export function leasePool(
  pool: KeyPoolApi,
  log: Logger,
  shared: SharedKeys | undefined,
  hooks: KeyHooks,
): LeasePool {
  const hold = shared ? conversationHolds(shared, log, hooks) : undefined;
  const leaseFor = (lease: Lease, options: AcquireOptions, chargedAt: number) => ({
    keyId: lease.keyId,
    secret: lease.secret,
    release: (usage?: { totalTokens: number }) => {
      lease.release(usage);
      if (shared && usage)
        void shared.budget
          .adjustTokens(lease.keyId, chargedAt, usage.totalTokens - options.estimatedTokens)
          .catch((error: unknown) => log.debug({ err: errorMessage(error) }, 'token correction failed'));
    },
    rateLimited: (ms: number) => lease.rateLimited(ms),
    failed: () => lease.failed(),
    observe: (limits: ProviderLimits) => lease.observe(limits),
    succeeded: () => pool.reportSuccess(lease.keyId),
  });
  return {
    async acquire(conversationId, options) {
      for (;;) {
        const lease = await pool.acquire(conversationId, options);
        if (!lease) return undefined;
        const chargedAt = Date.now();
        if (shared && !(await chargeShared(shared, lease, options, log))) {
          if (options.signal?.aborted) return undefined;
          continue;
        }
        if (hold)
          void hold(lease.keyId, conversationId).catch((error: unknown) =>
            log.debug({ err: errorMessage(error) }, 'shared conversation hold failed'),
          );
        return leaseFor(lease, options, chargedAt);
      }
    },
  };
}
