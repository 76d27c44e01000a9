/**
 * Exact sliding-window counters for request and token budgets. Admission is paced (`pacer.ts`);
 * these windows count what went out in the last minute, for the pool's report.
 *
 * Why not a token bucket: a bucket of capacity C refilled at `limit / 60 s` lets C + limit requests
 * through in the first minute, so a provider that counts a sliding 60 s window answers 429. A
 * bucket small enough to be safe (C → 0) throttles bursts the provider would accept. A log of the
 * admission times is exact: an event is admitted at `t` only when fewer than `limit` events lie in
 * `(t − windowMs, t]`, so no half-open window of `windowMs` ever holds more than `limit` events,
 * while the whole budget stays usable in a burst. Capacity still returns continuously, one event
 * at a time, as old events leave the window. Cost: one number per event in the window.
 */

/** Counts events in a sliding window and says when the next one is admitted. */
export class RequestWindow {
  /** Admission times, oldest at `head`; grows up to `limit` slots. */
  private times: Float64Array;
  private head = 0;
  private size = 0;

  /** Most events kept in any window (a fractional limit rounds down: the safe side). */
  limit: number;

  constructor(
    limit: number,
    /** Window length (the provider's minute plus any safety margin). */
    readonly windowMs: number,
  ) {
    this.limit = Math.max(1, Math.floor(limit));
    this.times = new Float64Array(Math.min(this.limit, 64));
  }

  /** The limit changed (learned from the provider): the log keeps up to the new one. */
  setLimit(limit: number): void {
    this.limit = Math.max(1, Math.floor(limit));
  }

  /** Events in the window at `now`. */
  count(now: number): number {
    this.prune(now);
    return this.size;
  }

  /** Events admitted after `since` (exclusive); `since` must be within the window. */
  countAfter(now: number, since: number): number {
    this.prune(now);
    // Times are sorted: binary search for the first one after `since`.
    let lo = 0;
    let hi = this.size;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.at(mid) > since) hi = mid;
      else lo = mid + 1;
    }
    return this.size - lo;
  }

  /** Earliest time ≥ `now` at which one more event fits. */
  nextFree(now: number): number {
    this.prune(now);
    return this.size < this.limit ? now : this.at(0) + this.windowMs;
  }

  /** Records an event at `now`; the caller checked `nextFree(now) <= now`. */
  record(now: number): void {
    this.prune(now);
    if (this.size === this.times.length) this.grow();
    if (this.size === this.times.length) {
      // Full at `limit` (caller ignored nextFree): drop the oldest rather than grow without bound.
      this.head = (this.head + 1) % this.times.length;
      this.size--;
    }
    this.times[(this.head + this.size) % this.times.length] = now;
    this.size++;
  }

  private at(i: number): number {
    return this.times[(this.head + i) % this.times.length]!;
  }

  private grow(): void {
    const capacity = Math.min(this.limit, this.times.length * 2);
    if (capacity === this.times.length) return;
    const next = new Float64Array(capacity);
    for (let i = 0; i < this.size; i++) next[i] = this.at(i);
    this.times = next;
    this.head = 0;
  }

  private prune(now: number): void {
    const edge = now - this.windowMs;
    while (this.size > 0 && this.times[this.head]! <= edge) {
      this.head = (this.head + 1) % this.times.length;
      this.size--;
    }
  }
}

/** One request's token charge: the estimate first, then corrected to the real usage. */
export interface TokenCharge {
  readonly t: number;
  tokens: number;
}

/** Sums token charges in a sliding window and says when a new charge fits. */
export class TokenWindow {
  private entries: TokenCharge[] = [];
  private head = 0;
  private sum = 0;

  constructor(
    /** Most tokens charged in any window (the limit in force: providers' headers can change it). */
    public limit: number,
    readonly windowMs: number,
  ) {}

  /** Tokens charged in the window at `now`. */
  used(now: number): number {
    this.prune(now);
    return this.sum;
  }

  /**
   * Earliest time ≥ `now` at which `tokens` more fit. A charge larger than the whole limit waits
   * for an empty window rather than forever.
   */
  nextFree(now: number, tokens: number): number {
    this.prune(now);
    const room = this.limit - Math.min(tokens, this.limit);
    let sum = this.sum;
    if (sum <= room) return now;
    for (let i = this.head; i < this.entries.length; i++) {
      const entry = this.entries[i]!;
      sum -= entry.tokens;
      if (sum <= room) return entry.t + this.windowMs;
    }
    return now;
  }

  /** Adds a charge (shared with other windows: corrections go through `adjust`). */
  record(charge: TokenCharge): void {
    this.prune(charge.t);
    this.entries.push(charge);
    this.sum += charge.tokens;
  }

  /**
   * Applies `delta` to the running sum if the charge is still in the window. Call it on every
   * window holding the charge *before* changing `charge.tokens`, so eviction subtracts the value
   * the sum holds.
   */
  adjust(charge: TokenCharge, delta: number, now: number): void {
    this.prune(now);
    if (charge.t + this.windowMs > now) this.sum += delta;
  }

  private prune(now: number): void {
    const edge = now - this.windowMs;
    while (this.head < this.entries.length && this.entries[this.head]!.t <= edge) {
      this.sum -= this.entries[this.head]!.tokens;
      this.head++;
    }
    // Compact once the dead prefix dominates, so pruning stays amortised O(1).
    if (this.head > 256 && this.head * 2 > this.entries.length) {
      this.entries = this.entries.slice(this.head);
      this.head = 0;
    }
    if (this.head === this.entries.length) this.sum = 0;
  }
}
