/**
 * Sliding-window rate limits of the test server: requests and tokens per window, plus requests in
 * flight, per key and per limit group. Rejections carry the wait until the window frees a slot.
 */

import type { FakeScopeStats, LimitBudget } from './types.ts';

interface TokenEntry {
  at: number;
  n: number;
}

/** Live state of one limit scope (a key or a group). */
interface ScopeState {
  stats: FakeScopeStats;
  /** Accepted request times still inside the window, oldest first. */
  window: number[];
  tokens: TokenEntry[];
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
  | { ok: false; retryAfterSeconds: number; message: string; headers: Record<string, string> };

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

/** Per-key and per-group sliding-window limiter. Not thread-safe; Node's event loop is enough. */
export class RateLimiter {
  private readonly keys = new Map<string, ScopeState>();
  private readonly groups = new Map<string, ScopeState>();

  /** `windowMs` and `now` are read on every call, so options may change at run time. */
  constructor(
    private readonly windowMs: () => number,
    private readonly now: () => number,
  ) {}

  private state(scope: Pick<LimitScope, 'kind' | 'id'>): ScopeState {
    const map = scope.kind === 'key' ? this.keys : this.groups;
    let s = map.get(scope.id);
    if (s === undefined) {
      s = { stats: emptyStats(), window: [], tokens: [], log: [] };
      map.set(scope.id, s);
    }
    return s;
  }

  private prune(s: ScopeState, now: number): void {
    const from = now - this.windowMs();
    while (s.window.length > 0 && (s.window[0] ?? 0) <= from) s.window.shift();
    while (s.tokens.length > 0 && (s.tokens[0]?.at ?? 0) <= from) s.tokens.shift();
  }

  /**
   * Admits a request costing `promptTokens + completionTokens` in every scope, or says how long to
   * wait. An admitted request stays in flight until `release()` is called.
   */
  admit(scopes: readonly LimitScope[], promptTokens: number, completionTokens: number): Admission {
    const now = this.now();
    const windowMs = this.windowMs();
    const cost = promptTokens + completionTokens;
    let waitMs = 0;
    let reason: string | undefined;
    for (const scope of scopes) {
      const s = this.state(scope);
      this.prune(s, now);
      s.stats.requests += 1;
      const label = scope.kind === 'key' ? 'this key' : `group '${scope.id}'`;
      const { rpm, tpm, concurrency } = scope.budget;
      if (concurrency !== undefined && s.stats.inFlight >= concurrency) {
        waitMs = Math.max(waitMs, 1000);
        reason ??= `Rate limit reached for ${label} on concurrent requests: Limit ${concurrency}, In flight ${s.stats.inFlight}.`;
      }
      if (rpm !== undefined && s.window.length >= rpm) {
        const oldest = s.window[s.window.length - rpm] ?? now;
        const wait = rpm <= 0 ? windowMs : oldest + windowMs - now;
        waitMs = Math.max(waitMs, wait);
        reason ??= `Rate limit reached for ${label} on requests per min (RPM): Limit ${rpm}, Used ${s.window.length}, Requested 1.`;
      }
      if (tpm !== undefined) {
        let used = s.tokens.reduce((sum, e) => sum + e.n, 0);
        if (used + cost > tpm) {
          const usedBefore = used;
          let wait = windowMs;
          if (cost <= tpm) {
            for (const e of s.tokens) {
              used -= e.n;
              if (used + cost <= tpm) {
                wait = e.at + windowMs - now;
                break;
              }
            }
          }
          waitMs = Math.max(waitMs, wait);
          reason ??= `Rate limit reached for ${label} on tokens per min (TPM): Limit ${tpm}, Used ${usedBefore}, Requested ${cost}.`;
        }
      }
    }
    if (reason !== undefined) {
      const retryAfterSeconds = Math.max(1, Math.ceil(waitMs / 1000));
      for (const scope of scopes) this.state(scope).stats.rateLimited += 1;
      return {
        ok: false,
        retryAfterSeconds,
        message: `${reason} Please try again in ${retryAfterSeconds}s.`,
        headers: this.headers(scopes, now),
      };
    }
    const states = scopes.map((scope) => this.state(scope));
    for (const s of states) {
      s.window.push(now);
      s.log.push(now);
      s.tokens.push({ at: now, n: cost });
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
   * `x-ratelimit-*` headers for the tightest scope that has a limit (remaining = what is left in the
   * window; reset = time until the window is empty again, as OpenAI documents it).
   */
  headers(scopes: readonly LimitScope[], now = this.now()): Record<string, string> {
    const windowMs = this.windowMs();
    const out: Record<string, string> = {};
    let bestReq: { limit: number; remaining: number; reset: number } | undefined;
    let bestTok: { limit: number; remaining: number; reset: number } | undefined;
    for (const scope of scopes) {
      const s = this.state(scope);
      this.prune(s, now);
      const { rpm, tpm } = scope.budget;
      if (rpm !== undefined) {
        const remaining = Math.max(0, rpm - s.window.length);
        const newest = s.window[s.window.length - 1];
        const reset = newest === undefined ? 0 : newest + windowMs - now;
        if (bestReq === undefined || remaining < bestReq.remaining)
          bestReq = { limit: rpm, remaining, reset };
      }
      if (tpm !== undefined) {
        const used = s.tokens.reduce((sum, e) => sum + e.n, 0);
        const remaining = Math.max(0, tpm - used);
        const newest = s.tokens[s.tokens.length - 1];
        const reset = newest === undefined ? 0 : newest.at + windowMs - now;
        if (bestTok === undefined || remaining < bestTok.remaining)
          bestTok = { limit: tpm, remaining, reset };
      }
    }
    if (bestReq !== undefined) {
      out['x-ratelimit-limit-requests'] = String(bestReq.limit);
      out['x-ratelimit-remaining-requests'] = String(bestReq.remaining);
      out['x-ratelimit-reset-requests'] = formatResetDuration(bestReq.reset);
    }
    if (bestTok !== undefined) {
      out['x-ratelimit-limit-tokens'] = String(bestTok.limit);
      out['x-ratelimit-remaining-tokens'] = String(bestTok.remaining);
      out['x-ratelimit-reset-tokens'] = formatResetDuration(bestTok.reset);
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
