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

/** The request, token and concurrency budget of one key or one limit group. */
export class Budget {
  readonly requests: RequestWindow | undefined;
  readonly tokens: TokenWindow | undefined;
  readonly maxConcurrent: number;
  /** Leases out now. */
  inFlight = 0;

  constructor(limits: BudgetLimits, windowMs: number) {
    this.requests = limits.rpm === undefined ? undefined : new RequestWindow(limits.rpm, windowMs);
    this.tokens = limits.tpm === undefined ? undefined : new TokenWindow(limits.tpm, windowMs);
    this.maxConcurrent = limits.maxConcurrent ?? Infinity;
  }

  /**
   * Earliest time ≥ `now` at which a request charging `tokens` fits; `Infinity` when it waits
   * for a lease to end (concurrency), which no timer can predict.
   */
  readyAt(now: number, tokens: number): number {
    if (this.inFlight >= this.maxConcurrent) return Infinity;
    let at = now;
    if (this.requests) at = Math.max(at, this.requests.nextFree(now));
    if (this.tokens) at = Math.max(at, this.tokens.nextFree(now, tokens));
    return at;
  }

  /** Share of the budget still free now, 0..1 (the tighter of requests and tokens). */
  headroom(now: number): number {
    return 1 - this.pressure(now);
  }

  /** Share of the budget used in the window now, 0..1+ (tokens can overrun after corrections). */
  pressure(now: number): number {
    let used = 0;
    if (this.requests) used = this.requests.count(now) / this.requests.limit;
    if (this.tokens) used = Math.max(used, this.tokens.used(now) / this.tokens.limit);
    return used;
  }

  /** Charges one request; the caller checked `readyAt(now, charge.tokens) <= now`. */
  take(now: number, charge: TokenCharge): void {
    this.requests?.record(now);
    this.tokens?.record(charge);
    this.inFlight++;
  }

  /** A lease ended: frees its concurrency slot. */
  finish(): void {
    this.inFlight--;
  }
}
