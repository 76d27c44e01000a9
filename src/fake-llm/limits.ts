/**
 * Rate limits of the test server: requests and tokens per window, counted by the limit model of the
 * server (sliding window, per-second token bucket or fixed window, see `meters.ts`), plus requests
 * in flight, per key and per limit group. Rejections carry the wait until a slot frees; every answer
 * may carry OpenAI's `x-ratelimit-*` headers.
 */

import { bucketCapacity, createMeter, type Meter } from './meters.ts';
import type { FakeScopeStats, LimitBudget, LimitModel } from './types.ts';

/** Live state of one limit scope (a key or a group). */
interface ScopeState {
  stats: FakeScopeStats;
  /** Meters by `<model>:<requests|tokens>`, created on first use. */
  meters: Map<string, Meter>;
  /** Every accepted request time (for `stats().acceptedLog`). */
  log: number[];
}

/** A scope checked for one request. */
export interface LimitScope {
  kind: 'key' | 'group';
  /** The key's secret or the group's name. */
  id: string;
  budget: LimitBudget;
}

/** The outcome of `RateLimiter.admit`. */
export type Admission =
  | { ok: true; release: () => void; headers: Record<string, string> }
  | {
      ok: false;
      retryAfterSeconds: number;
      /** The exact wait, ms (what `retry-after-ms` says). */
      retryAfterMs: number;
      message: string;
      /** `x-ratelimit-*`, `retry-after` and `retry-after-ms` (none when headers are off). */
      headers: Record<string, string>;
    };

/** What the limiter reads on every call, so options may change at run time. */
export interface LimiterSettings {
  windowMs: () => number;
  model: () => LimitModel;
  /** Whether answers carry `x-ratelimit-*` / `Retry-After` headers. */
  headers: () => boolean;
  now: () => number;
}

function emptyStats(): FakeScopeStats {
  return {
    requests: 0,
    accepted: 0,
    rateLimited: 0,
    inFlight: 0,
    inFlightMax: 0,
    promptTokens: 0,
    completionTokens: 0,
    totalTokens: 0,
  };
}

/** Formats a duration the way OpenAI's `x-ratelimit-reset-*` headers do ("120ms", "1.5s", "1m0s"). */
export function formatResetDuration(ms: number): string {
  const t = Math.max(0, Math.ceil(ms));
  if (t < 1000) return `${t}ms`;
  if (t < 60_000) return `${Number((t / 1000).toFixed(3))}s`;
  return `${Math.floor(t / 60_000)}m${Number(((t % 60_000) / 1000).toFixed(3))}s`;
}

/**
 * The largest number of `times` (ms) that fall inside any window of `windowMs`: a test proves no
 * window was exceeded by comparing this with the limit.
 */
export function maxInWindow(times: readonly number[], windowMs = 60_000): number {
  const sorted = [...times].sort((a, b) => a - b);
  let best = 0;
  let start = 0;
  for (let end = 0; end < sorted.length; end += 1) {
    while ((sorted[end] ?? 0) - (sorted[start] ?? 0) >= windowMs) start += 1;
    best = Math.max(best, end - start + 1);
  }
  return best;
}

type Dimension = 'requests' | 'tokens';

/** Per-key and per-group limiter. Not thread-safe; Node's event loop is enough. */
export class RateLimiter {
  private readonly keys = new Map<string, ScopeState>();
  private readonly groups = new Map<string, ScopeState>();

  constructor(private readonly settings: LimiterSettings) {}

  private state(scope: Pick<LimitScope, 'kind' | 'id'>): ScopeState {
    const map = scope.kind === 'key' ? this.keys : this.groups;
    let s = map.get(scope.id);
    if (s === undefined) {
      s = { stats: emptyStats(), meters: new Map(), log: [] };
      map.set(scope.id, s);
    }
    return s;
  }

  /** The scope's meter of `dimension` under the current limit model (a new model starts afresh). */
  private meter(s: ScopeState, dimension: Dimension): Meter {
    const model = this.settings.model();
    const name = `${model}:${dimension}`;
    let m = s.meters.get(name);
    if (m === undefined) {
      m = createMeter(model, this.settings.windowMs);
      s.meters.set(name, m);
    }
    return m;
  }

  /** The wait one scope imposes on a request of `cost` tokens, with the reason, or undefined. */
  private check(scope: LimitScope, s: ScopeState, cost: number, now: number) {
    const label = scope.kind === 'key' ? 'this key' : `group '${scope.id}'`;
    const { rpm, tpm, concurrency } = scope.budget;
    const quantised = this.settings.model() === 'quantised';
    const per = (limit: number) =>
      quantised
        ? ` (enforced as ${Number(bucketCapacity(limit, this.settings.windowMs()).toFixed(3))}/s)`
        : '';
    let waitMs = 0;
    let reason: string | undefined;
    if (concurrency !== undefined && s.stats.inFlight >= concurrency) {
      waitMs = 1000;
      reason = `Rate limit reached for ${label} on concurrent requests: Limit ${concurrency}, In flight ${s.stats.inFlight}.`;
    }
    const dims: [Dimension, number | undefined, number, string][] = [
      ['requests', rpm, 1, 'requests per min (RPM)'],
      ['tokens', tpm, cost, 'tokens per min (TPM)'],
    ];
    for (const [dimension, limit, n, what] of dims) {
      if (limit === undefined) continue;
      const m = this.meter(s, dimension);
      const wait = m.waitMs(limit, n, now);
      if (wait <= 0) continue;
      waitMs = Math.max(waitMs, wait);
      reason ??= `Rate limit reached for ${label} on ${what}: Limit ${limit}${per(limit)}, Used ${m.used(limit, now)}, Requested ${n}.`;
    }
    return reason === undefined ? undefined : { waitMs, reason };
  }

