import type { OutboxEntry } from './outbox.ts';

/** What a node must do with an outbox entry it is about to push. */
export type ClaimCheck = 'send' | 'delivered' | 'elsewhere';

/** The part of an outbox entry another node needs to deliver it. */
export type ClaimedEntry = Pick<OutboxEntry, 'id' | 'tenantId' | 'kind' | 'payload' | 'orderKey'>;

/**
 * The cluster's shared record of CRM deliveries (one outbox per node, one record for all): which
 * node holds each undelivered entry, and which entries were delivered. Any live worker delivers
 * what a dead one left, and an entry reaches the CRM once per idempotency key even when two nodes
 * queued it (a paused worker that came back after its conversation moved).
 */
export interface DeliveryClaims {
  /** This node queued `entry`; the first node to queue an id holds it. */
  queued(entry: ClaimedEntry): Promise<void>;
  /** Before a push: `send`, `delivered` (another node delivered it) or `elsewhere` (another node holds it). */
  check(entry: ClaimedEntry): Promise<ClaimCheck>;
  /** After the CRM accepted it. */
  delivered(entry: ClaimedEntry): Promise<void>;
  /** Takes over the undelivered entries other nodes hold for conversations of `partition`, oldest first. */
  adopt(partition: number): Promise<ClaimedEntry[]>;
  /** Privacy erasure: the shared records of one conversation's entries go (they hold the lead). */
  forget(conversationId: string): Promise<number>;
}
