import type { OutboxStatus } from '../ports/outbox.ts';

/** What `/metrics`, `/health` and `GET /api/outbox` say about an outbox. */
export type OutboxStatusView = ReturnType<typeof outboxStatusView>;

/** Counts and receiver state in the API's snake_case, ages in seconds from `now`. */
export function outboxStatusView(status: OutboxStatus, now: number) {
  const oldest = status.oldestPendingAt;
  return {
    pending: status.pending,
    delivered: status.delivered,
    dead: status.dead,
    oldest_pending_age_s: oldest === undefined ? null : Math.max(0, Math.round((now - oldest) / 1000)),
    in_flight: status.inFlight,
    consecutive_failures: status.consecutiveFailures,
    receiver: status.consecutiveFailures > 0 ? 'failing' : 'ok',
    ...(status.pausedUntil ? { paused_until: new Date(status.pausedUntil).toISOString() } : {}),
    ...(status.failingSince ? { failing_since: new Date(status.failingSince).toISOString() } : {}),
  };
}
