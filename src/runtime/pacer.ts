/**
 * Paced admission (GCRA, the virtual-scheduling form of a token bucket): a budget is a rate, not a
 * window. One unit is admitted every `interval` ms, with a burst of `burst` units when the pacer has
 * been idle, so traffic is smooth at every time scale from one second to one minute. A provider that
 * refills per second (OpenAI quantises 60,000 RPM to 1,000 per second), one that counts a sliding or a
 * fixed 60 s window, and one that adapts under load all see at most `rate` per minute plus one
 * second's worth: in any 60 s at most `60 s / interval + burst` units, which the safety margin keeps
 * under the limit (margin ≥ burst / limit).
 *
 * State is one number, the theoretical arrival time (TAT): admitting `cost` units moves it
 * `cost × interval` ms on; a request conforms when the TAT it leaves is at most `burst × interval`
 * ahead of now. A charge larger than the burst (a huge token estimate) is admitted once the pacer is
 * idle, so it waits rather than forever.
 */
/** How a budget is paced. */
export interface PacingOptions {
  /** Burst allowed after idle, in seconds of the rate (default 1: one second's worth). */
  burstSeconds: number;
  /** Share of the rate left unused, so uneven network latency never puts a request over (default 0.03). */
  margin: number;
}

export const DEFAULT_PACING: PacingOptions = { burstSeconds: 1, margin: 0.03 };

export class Pacer {
  /** Theoretical arrival time: when the units admitted so far will have been "paid for". */
  private tat = -Infinity;
  private interval: number;
  private burstUnits: number;

  constructor(
    /** Units per minute (requests or tokens). */
    perMinute: number,
    private readonly options: PacingOptions,
  ) {
    this.interval = 0;
    this.burstUnits = 1;
    this.setRate(perMinute);
  }

  /** The theoretical arrival time, for a snapshot (-Infinity: idle since start). */
  get tatMs(): number {
    return this.tat;
  }

  /** Resumes from a snapshot's TAT (a restarted pool owes what the old one admitted). */
  resume(tat: number): void {
    if (Number.isFinite(tat) && tat > this.tat) this.tat = tat;
  }

  /** Units admitted at once after idle. */
  get burst(): number {
    return this.burstUnits;
  }

  /** Milliseconds between two units at the steady rate. */
  get intervalMs(): number {
    return this.interval;
  }

  /**
   * Changes the rate (a limit learned from the provider, or adaptation after 429s). Units already
   * admitted stay owed, now paid at the new rate: the debt ahead of `now` rescales with the interval.
   */
  setRate(perMinute: number, now?: number): void {
    const rate = Math.max(perMinute, 1e-6) * (1 - this.options.margin);
    const previous = this.interval;
    this.interval = 60_000 / rate;
    this.burstUnits = Math.max(1, (rate / 60) * this.options.burstSeconds);
    if (now !== undefined && previous > 0 && this.tat > now)
      this.tat = now + (this.tat - now) * (this.interval / previous);
  }

  /**
   * Earliest time ≥ `now` at which `cost` units conform. `reserve` (0..1) keeps that share of the
   * burst free for more urgent requests: a request that may not use it conforms later.
   */
  readyAt(now: number, cost: number, reserve = 0): number {
    const tat = Math.max(this.tat, now);
    const burst = this.burstUnits * (1 - reserve);
    if (cost > burst) return tat;
    return Math.max(now, tat + (cost - burst) * this.interval);
  }

  /** Admits `cost` units at `now`; the caller checked `readyAt(now, cost) <= now`. */
  take(now: number, cost: number): void {
    this.tat = Math.max(this.tat, now) + cost * this.interval;
  }

  /** Corrects an earlier charge by `delta` units (the provider's real token usage). */
  adjust(delta: number, now: number): void {
    if (!Number.isFinite(this.tat)) return;
    this.tat = Math.max(now - this.burstUnits * this.interval, this.tat + delta * this.interval);
  }

  /** Nothing more conforms before `until` (the provider said its budget is spent until then). */
  holdUntil(until: number): void {
    const tat = until + (this.burstUnits - 1) * this.interval;
    if (tat > this.tat) this.tat = tat;
  }
}
