import { Budget, type BudgetLimits } from './budget.ts';
import type { PacingOptions } from './pacer.ts';
import type { TokenCharge } from './sliding-window.ts';
import type { ProviderLimits } from '../ports/chat-model.ts';

/** One key's live state inside the pool. The secret is a private field: it never serialises. */
export class KeyState {
  readonly #secret: string;
  readonly budget: Budget;
  /** Conversations pinned to this key. */
  conversations = 0;
  /** A 429 cools the key until this time (epoch ms). */
  coolingUntil = 0;
  /** The circuit breaker keeps the key out until this time once `failures` reach the threshold. */
  openUntil = 0;
  /** Consecutive 5xx / network failures. */
  failures = 0;
  rateLimitedTotal = 0;
  /** The drain pass in which a more urgent waiter claimed this key. */
  reserved = 0;
  /** Waiters that claimed this key in that pass (each takes one pacing interval before the next). */
  ahead = 0;
  /** The provider sends `x-ratelimit-*` headers for this key: they, not 429s, set its rate. */
  limitHeaders = false;
  /** Last adaptation of the rate (a 429 or a recovery step), epoch ms. */
  adaptedAt = -Infinity;
  /** The rate at which the last 429 without headers came. */
  ceiling: number | undefined;

  constructor(
    readonly id: string,
    secret: string,
    limits: BudgetLimits,
    windowMs: number,
    pacing: PacingOptions,
    /** The limit group's shared budget, when the key belongs to one. */
    readonly group: Budget | undefined,
    /** Configured cap on pinned conversations; unset: measured (`measuredCap`). */
    readonly fixedCap?: number,
  ) {
    this.#secret = secret;
    this.budget = new Budget(limits, windowMs, pacing);
  }

  /** The cap the pool measured: the key's rate ÷ LLM requests per minute per conversation. */
  measuredCap = Infinity;

  /** Conversations this key takes at most: the configured cap, else the measured one. */
  get maxConversations(): number {
    return this.fixedCap ?? this.measuredCap;
  }

  get secret(): string {
    return this.#secret;
  }

  toJSON(): { id: string } {
    return { id: this.id };
  }
}

/** What a lease's end reports: the real usage, if the provider answered. */
export interface LeaseUsage {
  /** Prompt + completion tokens the provider counted. */
  totalTokens: number;
}

/** How a lease ended, as the pool's bookkeeping sees it. */
export type LeaseEnd = (usage: LeaseUsage | undefined) => void;

/**
 * Permission to send one request with one key. End it exactly once with `release` (or
 * `rateLimited` / `failed`, which also release); later calls are no-ops.
 */
export interface Lease {
  /** The key's name (safe to log). */
  readonly keyId: string;
  /** The API key to send with the request. Not enumerable: `JSON.stringify` leaves it out. */
  readonly secret: string;
  /** The request finished: corrects the token estimate with `usage`, frees the concurrency slot. */
  release(usage?: LeaseUsage): void;
  /** The provider answered 429: cools the key for `retryAfterMs` (its `Retry-After`), then releases. */
  rateLimited(retryAfterMs?: number): void;
  /** A 5xx or network failure: counts towards the key's circuit breaker, then releases. */
  failed(): void;
  /** What the provider's response headers said about the key's limits (call before ending the lease). */
  observe(limits: ProviderLimits): void;
}

/** How a lease reports what happened to its key. */
export interface LeaseReport {
  rateLimited(key: KeyState, ms: number | undefined): void;
  failed(key: KeyState): void;
  /** `sentAt`: when the request the headers answer was admitted. */
  observed(key: KeyState, limits: ProviderLimits, sentAt: number): void;
}

/** The pool's lease: a small object whose end runs once. */
export class PoolLease implements Lease {
  #end: LeaseEnd | undefined;
  readonly #key: KeyState;
  readonly #report: LeaseReport;

  constructor(
    key: KeyState,
    readonly charge: TokenCharge,
    end: LeaseEnd,
    report: LeaseReport,
  ) {
    this.#key = key;
    this.#end = end;
    this.#report = report;
  }

  get keyId(): string {
    return this.#key.id;
  }

  get secret(): string {
    return this.#key.secret;
  }

  release(usage?: LeaseUsage): void {
    const end = this.#end;
    if (!end) return;
    this.#end = undefined;
    end(usage);
  }

  rateLimited(retryAfterMs?: number): void {
    if (!this.#end) return;
    this.#report.rateLimited(this.#key, retryAfterMs);
    this.release();
  }

  failed(): void {
    if (!this.#end) return;
    this.#report.failed(this.#key);
    this.release();
  }

  observe(limits: ProviderLimits): void {
    this.#report.observed(this.#key, limits, this.charge.t);
  }

  toJSON(): { keyId: string } {
    return { keyId: this.keyId };
  }

  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return `Lease { keyId: '${this.keyId}' }`;
  }
}
