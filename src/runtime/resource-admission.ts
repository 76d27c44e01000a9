import { monitorEventLoopDelay, performance, type IntervalHistogram } from 'node:perf_hooks';
import { getHeapStatistics } from 'node:v8';
import type { Admission, AdmissionVerdict, SaturationReason } from '../ports/admission.ts';

export interface AdmissionSettings {
  /** Saturated while the event loop's mean lag over the last sample exceeds this. */
  maxEventLoopDelayMs: number;
  /** Saturated while the event loop was busy more than this share of the last sample (0..1). */
  maxEventLoopUtilization: number;
  /** Saturated while the turns in flight need more than this much CPU (their count × measured cost). */
  maxCpuBacklogMs: number;
  /** Saturated while the heap in use exceeds this share of the heap limit. */
  maxHeapRatio: number;
  /** Under pressure, a tenant over this multiple of an equal share of recent messages is refused. */
  fairShare: number;
  retryAfterS: number;
}

/** What the node measures about itself, each sample. */
export interface ResourceSample {
  lagMs: number;
  /** Share of the last sample the event loop was busy (0..1). */
  utilization: number;
  heapRatio: number;
}

/** Pressure (the larger of lag and heap, each relative to its limit) above which fairness applies. */
const FAIRNESS_PRESSURE = 0.5;
/** Loop utilization from which the CPU backlog binds. */
const BUSY = 0.8;
/** CPU one turn is assumed to cost before the node measured it (a REST turn with a model call). */
const PRIOR_COST_MS = 4;
/** The tenant shares count messages of the last this many one-second buckets. */
const BUCKETS = 5;

/** Node's own figures: mean event-loop lag since the last sample, heap in use / heap limit. */
export function processSampler(): { sample: () => ResourceSample; stop: () => void } {
  const histogram: IntervalHistogram = monitorEventLoopDelay({ resolution: 10 });
  histogram.enable();
  let last = performance.eventLoopUtilization();
  return {
    sample: () => {
      const now = performance.eventLoopUtilization();
      const utilization = performance.eventLoopUtilization(now, last).utilization;
      last = now;
      // The histogram's floor is its resolution: subtract it so an idle loop reads ~0.
      const lagMs = Math.max(0, histogram.mean / 1e6 - 10);
      histogram.reset();
      const heap = getHeapStatistics();
      return {
        lagMs: Number.isFinite(lagMs) ? lagMs : 0,
        utilization,
        heapRatio: heap.used_heap_size / heap.heap_size_limit,
      };
    },
    stop: () => histogram.disable(),
  };
}

/**
 * Admission by measured resources, not by a fixed count of turns: a turn waiting on a model is I/O,
 * so the node takes messages while its event loop keeps up and its heap has room. Saturated (lag or
 * heap over the limit), it refuses new messages at once with a `Retry-After`; under pressure (half
 * way there), the tenants sending more than their fair share of the last few seconds are refused
 * first, so one tenant's flood cannot starve the others. Sampled once a second.
 */
export class ResourceAdmission implements Admission {
  private current: ResourceSample = { lagMs: 0, utilization: 0, heapRatio: 0 };
  private readonly counts = new Map<string, number[]>();
  private bucketAt = 0;
  private bucket = 0;
  private readonly refused: Record<SaturationReason, number> = {
    event_loop: 0,
    cpu_backlog: 0,
    heap: 0,
    tenant_share: 0,
    disk_full: 0,
  };
  private disk: { full(): boolean } | undefined;

  /** A full data disk refuses every message (reason `disk_full`) until space is free again. */
  setDisk(disk: { full(): boolean }): void {
    this.disk = disk;
  }
  private admitted = 0;
  private timer: NodeJS.Timeout | undefined;
  /** Admitted messages whose turn has not completed, by key → when admitted. */
  private readonly inFlight = new Map<string, number>();
  private completed = 0;
  private admittedSinceSample = 0;
  private sampledAt: number | undefined;
  /**
   * Measured CPU per completed turn, ms (moving average). Until measured, a prior of a few ms, so a
   * burst at start-up is cut too.
   */
  private costMs = PRIOR_COST_MS;
  private measured = false;

  constructor(
    private readonly settings: AdmissionSettings,
    private readonly sampler: () => ResourceSample,
  ) {}

