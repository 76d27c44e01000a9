/** What the outbox delivers downstream. */
export type OutboxKind = 'crm.lead' | 'support.ticket' | 'alert.slack' | 'alert.teams' | 'alert.slack_app';

export interface OutboxEntry {
  /** Idempotency key: the same id is never enqueued twice, and is sent as `Idempotency-Key`. */
  id: string;
  tenantId: string;
  kind: OutboxKind;
  /** JSON body to POST. */
  payload: unknown;
  status: 'pending' | 'delivered' | 'dead';
  attempts: number;
  /** Epoch ms. */
  createdAt: number;
  nextAttemptAt: number;
  deliveredAt?: number;
  lastError?: string;
}

/**
 * Durable queue of effects leaving leadbot (CRM pushes, support tickets). `enqueue` resolves once
 * the entry is committed; delivery happens later, retried with back-off, never lost.
 */
export interface Outbox {
  enqueue(entry: {
    id: string;
    tenantId: string;
    kind: OutboxKind;
    payload: unknown;
  }): Promise<{ enqueued: boolean; entry: OutboxEntry }>;
  get(id: string): Promise<OutboxEntry | undefined>;
  /** Counts by status (for metrics and /health). */
  stats(): Promise<Record<OutboxEntry['status'], number>>;
}
