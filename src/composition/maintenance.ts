import type { LmdbDeduper } from '../adapters/lmdb-dedupe.ts';
import type { LmdbStore } from '../adapters/lmdb-store.ts';
import type { Config } from '../config/schema.ts';
import { errorMessage } from '../errors.ts';
import type { Logger } from '../logger.ts';
import type { Clock } from '../ports/clock.ts';
import type { FloodControl } from '../security/flood-control.ts';
import type { Part } from './lifecycle.ts';

/**
 * Housekeeping on timers: old message ids and flood counters are pruned every 10 minutes; conversations
 * past the retention TTL are deleted (leads are kept), once at start and then every `sweepEveryMs`.
 */
export function createMaintenance(
  config: Readonly<Config>,
  deps: { store: LmdbStore; dedupe?: LmdbDeduper; flood: FloodControl; clock: Clock; log: Logger },
): Part {
  const { store, dedupe, flood, clock, log } = deps;
  const timers: NodeJS.Timeout[] = [];
  const prune = () => {
    try {
      dedupe?.prune(clock.now());
      flood.prune(clock.now());
    } catch (error) {
      log.error({ err: errorMessage(error) }, 'pruning old message ids failed; it runs again later');
    }
  };
  const ttl = config.retention.conversationTtlMs;
  const retain = async () => {
    if (ttl <= 0) return;
    try {
      const purged = await store.purgeConversationsBefore(clock.now() - ttl);
      if (purged > 0) log.info({ purged, ttlMs: ttl }, 'retention: deleted old conversations (leads kept)');
    } catch (error) {
      log.error({ err: errorMessage(error) }, 'retention sweep failed; it runs again later');
    }
  };
  return {
    name: 'maintenance',
    async start() {
      timers.push(setInterval(prune, 10 * 60_000));
      await retain();
      timers.push(setInterval(() => void retain(), config.retention.sweepEveryMs));
      for (const timer of timers) timer.unref();
    },
    close: () => timers.forEach((timer) => clearInterval(timer)),
  };
}
