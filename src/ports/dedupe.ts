/**
 * Remembers provider message ids for a window so a retried delivery (a widget resending after a
 * reconnect, a provider retrying a webhook) is acknowledged and dropped before it reaches an actor.
 */
export interface Deduper {
  /** True when the id is in flight or was handled within the window (a duplicate); else marks it in flight. */
  checkAndRecord(conversationId: string, messageId: string, now: number): boolean;
  /** The id's turn was persisted: remember it durably. */
  confirm(conversationId: string, messageId: string, now: number): void;
  /** True while the id was accepted and its turn is not persisted yet (in flight). */
  isPending?(conversationId: string, messageId: string): boolean;
  /** Forgets one id (its message could not be queued, so a retry must go through). */
  forget(conversationId: string, messageId: string): void;
  /** Forgets ids older than the window; returns how many were removed. */
  prune(now: number): number;
}

/** In-memory `Deduper` for unit tests. */
export class MemoryDeduper implements Deduper {
  private readonly seen = new Map<string, number>();
  constructor(private readonly windowMs: number) {}
  checkAndRecord(conversationId: string, messageId: string, now: number): boolean {
    const key = `${conversationId}\u0000${messageId}`;
    const at = this.seen.get(key);
    if (at !== undefined && now - at < this.windowMs) return true;
    this.seen.set(key, now);
    return false;
  }
  confirm(conversationId: string, messageId: string, now: number): void {
    this.seen.set(`${conversationId}\u0000${messageId}`, now);
  }
  forget(conversationId: string, messageId: string): void {
    this.seen.delete(`${conversationId}\u0000${messageId}`);
  }
  prune(now: number): number {
    let removed = 0;
    for (const [key, at] of this.seen) {
      if (now - at >= this.windowMs) {
        this.seen.delete(key);
        removed++;
      }
    }
    return removed;
  }
}