  /** Samples every `everyMs` (unref'd timer). */
  start(everyMs = 1000): void {
    this.sampleNow();
    this.timer ??= setInterval(() => this.sampleNow(), everyMs).unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Takes one sample now (the timer calls this; tests may too). */
  sampleNow(now = Date.now()): ResourceSample {
    this.current = this.sampler();
    const elapsed = this.sampledAt === undefined ? 0 : now - this.sampledAt;
    if (this.completed >= 3 && elapsed > 0) {
      const cost = (this.current.utilization * elapsed) / this.completed;
      this.costMs = this.measured ? 0.7 * this.costMs + 0.3 * cost : cost;
      this.measured = true;
    } else if (this.current.utilization < FAIRNESS_PRESSURE) {
      // Too few turns to measure and a quiet loop: drift back to the prior, so a cost measured in a
      // slow start-up second cannot keep refusing the turns that would measure it again.
      this.costMs = 0.7 * this.costMs + 0.3 * PRIOR_COST_MS;
    }
    this.completed = 0;
    this.admittedSinceSample = 0;
    this.sampledAt = now;
    // A turn never completed (lost with a crashed handler) stops counting after a minute.
    for (const [key, at] of this.inFlight) if (now - at > 60_000) this.inFlight.delete(key);
    return this.current;
  }

  done(key: string, completed = true): void {
    if (this.inFlight.delete(key) && completed) this.completed++;
  }

  /**
   * CPU the turns admitted since the last sample (about a second) need, ms: their count × the
   * measured cost of one. Turns already waiting on a model do not count: their CPU is spread over
   * the wait, and the loop's lag and utilization show it.
   */
  backlogMs(): number {
    return this.admittedSinceSample * this.costMs;
  }

  check(tenantId: string, now: number, key?: string): AdmissionVerdict {
    this.record(tenantId, now);
    const { lagMs, utilization, heapRatio } = this.current;
    // The loop is out of CPU when it is both nearly always busy and lagging: busy alone is a node
    // working hard and keeping up.
    const busy = utilization / this.settings.maxEventLoopUtilization;
    const lag = Math.max(lagMs / this.settings.maxEventLoopDelayMs, busy > 1 && lagMs > 20 ? busy : 0);
    const heap = heapRatio / this.settings.maxHeapRatio;
    let reason: SaturationReason | undefined;
    const backlog = this.backlogMs() / this.settings.maxCpuBacklogMs;
    if (this.disk?.full()) reason = 'disk_full';
    else if (lag > 1) reason = 'event_loop';
    // The backlog binds only on a busy loop that starts to queue (lag above a quarter of its limit):
    // a loop busy but keeping up is a node working well, and on a quiet one the next turns measure
    // the cost again (refused requests cost CPU too, and a cost that counts them must not lock the door).
    else if (backlog > 1 && utilization >= BUSY && lag >= 0.25) reason = 'cpu_backlog';
    else if (heap > 1) reason = 'heap';
    else if (Math.max(lag, heap, backlog) >= FAIRNESS_PRESSURE && this.overShare(tenantId))
      reason = 'tenant_share';
    if (reason === undefined) {
      this.admitted++;
      this.admittedSinceSample++;
      if (key !== undefined) this.inFlight.set(key, now);
      return { ok: true };
    }
    this.refused[reason]++;
    return { ok: false, reason, retryAfterS: this.settings.retryAfterS };
  }

  /** For /metrics: the last sample and what was admitted and refused. */
  report(): {
    lag_ms: number;
    utilization: number;
    heap_ratio: number;
    in_flight: number;
    cpu_ms_per_turn: number;
    admitted: number;
    refused: Record<SaturationReason, number>;
  } {
    return {
      lag_ms: Math.round(this.current.lagMs * 10) / 10,
      utilization: Math.round(this.current.utilization * 1000) / 1000,
      heap_ratio: Math.round(this.current.heapRatio * 1000) / 1000,
      in_flight: this.inFlight.size,
      cpu_ms_per_turn: Math.round(this.costMs * 100) / 100,
      admitted: this.admitted,
      refused: { ...this.refused },
    };
  }

  /** Counts the message in its tenant's current one-second bucket. */
  private record(tenantId: string, now: number): void {
    const second = Math.floor(now / 1000);
    if (second !== this.bucketAt) {
      const steps = Math.min(BUCKETS, Math.max(0, second - this.bucketAt));
      this.bucketAt = second;
      for (let i = 0; i < steps; i++) {
        this.bucket = (this.bucket + 1) % BUCKETS;
        for (const [tenant, buckets] of this.counts) {
          buckets[this.bucket] = 0;
          if (buckets.every((n) => n === 0)) this.counts.delete(tenant);
        }
      }
    }
    let buckets = this.counts.get(tenantId);
    if (!buckets) {
      buckets = new Array<number>(BUCKETS).fill(0);
      this.counts.set(tenantId, buckets);
    }
    buckets[this.bucket]!++;
  }

  /** The tenant sent more than `fairShare` times what the other tenants send on average (last 5 s). */
  private overShare(tenantId: string): boolean {
    if (this.counts.size < 2) return false;
    let total = 0;
    let mine = 0;
    for (const [tenant, b] of this.counts) {
      const sum = b.reduce((s, n) => s + n, 0);
      total += sum;
      if (tenant === tenantId) mine = sum;
    }
    const others = (total - mine) / (this.counts.size - 1);
    return mine > this.settings.fairShare * Math.max(others, 1);
  }
}
