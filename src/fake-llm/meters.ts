/**
 * The test server's limit models, one meter per scope and dimension (requests or tokens): a sliding
 * window, a per-second token bucket (`quantised`) and a fixed window. A meter answers how long a
 * cost must wait, takes it, and reports what the `x-ratelimit-*` headers say.
 */

import type { LimitModel } from './types.ts';

/** What the `x-ratelimit-remaining-*` and `x-ratelimit-reset-*` headers report for one meter. */
export interface MeterStatus {
  remaining: number;
  /** ms until the meter is back to its initial state (OpenAI's definition of "reset"). */
  resetMs: number;
}

/** One dimension of one scope under one limit model. `limit` is per `periodMs` (one minute). */
export interface Meter {
  /** ms until `cost` fits under `limit` (0: it fits now). */
  waitMs(limit: number, cost: number, now: number): number;
  /** Counts an admitted `cost`. */
  take(cost: number, now: number): void;
  /** How much of the limit is in use now, for the 429 message. */
  used(limit: number, now: number): number;
  status(limit: number, now: number): MeterStatus;
}

interface Entry {
  at: number;
  n: number;
}

/** Sliding window of `periodMs`: entries younger than the window count. */
class WindowMeter implements Meter {
  private readonly entries: Entry[] = [];
  private sum = 0;

  constructor(private readonly periodMs: () => number) {}

  private prune(now: number): void {
    const from = now - this.periodMs();
    while (this.entries.length > 0 && (this.entries[0]?.at ?? 0) <= from) this.sum -= this.entries.shift()!.n;
  }

  waitMs(limit: number, cost: number, now: number): number {
    this.prune(now);
    const period = this.periodMs();
    if (this.sum + cost <= limit) return 0;
    if (cost > limit) return period;
    let used = this.sum;
    for (const e of this.entries) {
      used -= e.n;
      if (used + cost <= limit) return e.at + period - now;
    }
    return period;
  }

  take(cost: number, now: number): void {
    this.prune(now);
    this.entries.push({ at: now, n: cost });
    this.sum += cost;
  }

  used(_limit: number, now: number): number {
    this.prune(now);
    return this.sum;
  }

  status(limit: number, now: number): MeterStatus {
    this.prune(now);
    const newest = this.entries[this.entries.length - 1];
    return {
      remaining: Math.max(0, limit - this.sum),
      resetMs: newest === undefined ? 0 : newest.at + this.periodMs() - now,
    };
  }
}

/**
 * Token bucket holding one second of the limit (`limit × 1000 / periodMs`, at least 1), refilled
 * continuously at `limit / periodMs` per ms, full at first use. A cost bigger than the bucket passes
 * when the bucket is full and leaves it in debt, so big requests are slowed, not refused for ever.
 */
class BucketMeter implements Meter {
  private level: number | undefined;
  private last = 0;

  constructor(private readonly periodMs: () => number) {}

  private capacity(limit: number): number {
    return Math.max(1, (limit * 1000) / this.periodMs());
  }

  private refill(limit: number, now: number): number {
    const cap = this.capacity(limit);
    const rate = limit / this.periodMs();
    this.level = Math.min(cap, this.level === undefined ? cap : this.level + (now - this.last) * rate);
    this.last = now;
    return this.level;
  }

  waitMs(limit: number, cost: number, now: number): number {
    const level = this.refill(limit, now);
    if (limit <= 0) return this.periodMs();
    const need = Math.min(cost, this.capacity(limit));
    // 1e-9: refills computed in floating point must not leave a request 1 ns short.
    if (level + 1e-9 >= need) return 0;
    return (need - level) / (limit / this.periodMs());
  }

  take(cost: number, now: number): void {
    if (this.level === undefined) return;
    this.last = now;
    this.level -= cost;
  }

  used(limit: number, now: number): number {
    return Math.max(0, Math.round((this.capacity(limit) - this.refill(limit, now)) * 1000) / 1000);
  }

  status(limit: number, now: number): MeterStatus {
    const level = this.refill(limit, now);
    const rate = limit / this.periodMs();
    return {
      remaining: Math.max(0, Math.floor(level + 1e-9)),
      resetMs: rate > 0 ? (this.capacity(limit) - level) / rate : this.periodMs(),
    };
  }
}

/** Fixed windows aligned on multiples of `periodMs` since the epoch (whole minutes by default). */
class FixedWindowMeter implements Meter {
  private index = Number.NaN;
  private count = 0;

  constructor(private readonly periodMs: () => number) {}

  private roll(now: number): number {
    const period = this.periodMs();
    const index = Math.floor(now / period);
    if (index !== this.index) {
      this.index = index;
      this.count = 0;
    }
    return (index + 1) * period - now;
  }

  waitMs(limit: number, cost: number, now: number): number {
    const untilNext = this.roll(now);
    if (this.count + cost <= limit) return 0;
    return cost > limit ? this.periodMs() : untilNext;
  }

  take(cost: number, now: number): void {
    this.roll(now);
    this.count += cost;
  }

  used(_limit: number, now: number): number {
    this.roll(now);
    return this.count;
  }

  status(limit: number, now: number): MeterStatus {
    const untilNext = this.roll(now);
    return { remaining: Math.max(0, limit - this.count), resetMs: this.count > 0 ? untilNext : 0 };
  }
}

/** A fresh meter of `model`; `periodMs` is read on every call, so the window may change at run time. */
export function createMeter(model: LimitModel, periodMs: () => number): Meter {
  if (model === 'quantised') return new BucketMeter(periodMs);
  if (model === 'fixed-window') return new FixedWindowMeter(periodMs);
  return new WindowMeter(periodMs);
}

/** Requests per second a `quantised` bucket of `limit` per `periodMs` admits in a burst. */
export function bucketCapacity(limit: number, periodMs = 60_000): number {
  return Math.max(1, (limit * 1000) / periodMs);
}
