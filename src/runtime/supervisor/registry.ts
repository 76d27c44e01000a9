import type { LiveConversation } from './types.ts';

/**
 * The conversations in memory, dormant or running, and (cluster mode) the ownership fence of the
 * message being handled for each. Memory follows the active set: passivation and eviction drop
 * entries, and a fence is kept only while its conversation is in memory.
 */
export class ConversationRegistry {
  private readonly live = new Map<string, LiveConversation>();
  /** Cluster mode: the fence of the message being handled per conversation (read by `actorFor`). */
  private readonly fences = new Map<string, number | undefined>();

  /** The conversation's entry, when it is in memory. */
  get(conversationId: string): LiveConversation | undefined {
    return this.live.get(conversationId);
  }

  /** The conversation is in memory, dormant or running. */
  has(conversationId: string): boolean {
    return this.live.has(conversationId);
  }

  /** Holds the conversation in memory (replacing what was held for it). */
  set(conversationId: string, entry: LiveConversation): void {
    this.live.set(conversationId, entry);
  }

  /** Every conversation in memory; entries may be removed while iterating. */
  entries(): Iterable<[string, LiveConversation]> {
    return this.live;
  }

  /** Conversations in memory, dormant or running (for metrics). */
  get size(): number {
    return this.live.size;
  }

  /** Started XState actors: conversations whose turn or timer is running right now. */
  get running(): number {
    let n = 0;
    for (const entry of this.live.values()) if (entry.actor) n++;
    return n;
  }

  /** A turn is running or being persisted: the conversation must not be passivated meanwhile. */
  markBusy(conversationId: string): void {
    const entry = this.live.get(conversationId);
    if (entry) entry.busy = true;
  }

  /**
   * Cluster mode: state kept in memory under an older ownership may be stale (another node may have
   * handled the conversation since): it is dropped, to be read again from the store.
   */
  adoptFence(conversationId: string, fence: number | undefined): void {
    const held = this.live.get(conversationId);
    if (held && held.fence !== fence) this.stopActor(conversationId);
    this.fences.set(conversationId, fence);
  }

  /** The fence of the message being handled for the conversation (cluster mode). */
  fenceOf(conversationId: string): number | undefined {
    return this.fences.get(conversationId);
  }

  /** A fence is kept only while its conversation is in memory. */
  forgetFence(conversationId: string): void {
    this.fences.delete(conversationId);
  }

  /** Stops the conversation's actor (if running) and drops it from memory. */
  stopActor(conversationId: string): void {
    this.live.get(conversationId)?.actor?.stop();
    this.live.delete(conversationId);
  }

  /** Drops a conversation and its fence from memory. */
  evict(conversationId: string): void {
    this.stopActor(conversationId);
    this.fences.delete(conversationId);
  }

  /** Stops every actor and empties memory. */
  stopAll(): void {
    for (const id of [...this.live.keys()]) this.stopActor(id);
  }
}
