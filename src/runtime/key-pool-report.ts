import type { KeyState } from './key-state.ts';
import type { PoolKeyStatus } from './metrics.ts';

const MINUTE = 60_000;

/** One key's line in the pool report (the seed's `PoolKeyStatus` plus health figures). */
export interface KeyPoolStatus extends PoolKeyStatus {
  /** Epoch ms until which a 429 or the breaker keeps the key out; null when usable. */
  cooling_until: number | null;
  requests_last_minute: number;
  rate_limited_total: number;
  healthy: boolean;
  /** Requests per minute in force for the key, and where that figure comes from. */
  rpm_limit: number | null;
  rpm_configured: number | null;
  limit_source: 'config' | 'headers' | 'adaptive';
}

/** The `/metrics` pool report. */
export interface KeyPoolReport {
  pool_status: KeyPoolStatus[];
  total_active: number;
  pool_capacity_pct: number;
  alert: boolean;
  /** `acquire` calls waiting for budget. */
  queue_depth: number;
  /** Keys cooling now (429 or open breaker). */
  cooldowns: number;
  /** Times the pool actor restarted its core after a crash (absent on a bare core). */
  restarts?: number;
}

/**
 * One key's report line. `capacity_pct` is the highest pressure on the key: conversations over
 * its cap, requests in the last minute over its rpm, tokens over its tpm, and the same two for its
 * group (a key whose account is spent has no capacity left, whatever its own counts say).
 * @param healthyAt time from which the key is usable (≤ now: usable now)
 */
export function keyStatus(key: KeyState, now: number, healthyAt: number): KeyPoolStatus {
  const since = now - MINUTE;
  const requests = key.budget.requests;
  const lastMinute = requests ? requests.countAfter(now, since) : 0;
  let used = Number.isFinite(key.maxConversations) ? key.conversations / key.maxConversations : 0;
  const { budget, group } = key;
  if (requests && budget.rpm) used = Math.max(used, lastMinute / budget.rpm);
  if (budget.tokens && budget.tpm) used = Math.max(used, budget.tokens.used(now) / budget.tpm);
  if (group?.requests && group.rpm) used = Math.max(used, group.requests.countAfter(now, since) / group.rpm);
  if (group?.tokens && group.tpm) used = Math.max(used, group.tokens.used(now) / group.tpm);
  return {
    key_id: key.id,
    active_conversations: key.conversations,
    capacity_pct: Math.round(used * 100),
    cooling_until: healthyAt > now ? healthyAt : null,
    requests_last_minute: lastMinute,
    rate_limited_total: key.rateLimitedTotal,
    healthy: healthyAt <= now,
    rpm_limit: budget.rpm !== undefined ? Math.round(budget.rpm) : null,
    rpm_configured: budget.configuredRpm ?? null,
    limit_source: budget.source,
  };
}

/** Mean of the keys' `capacity_pct`, rounded (0 for an empty pool). */
export function poolCapacityPct(status: readonly KeyPoolStatus[]): number {
  if (status.length === 0) return 0;
  return Math.round(status.reduce((sum, k) => sum + k.capacity_pct, 0) / status.length);
}

/** The pool report of `keys` at `now` (`alert` is the pool's to set: it tracks time). */
export function poolReport(
  keys: readonly KeyState[],
  now: number,
  healthyAt: (key: KeyState) => number,
  queueDepth: number,
): KeyPoolReport {
  const status = keys.map((key) => keyStatus(key, now, healthyAt(key)));
  return {
    pool_status: status,
    total_active: status.reduce((sum, k) => sum + k.active_conversations, 0),
    pool_capacity_pct: poolCapacityPct(status),
    alert: false,
    queue_depth: queueDepth,
    cooldowns: status.filter((k) => k.cooling_until !== null).length,
  };
}

/** Whether pool capacity stayed at or above `thresholdPct` for `windowMs` (the report's `alert`). */
export class HighCapacity {
  private since: number | undefined;

  constructor(
    private readonly thresholdPct: number,
    private readonly windowMs: number,
  ) {}

  /** Samples capacity at `now`; returns the alert. */
  observe(now: number, pct: number): boolean {
    if (pct >= this.thresholdPct) this.since ??= now;
    else this.since = undefined;
    return this.since !== undefined && now - this.since >= this.windowMs;
  }
}
