import type { Database } from 'lmdb';
import type { Deduper } from '../ports/dedupe.ts';
import type { LmdbStore } from './lmdb-store.ts';

type SeenKey = [string, string];
type AgeKey = [number, string, string];

/**
 * `Deduper` on the shared LMDB environment: `dedupe` maps [conversation, message id] → first seen,
 * `dedupe_age` orders the same keys by time so pruning is a range scan. Survives restarts, so a
 * provider retry after a crash is still recognised.
 */
export class LmdbDeduper implements Deduper {
  private readonly seen: Database<number, SeenKey>;
  private readonly byAge: Database<true, AgeKey>;

  constructor(
    private readonly store: LmdbStore,
    private readonly windowMs: number,
  ) {
    this.seen = store.database<number, SeenKey>('dedupe');
    this.byAge = store.database<true, AgeKey>('dedupe_age');
  }

  checkAndRecord(conversationId: string, messageId: string, now: number): boolean {
    // One synchronous write transaction: check and record cannot interleave with another delivery.
    return this.store.transactionSyncOf(() => {
      const key: SeenKey = [conversationId, messageId];
      const at = this.seen.get(key);
      if (at !== undefined && now - at < this.windowMs) return true;
      if (at !== undefined) this.byAge.removeSync([at, conversationId, messageId]);
      this.seen.putSync(key, now);
      this.byAge.putSync([now, conversationId, messageId], true);
      return false;
    });
  }

  forget(conversationId: string, messageId: string): void {
    this.store.transactionSyncOf(() => {
      const at = this.seen.get([conversationId, messageId]);
      if (at === undefined) return;
      this.seen.removeSync([conversationId, messageId]);
      this.byAge.removeSync([at, conversationId, messageId]);
    });
  }

  prune(now: number): number {
    const cutoff = now - this.windowMs;
    return this.store.transactionSyncOf(() => {
      let removed = 0;
      for (const key of this.byAge.getKeys({ start: [0, '', ''], end: [cutoff, '', ''] })) {
        this.byAge.removeSync(key);
        this.seen.removeSync([key[1], key[2]]);
        removed++;
      }
      return removed;
    });
  }
}
