import { DEFAULT_PACING, Pacer, type PacingOptions } from './pacer.ts';
import { RequestWindow, TokenWindow, type TokenCharge } from './sliding-window.ts';

/** Limits of one key or one limit group; an absent field means "no limit of that kind". */
export interface BudgetLimits {
  /** Requests per minute. */
  rpm?: number | undefined;
  /** Tokens (prompt + completion) per minute. */
  tpm?: number | undefined;
  /** Requests in flight at once. */
  maxConcurrent?: number | undefined;
}

/** Where a budget's rate comes from: config, the provider's `x-ratelimit-*` headers, or 429 adaptation. */
export type LimitSource = 'config' | 'headers' | 'adaptive';

/**
 * The request, token and concurrency budget of one key or one limit group. Admission is paced
 * (`Pacer`, GCRA): requests and tokens each flow at their rate with one second's burst. The 60 s
 * windows only count, for the report (`requests_last_minute`, capacity).
 */
export class Budget {
  readonly requests: RequestWindow | undefined;
  readonly tokens: TokenWindow | undefined;
  readonly requestPacer: Pacer | undefined;
  readonly tokenPacer: Pacer | undefined;
  readonly maxConcurrent: number;
  /** Leases out now. */
  inFlight = 0;
  /** Configured requests per minute (what config said; `rpm` may differ once the provider spoke). */
  readonly configuredRpm: number | undefined;
  readonly configuredTpm: number | undefined;
  /** Requests / tokens per minute in force now. */
  rpm: number | undefined;
  tpm: number | undefined;
  source: LimitSource = 'config';

  constructor(limits: BudgetLimits, windowMs: number, pacing: PacingOptions = DEFAULT_PACING) {
    this.configuredRpm = this.rpm = limits.rpm;
    this.configuredTpm = this.tpm = limits.tpm;
    this.requests = limits.rpm === undefined ? undefined : new RequestWindow(limits.rpm, windowMs);
    this.tokens = limits.tpm === undefined ? undefined : new TokenWindow(limits.tpm, windowMs);
    this.requestPacer = limits.rpm === undefined ? undefined : new Pacer(limits.rpm, pacing);
    this.tokenPacer = limits.tpm === undefined ? undefined : new Pacer(limits.tpm, pacing);
    this.maxConcurrent = limits.maxConcurrent ?? Infinity;
  }

  /**
   * Earliest time ≥ `now` at which a request charging `tokens` conforms; `Infinity` when it waits
   * for a lease to end (concurrency), which no timer can predict. `reserve` keeps that share of the
   * burst for urgent requests once the last minute used more than `1 − reserve` of the rate.
   */
  readyAt(now: number, tokens: number, reserve = 0): number {
    if (this.inFlight >= this.maxConcurrent) return Infinity;
    // The reserve is kept only while budget is scarce (the last minute used most of the rate): at
    // lower demand nobody waits for it, and ordinary turns get the whole burst.
    if (reserve > 0 && this.pressure(now) < 1 - reserve) reserve = 0;
    let at = now;
    if (this.requestPacer) at = Math.max(at, this.requestPacer.readyAt(now, 1, reserve));
    if (this.tokenPacer && tokens > 0) {
      at = Math.max(at, this.tokenPacer.readyAt(now, tokens, reserve));
      // A charge larger than the burst cannot be paced inside it: it also waits until the last
      // minute's tokens leave room for it, so no 60 s window ever holds more than the limit.
      if (this.tokens && tokens > this.tokenPacer.burst) at = Math.max(at, this.tokens.nextFree(now, tokens));
    }
    return at;
  }

  /** Share of the budget still free now, 0..1 (the tighter of requests and tokens). */
  headroom(now: number): number {
    return 1 - Math.min(1, this.pressure(now));
  }

  /** Share of the rate used over the last minute, 0..1+ (tokens can overrun after corrections). */
  pressure(now: number): number {
    let used = 0;
    if (this.requests && this.rpm) used = this.requests.count(now) / this.rpm;
    if (this.tokens && this.tpm) used = Math.max(used, this.tokens.used(now) / this.tpm);
    return used;
  }

  /** Charges one request; the caller checked `readyAt(now, charge.tokens) <= now`. */
  take(now: number, charge: TokenCharge): void {
    this.requests?.record(now);
    this.tokens?.record(charge);
    this.requestPacer?.take(now, 1);
    if (charge.tokens > 0) this.tokenPacer?.take(now, charge.tokens);
    this.inFlight++;
  }

  /** Replaces a charge's estimate with the real usage (`delta` = real − estimate). */
  adjustTokens(charge: TokenCharge, delta: number, now: number): void {
    this.tokens?.adjust(charge, delta, now);
    this.tokenPacer?.adjust(delta, now);
  }

  /** A lease ended: frees its concurrency slot. */
  finish(): void {
    this.inFlight--;
  }

  /** The rate in force changes (provider headers, or adaptation); returns whether it did. */
  setRates(rates: { rpm?: number; tpm?: number }, source: LimitSource, now?: number): boolean {
    let changed = false;
    if (rates.rpm !== undefined && this.requestPacer && rates.rpm > 0 && rates.rpm !== this.rpm) {
      this.rpm = rates.rpm;
      this.requestPacer.setRate(rates.rpm, now);
      this.requests?.setLimit(rates.rpm);
      changed = true;
    }
    if (rates.tpm !== undefined && this.tokenPacer && rates.tpm > 0 && rates.tpm !== this.tpm) {
      this.tpm = rates.tpm;
      this.tokenPacer.setRate(rates.tpm, now);
      if (this.tokens) this.tokens.limit = rates.tpm;
      changed = true;
    }
    if (changed) this.source = source;
    return changed;
  }
}
