/** What the outbox delivers downstream. */
export type OutboxKind = 'crm.lead' | 'support.ticket' | 'alert.slack' | 'alert.teams' | 'alert.slack_app';

export interface OutboxEntry {
  /** Idempotency key: the same id is never enqueued twice, and is sent as `Idempotency-Key`. */
  id: string;
  tenantId: string;
  kind: OutboxKind;
  /** JSON body to POST. */
  payload: unknown;
  /**
   * Entries with the same order key reach the receiver in the order they were enqueued (a lead
   * and its later correction); entries with different keys are sent concurrently. Default: the id.
   */
  orderKey?: string;
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
    orderKey?: string;
  }): Promise<{ enqueued: boolean; entry: OutboxEntry }>;
  get(id: string): Promise<OutboxEntry | undefined>;
  /** Counts by status (for metrics and /health). */
  stats(): Promise<Record<OutboxEntry['status'], number>>;
}

/** An outbox as an operator sees it: `/metrics`, `/health`, `GET /api/outbox`, `leadbot outbox`. */
export interface OutboxStatus {
  pending: number;
  delivered: number;
  dead: number;
  /** When the oldest undelivered entry was queued (epoch ms); absent when nothing is pending. */
  oldestPendingAt?: number;
  /** Deliveries in flight now. */
  inFlight: number;
  /** Retryable failures in a row (0: the receiver answers). */
  consecutiveFailures: number;
  /** Deliveries pause until then (epoch ms) while the receiver fails. */
  pausedUntil?: number;
  /** When the receiver started failing (epoch ms); absent while it answers. */
  failingSince?: number;
}

/** Operator actions on an outbox; re-driving wakes its dispatcher. */
export interface OutboxAdmin {
  status(): Promise<OutboxStatus>;
  list(query: { status: 'pending' | 'dead'; tenantId?: string; limit: number }): Promise<OutboxEntry[]>;
  /** The entry after re-driving and whether it was a dead letter; undefined when unknown in that scope. */
  redrive(id: string, tenantId?: string): Promise<{ entry: OutboxEntry; redriven: boolean } | undefined>;
  /** Every dead letter (of one tenant) re-driven; how many. */
  redriveAll(tenantId?: string): Promise<number>;
}
