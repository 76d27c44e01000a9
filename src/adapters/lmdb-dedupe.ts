import type { Database } from 'lmdb';
import type { Deduper } from '../ports/dedupe.ts';
import type { LmdbStore } from './lmdb-store.ts';

type SeenKey = [string, string];
type AgeKey = [number, string, string];

/**
 * `Deduper` on the shared LMDB environment: `dedupe` maps [conversation, message id] → when it was
 * handled, `dedupe_age` orders the same keys by time so pruning is a range scan. An id becomes
 * durable only once its turn is persisted (`confirm`): a retry of a message that was accepted but
 * lost in a crash goes through, a retry of a handled one is dropped, also after a restart.
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
    // A turn and the ids it handled commit together: no crash window between them.
    store.withinTurns((write) => {
      if (!write.handled) return;
      for (const id of write.handled.ids)
        this.recordSync(write.conversation.conversationId, id, write.handled.at);
    });
  }

  /** Writes one handled id (inside a write transaction). */
  private recordSync(conversationId: string, messageId: string, now: number): void {
    const key: SeenKey = [conversationId, messageId];
    const at = this.seen.get(key);
    if (at === now) return;
    if (at !== undefined) this.byAge.removeSync([at, conversationId, messageId]);
    this.seen.putSync(key, now);
    this.byAge.putSync([now, conversationId, messageId], true);
  }

  /** Ids accepted but not yet handled: in memory only, so a crash lets the retry through. */
  private readonly pending = new Set<string>();
  /** Ids confirmed whose record is being committed. */
  private readonly confirming = new Map<string, number>();

  checkAndRecord(conversationId: string, messageId: string, now: number): boolean {
    const id = `${conversationId}\u0000${messageId}`;
    if (this.pending.has(id) || this.confirming.has(id)) return true;
    const at = this.seen.get([conversationId, messageId]);
    if (at !== undefined && now - at < this.windowMs) return true;
    this.pending.add(id);
    return false;
  }

  confirm(conversationId: string, messageId: string, now: number): void {
    const id = `${conversationId}\u0000${messageId}`;
    // Batched with the other writes of this moment (one commit, off the event loop); until it is on
    // disk the id still counts as handled, from memory.
    this.confirming.set(id, now);
    this.pending.delete(id);
    const done = (): void => {
      if (this.confirming.get(id) === now) this.confirming.delete(id);
    };
    this.store.transaction(() => this.recordSync(conversationId, messageId, now)).then(done, done);
  }

  isPending(conversationId: string, messageId: string): boolean {
    return this.pending.has(`${conversationId}\u0000${messageId}`);
  }

  forget(conversationId: string, messageId: string): void {
    this.pending.delete(`${conversationId}\u0000${messageId}`);
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