  /**
   * Admits a request costing `promptTokens + completionTokens` in every scope, or says how long to
   * wait. An admitted request stays in flight until `release()` is called.
   */
  admit(scopes: readonly LimitScope[], promptTokens: number, completionTokens: number): Admission {
    const now = this.settings.now();
    const cost = promptTokens + completionTokens;
    let waitMs = 0;
    let reason: string | undefined;
    for (const scope of scopes) {
      const s = this.state(scope);
      s.stats.requests += 1;
      const refusal = this.check(scope, s, cost, now);
      if (refusal === undefined) continue;
      waitMs = Math.max(waitMs, refusal.waitMs);
      reason ??= refusal.reason;
    }
    if (reason !== undefined) {
      const retryAfterMs = Math.max(1, Math.ceil(waitMs));
      const retryAfterSeconds = Math.max(1, Math.ceil(waitMs / 1000));
      for (const scope of scopes) this.state(scope).stats.rateLimited += 1;
      const headers = this.headers(scopes, now);
      if (this.settings.headers()) {
        headers['retry-after'] = String(retryAfterSeconds);
        headers['retry-after-ms'] = String(retryAfterMs);
      }
      const message = `${reason} Please try again in ${retryAfterSeconds}s.`;
      return { ok: false, retryAfterSeconds, retryAfterMs, message, headers };
    }
    const states = scopes.map((scope) => {
      const s = this.state(scope);
      // Counted even without a limit, so a limit set at run time sees what came before.
      this.meter(s, 'requests').take(1, now);
      this.meter(s, 'tokens').take(cost, now);
      return s;
    });
    for (const s of states) {
      s.log.push(now);
      s.stats.accepted += 1;
      s.stats.inFlight += 1;
      s.stats.inFlightMax = Math.max(s.stats.inFlightMax, s.stats.inFlight);
      s.stats.promptTokens += promptTokens;
      s.stats.completionTokens += completionTokens;
      s.stats.totalTokens += cost;
    }
    let released = false;
    const release = (): void => {
      if (released) return;
      released = true;
      for (const s of states) s.stats.inFlight -= 1;
    };
    return { ok: true, release, headers: this.headers(scopes, now) };
  }

  /**
   * `x-ratelimit-*` headers for the tightest scope that has a limit: limit = the configured
   * per-window figure (as OpenAI reports RPM / TPM), remaining = what may be sent now, reset = time
   * until the meter is back to its initial state. Empty when headers are off.
   */
  headers(scopes: readonly LimitScope[], now = this.settings.now()): Record<string, string> {
    const out: Record<string, string> = {};
    if (!this.settings.headers()) return out;
    const dims: [Dimension, 'rpm' | 'tpm'][] = [
      ['requests', 'rpm'],
      ['tokens', 'tpm'],
    ];
    for (const [dimension, field] of dims) {
      let best: { limit: number; remaining: number; reset: number } | undefined;
      for (const scope of scopes) {
        const limit = scope.budget[field];
        if (limit === undefined) continue;
        const { remaining, resetMs } = this.meter(this.state(scope), dimension).status(limit, now);
        if (best === undefined || remaining < best.remaining) best = { limit, remaining, reset: resetMs };
      }
      if (best === undefined) continue;
      out[`x-ratelimit-limit-${dimension}`] = String(best.limit);
      out[`x-ratelimit-remaining-${dimension}`] = String(best.remaining);
      out[`x-ratelimit-reset-${dimension}`] = formatResetDuration(best.reset);
    }
    return out;
  }

  /** Counts a request refused before the limits (e.g. a bad body) against the key. */
  countRequest(scopes: readonly Pick<LimitScope, 'kind' | 'id'>[]): void {
    for (const scope of scopes) this.state(scope).stats.requests += 1;
  }

  /** A copy of the counters and accepted-request logs of every scope seen and of the ids given. */
  snapshot(
    keyIds: readonly string[] = [],
    groupIds: readonly string[] = [],
  ): {
    keys: Record<string, FakeScopeStats>;
    groups: Record<string, FakeScopeStats>;
    logs: { keys: Record<string, number[]>; groups: Record<string, number[]> };
  } {
    for (const id of keyIds) this.state({ kind: 'key', id });
    for (const id of groupIds) this.state({ kind: 'group', id });
    const copy = (m: Map<string, ScopeState>) => ({
      stats: Object.fromEntries([...m].map(([id, s]) => [id, { ...s.stats }])),
      logs: Object.fromEntries([...m].map(([id, s]) => [id, [...s.log]])),
    });
    const k = copy(this.keys);
    const g = copy(this.groups);
    return { keys: k.stats, groups: g.stats, logs: { keys: k.logs, groups: g.logs } };
  }
}
