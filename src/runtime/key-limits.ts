import type { KeyState } from './key-state.ts';
import type { PoolLogger } from './key-pool-options.ts';
import type { ProviderLimits } from '../ports/chat-model.ts';

/** Multiplicative decrease after a 429 from a provider that sends no limit headers. */
const DECREASE = 0.7;
/** Additive recovery: this share of the rate back per step without a 429. */
const RECOVERY = 0.03;
const STEP_MS = 10_000;
/** Near the rate where the last 429 happened, recovery slows to one step per this long. */
const CAREFUL_STEP_MS = 30_000;

/**
 * Limits learned from the wire. With `x-ratelimit-*` headers the provider wins over config (logged
 * once per new value, shown in the report): its `limit-requests` / `limit-tokens` set the key's rate,
 * and `remaining = 0` holds the key for one pacing interval (at most its `reset`). Without headers, 429s adapt the rate (AIMD:
 * ×0.7 on a 429, at most once a second; +3 % every 10 s without one, slower near the last ceiling,
 * never above config).
 */
export class KeyLimits {
  constructor(private readonly log: PoolLogger) {}

  /**
   * What one response said about the key's limits. The provider counted the request when it arrived,
   * so `remaining = 0` holds the key from `sentAt` (when it was admitted), not from the answer.
   */
  observed(key: KeyState, limits: ProviderLimits, now: number, sentAt: number): void {
    const budget = key.budget;
    const rpm = limits.limitRequests;
    const tpm = limits.limitTokens;
    if (rpm !== undefined || tpm !== undefined) key.limitHeaders = true;
    const rates = { ...(rpm ? { rpm } : {}), ...(tpm ? { tpm } : {}) };
    if (budget.setRates(rates, 'headers', now))
      this.log.info(
        {
          keyId: key.id,
          rpm: budget.rpm,
          tpm: budget.tpm,
          configuredRpm: budget.configuredRpm,
          configuredTpm: budget.configuredTpm,
        },
        'LLM provider reports different limits for this key than configured; the provider wins',
      );
    // `reset` is the time until the provider's meter is full again; the next request fits once one
    // unit has come back, so the hold is at most one pacing interval.
    const requests = budget.requestPacer;
    if (limits.remainingRequests === 0 && limits.resetRequestsMs !== undefined && requests)
      requests.holdUntil(sentAt + Math.min(limits.resetRequestsMs, requests.intervalMs));
    const tokens = budget.tokenPacer;
    if (limits.remainingTokens === 0 && limits.resetTokensMs !== undefined && tokens)
      tokens.holdUntil(sentAt + Math.min(limits.resetTokensMs, tokens.intervalMs * 1000));
  }

  /** A 429: without limit headers from this provider, the key's request rate comes down. */
  rateLimited(key: KeyState, now: number): void {
    const budget = key.budget;
    if (key.limitHeaders || budget.rpm === undefined || now - key.adaptedAt < 1000) return;
    key.ceiling = budget.rpm;
    key.adaptedAt = now;
    budget.setRates({ rpm: Math.max(1, budget.rpm * DECREASE) }, 'adaptive', now);
    this.log.info(
      { keyId: key.id, rpm: Math.round(budget.rpm), configuredRpm: budget.configuredRpm },
      'LLM provider rate limited this key without limit headers; pacing it slower',
    );
  }

  /** Housekeeping: an adapted rate recovers step by step while no 429 comes. */
  tick(key: KeyState, now: number): void {
    const budget = key.budget;
    if (budget.source !== 'adaptive' || budget.rpm === undefined || budget.configuredRpm === undefined)
      return;
    const careful = key.ceiling !== undefined && budget.rpm >= 0.9 * key.ceiling;
    if (now - key.adaptedAt < (careful ? CAREFUL_STEP_MS : STEP_MS)) return;
    key.adaptedAt = now;
    const next = Math.min(budget.configuredRpm, budget.rpm + Math.max(1, budget.configuredRpm * RECOVERY));
    budget.setRates({ rpm: next }, next >= budget.configuredRpm ? 'config' : 'adaptive', now);
  }
}
