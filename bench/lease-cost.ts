/**
 * Section 3: cost of one `acquire` + `release` on leadbot's KeyPool alone (no network): 8 keys with
 * limits far above the demand, 1,000 conversations. Each pair is timed on its own, on the actor the
 * node runs (`KeyPoolActor`: every call an event in its store) and on the bare core (`KeyPool`,
 * the figure before the actor existed), interleaved with an `await` of an empty async function
 * (the floor any async acquire pays) in the same loop.
 */
import { systemClock } from '../src/ports/clock.ts';
import { KeyPoolActor, type KeyPoolApi } from '../src/runtime/key-pool-actor.ts';
import { KeyPool, type KeySpec } from '../src/runtime/key-pool.ts';
import { prng, round, summarize, type Summary } from './stats.ts';

export interface LeaseCostOptions {
  pairs: number;
  warmup: number;
  seed: number;
}

export interface LeaseCostResult {
  keys: number;
  conversations: number;
  pairs: number;
  warmup: number;
  /** acquire + release on the actor, µs. */
  leaseUs: Summary;
  /** acquire + release on the bare core, µs. */
  coreUs: Summary;
  /** actor ÷ core, p50. */
  actorRatioP50: number;
  /** `await noop()`, µs. */
  baselineUs: Summary;
  /** Two back-to-back clock reads, µs: the timer's own cost, included in both series. */
  timerUs: Summary;
  ratioP50: number;
  ratioP99: number;
  /** Untimed loop of the same pairs: pairs per second and mean µs. */
  throughputPerSec: number;
  meanUsUntimed: number;
}

// An empty async function: what every `await pool.acquire(...)` costs at least.
async function noop(): Promise<void> {}

const us = (a: bigint, b: bigint): number => Number(b - a) / 1e3;

async function pair(pool: KeyPoolApi, id: string): Promise<void> {
  const lease = await pool.acquire(id, { estimatedTokens: 500 });
  if (!lease) throw new Error('the lease pool ran out of budget: limits must be far above the demand');
  lease.release({ totalTokens: 420 });
}

export async function runLeaseCost(options: LeaseCostOptions): Promise<LeaseCostResult> {
  const keys: KeySpec[] = Array.from({ length: 8 }, (_, i) => ({
    id: `key-${i + 1}`,
    secret: `sk-bench-lease-${i + 1}`,
    rpm: 1_000_000_000,
    tpm: 1_000_000_000_000,
  }));
  const pool = new KeyPoolActor({ keys, clock: systemClock });
  const core = new KeyPool({ keys, clock: systemClock });
  const conversations = Array.from({ length: 1000 }, (_, i) => `conv-${i}`);
  const random = prng(options.seed);
  const pick = (): string => conversations[Math.floor(random() * conversations.length)]!;
  const lease: number[] = [];
  const bare: number[] = [];
  const baseline: number[] = [];
  const timer: number[] = [];
  try {
    const total = options.warmup + options.pairs;
    for (let i = 0; i < total; i++) {
      const id = pick();
      const a0 = process.hrtime.bigint();
      await pair(pool, id);
      const a1 = process.hrtime.bigint();
      const c0 = process.hrtime.bigint();
      await pair(core, id);
      const c1 = process.hrtime.bigint();
      const b0 = process.hrtime.bigint();
      await noop();
      const b1 = process.hrtime.bigint();
      const t0 = process.hrtime.bigint();
      const t1 = process.hrtime.bigint();
      if (i >= options.warmup) {
        lease.push(us(a0, a1));
        bare.push(us(c0, c1));
        baseline.push(us(b0, b1));
        timer.push(us(t0, t1));
      }
    }
    // The same work without per-pair clock reads, for throughput.
    const s0 = process.hrtime.bigint();
    for (let i = 0; i < options.pairs; i++) await pair(pool, pick());
    const s1 = process.hrtime.bigint();
    const leaseUs = summarize(lease);
    const coreUs = summarize(bare);
    const baselineUs = summarize(baseline);
    const totalUs = us(s0, s1);
    return {
      keys: keys.length,
      conversations: conversations.length,
      pairs: options.pairs,
      warmup: options.warmup,
      leaseUs,
      coreUs,
      actorRatioP50: round(leaseUs.p50 / coreUs.p50, 2),
      baselineUs,
      timerUs: summarize(timer),
      ratioP50: round(leaseUs.p50 / baselineUs.p50, 2),
      ratioP99: round(leaseUs.p99 / baselineUs.p99, 2),
      throughputPerSec: Math.round((options.pairs / totalUs) * 1e6),
      meanUsUntimed: round(totalUs / options.pairs, 4),
    };
  } finally {
    await pool.close();
    await core.close();
  }
}
