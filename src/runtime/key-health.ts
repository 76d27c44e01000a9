import type { KeyState } from './key-state.ts';
import type { PoolLogger } from './key-pool-options.ts';

/** Settings of `KeyHealth`; durations in milliseconds. */
export interface KeyHealthOptions {
  /** Consecutive failures that open a key's circuit breaker. */
  failureThreshold: number;
  /** How long an open breaker keeps a key out before one probe request. */
  breakerCooldownMs: number;
  /** Cooldown after a 429 without a usable `Retry-After`. */
  defaultRetryAfterMs: number;
  log: PoolLogger;
  /** The pool's monotonic clock. */
  now: () => number;
}

/**
 * Keys' health: 429 cooldowns and the per-key circuit breaker (closed, open for
 * `breakerCooldownMs` after `failureThreshold` failures in a row, then half-open: one probe).
 */
export class KeyHealth {
  private readonly failureThreshold: number;
  private readonly breakerCooldownMs: number;
  private readonly defaultRetryAfterMs: number;
  private readonly log: PoolLogger;
  private readonly now: () => number;

  constructor(options: KeyHealthOptions) {
    this.failureThreshold = options.failureThreshold;
    this.breakerCooldownMs = options.breakerCooldownMs;
    this.defaultRetryAfterMs = options.defaultRetryAfterMs;
    this.log = options.log;
    this.now = options.now;
  }

  /** Time from which the key is healthy (≤ now: healthy now). */
  healthyAt(key: KeyState): number {
    return key.failures >= this.failureThreshold
      ? Math.max(key.coolingUntil, key.openUntil)
      : key.coolingUntil;
  }

  /** Half-open breaker with its one probe request out: no other request until that one ends. */
  probing(key: KeyState): boolean {
    return key.failures >= this.failureThreshold && key.budget.inFlight > 0;
  }

  /** A 429: cools the key until now + `retryAfterMs` (or the default when that is unusable). */
  rateLimited(key: KeyState, retryAfterMs: number | undefined): void {
    const now = this.now();
    const ms =
      retryAfterMs !== undefined && Number.isFinite(retryAfterMs) && retryAfterMs >= 0
        ? retryAfterMs
        : this.defaultRetryAfterMs;
    key.coolingUntil = Math.max(key.coolingUntil, now + ms);
    key.rateLimitedTotal++;
    this.log.warn({ keyId: key.id, retryAfterMs: ms }, 'LLM key rate limited (429); cooling it');
  }

  /** A 5xx or network failure: enough in a row open the breaker. */
  failed(key: KeyState): void {
    key.failures++;
    if (key.failures < this.failureThreshold) return;
    key.openUntil = this.now() + this.breakerCooldownMs;
    this.log.warn(
      { keyId: key.id, failures: key.failures, cooldownMs: this.breakerCooldownMs },
      'LLM key failing; circuit open',
    );
  }

  /** A successful answer: closes the breaker. */
  succeeded(key: KeyState): void {
    if (key.failures >= this.failureThreshold)
      this.log.info({ keyId: key.id }, 'LLM key recovered; circuit closed');
    key.failures = 0;
  }
}
