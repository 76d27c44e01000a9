import type { Clock } from '../ports/clock.ts';
import { Budget } from './budget.ts';
import { validateKeySpecs, type GroupSpec, type KeySpec } from './key-specs.ts';
import { KeyState, PoolLease, type Lease, type LeaseUsage } from './key-state.ts';
import { keyStatus, poolCapacityPct, type KeyPoolReport } from './key-pool-report.ts';

export { parseKeySpecs, type GroupSpec, type KeySpec, type KeySpecDefaults } from './key-specs.ts';
export type { Lease, LeaseUsage } from './key-state.ts';
export type { KeyPoolReport, KeyPoolStatus } from './key-pool-report.ts';

/** The pool logs through this (a pino logger fits). It never receives a secret. */
export interface PoolLogger {
  warn(obj: object, msg: string): void;
  info(obj: object, msg: string): void;
  debug(obj: object, msg: string): void;
}

/** Why a conversation lets go of its key. */
export type ReleaseReason = 'ended' | 'disconnected' | 'idle';

/** Options of `KeyPool`; every duration in milliseconds. */
export interface KeyPoolOptions {
  keys: readonly KeySpec[];
  /** A conversation was unpinned from a key (cluster mode releases its shared hold). */
  onRelease?: (conversationId: string, keyId: string, reason: ReleaseReason) => void;
  /** Limit groups (one provider account): a key's budget is the tighter of its own and its group's. */
  groups?: Readonly<Record<string, GroupSpec>>;
  clock: Clock;
  log?: PoolLogger;
  /** Applied to keys that leave these out. */
  defaults?: { tpm?: number; maxConversations?: number; maxConcurrent?: number };
  /** A conversation with no request for this long is released (default 15 min). */
  idleMs?: number;
  /** How long `acquire` waits when no key has budget, unless the call says (default 20 s). */
  deadlineMs?: number;
  /** `alert` turns on when pool capacity stays ≥ the threshold this long (default 60 s). */
  alertWindowMs?: number;
  /** Pool capacity percentage that counts as high (default 80). */
  alertThresholdPct?: number;
  /**
   * Added to the 60 s window so requests that reach the provider with uneven latency still fall
   * in distinct windows there (default 1000: costs ≤ 1.7% of throughput).
   */
  windowMarginMs?: number;
  /** Consecutive failures that open a key's circuit breaker (default 3). */
  failureThreshold?: number;
  /** How long an open breaker keeps a key out before one probe request (default 30 s). */
  breakerCooldownMs?: number;
  /** Cooldown after a 429 without a usable `Retry-After` (default 60 s: a whole window). */
  defaultRetryAfterMs?: number;
  /** Housekeeping period: alert sampling and the idle sweep (default 1 s). */
  tickMs?: number;
}

/** Options of one `acquire`. */
export interface AcquireOptions {
  /** Tokens this request will probably use (prompt + max completion); corrected on release. */
  estimatedTokens: number;
  /** 0..9, higher is more urgent (default 5). */
  priority?: number;
  /** Aborting rejects the pending acquire with the signal's reason. */
  signal?: AbortSignal;
  /** Longest wait for budget, from now; then `acquire` resolves `undefined` (default: the pool's). */
  deadlineMs?: number;
}

interface Conversation {
  key: KeyState | undefined;
  lastActive: number;
  /** Leases out plus acquires waiting: a busy conversation is never idle. */
  busy: number;
}

interface Waiter {
  readonly id: string;
  readonly conv: Conversation;
  readonly tokens: number;
  readonly priority: number;
  readonly resolve: (lease: Lease | undefined) => void;
  readonly reject: (reason: unknown) => void;
  settled: boolean;
  timer?: ReturnType<typeof setTimeout>;
  signal?: AbortSignal;
  onAbort?: () => void;
}

const MINUTE = 60_000;
const silent: PoolLogger = { warn: () => {}, info: () => {}, debug: () => {} };

/**
 * Hands out LLM API keys to conversations: an actor whose state changes only through its
 * messages (`pin`, `acquire`, `release`, the `report*` calls, lease ends and its own timers).
 *
 * - Least connections: a conversation is pinned to the usable key with the fewest conversations
 *   (ties: most budget left, then key order) and stays there while that key is healthy.
 * - Budgets are exact sliding windows per key and per group (see `sliding-window.ts`), checked
 *   before sending. A conversation whose key is out of budget moves to a key that has some now;
 *   when none has, it waits in a priority queue woken by one timer at the exact time budget frees.
 */
export class KeyPool {
  private readonly keys: KeyState[] = [];
  private readonly byId = new Map<string, KeyState>();
  private readonly conversations = new Map<string, Conversation>();
  /** Sorted: priority descending, then arrival. */
  private waiters: Waiter[] = [];
  private readonly clock: Clock;
  private readonly log: PoolLogger;
  private readonly idleMs: number;
  private readonly deadlineMs: number;
  private readonly alertWindowMs: number;
  private readonly alertThresholdPct: number;
  private readonly failureThreshold: number;
  private readonly breakerCooldownMs: number;
  private readonly defaultRetryAfterMs: number;
  private readonly sweepEveryMs: number;
  private readonly ticker: ReturnType<typeof setInterval>;
  private wakeTimer: ReturnType<typeof setTimeout> | undefined;
  private wakeAt = Infinity;
  private lastNow = -Infinity;
  private nextSweepAt: number;
  private highSince: number | undefined;
  private closed = false;
  // Side results of `pick` when it finds no key (avoids an allocation on the hot path).
  private pickAt = Infinity;
  /** Drain pass counter, for key reservations. */
  private epoch = 0;
  private readonly onRelease: KeyPoolOptions['onRelease'];

  constructor(options: KeyPoolOptions) {
    this.onRelease = options.onRelease;
    const groups = options.groups ?? {};
    validateKeySpecs(options.keys, groups);
    this.clock = options.clock;
    this.log = options.log ?? silent;
    this.idleMs = options.idleMs ?? 15 * MINUTE;
    this.deadlineMs = options.deadlineMs ?? 20_000;
    this.alertWindowMs = options.alertWindowMs ?? MINUTE;
    this.alertThresholdPct = options.alertThresholdPct ?? 80;
    this.failureThreshold = options.failureThreshold ?? 3;
    this.breakerCooldownMs = options.breakerCooldownMs ?? 30_000;
    this.defaultRetryAfterMs = options.defaultRetryAfterMs ?? MINUTE;
    const windowMs = MINUTE + (options.windowMarginMs ?? 1_000);
    const groupBudgets = new Map<string, Budget>();
    for (const [name, spec] of Object.entries(groups)) groupBudgets.set(name, new Budget(spec, windowMs));
    const defaults = options.defaults ?? {};
    for (const spec of options.keys) {
      const limits = {
        rpm: spec.rpm,
        tpm: spec.tpm ?? defaults.tpm,
        maxConcurrent: spec.maxConcurrent ?? defaults.maxConcurrent,
      };
      const group = spec.group === undefined ? undefined : groupBudgets.get(spec.group);
      const cap = spec.maxConversations ?? defaults.maxConversations ?? Infinity;
      const key = new KeyState(spec.id, spec.secret, limits, windowMs, group, cap);
      this.keys.push(key);
      this.byId.set(key.id, key);
    }
    const tickMs = options.tickMs ?? 1_000;
    this.sweepEveryMs = Math.min(Math.max(this.idleMs / 10, tickMs), MINUTE);
    this.nextSweepAt = this.now() + this.sweepEveryMs;
    this.ticker = setInterval(() => this.tick(), tickMs);
    this.ticker.unref();
  }

  /** Key names, in order. */
  get keyIds(): string[] {
    return this.keys.map((k) => k.id);
  }

  /** `acquire` calls waiting for budget. */
  get queueDepth(): number {
    return this.waiters.length;
  }

  /** The key a conversation is pinned to, if any. */
  pinnedKey(conversationId: string): string | undefined {
    return this.conversations.get(conversationId)?.key?.id;
  }

  /**
   * Pins a conversation (least connections among healthy keys with room; ties: most budget left,
   * then key order) and returns the key's name; keeps an existing pin while its key is healthy.
   * `undefined` when every healthy key is full.
   */
  pin(conversationId: string): string | undefined {
    const now = this.now();
    const conv = this.conversation(conversationId, now);
    const current = conv.key;
    if (current && this.healthyAt(current) <= now) return current.id;
    let best: KeyState | undefined;
    let bestRoom = -Infinity;
    for (const key of this.keys) {
      if (key === current || key.conversations >= key.maxConversations || this.healthyAt(key) > now) continue;
      if (best !== undefined && key.conversations > best.conversations) continue;
      const room = this.headroom(key, now);
      if (best === undefined || key.conversations < best.conversations || room > bestRoom) {
        best = key;
        bestRoom = room;
      }
    }
    if (best) this.repin(conversationId, conv, best);
    return best?.id;
  }

  /**
   * A lease for the conversation's next request: on its pinned key when that key has budget now,
   * else on another key that has (the conversation moves there), else after waiting, most urgent
   * first and FIFO within a priority, until budget frees. Resolves `undefined` at the deadline or
   * once the pool is closed (the caller answers with the built-in model); rejects with the
   * signal's reason on abort.
   */
  acquire(
    conversationId: string,
    options: AcquireOptions = { estimatedTokens: 0 },
  ): Promise<Lease | undefined> {
    const signal = options.signal;
    if (signal?.aborted) return Promise.reject(signal.reason as Error);
    if (this.closed) return Promise.resolve(undefined);
    const now = this.now();
    const tokens = options.estimatedTokens > 0 ? options.estimatedTokens : 0;
    const conv = this.conversation(conversationId, now);
    conv.lastActive = now;
    const deadline = options.deadlineMs ?? this.deadlineMs;
    if (this.waiters.length === 0) {
      const key = this.pick(conv.key, tokens, now);
      if (key) return Promise.resolve(this.grant(conversationId, key, tokens, now));
      if (deadline <= 0) return Promise.resolve(undefined);
    }
    return new Promise<Lease | undefined>((resolve, reject) => {
      const priority = Math.min(9, Math.max(0, Math.round(options.priority ?? 5)));
      const waiter: Waiter = { id: conversationId, conv, tokens, priority, resolve, reject, settled: false };
      conv.busy++;
      this.enqueue(waiter);
      this.drain();
      if (waiter.settled) return;
      if (deadline <= 0) {
        this.drop(waiter);
        resolve(undefined);
        return;
      }
      if (Number.isFinite(deadline)) {
        waiter.timer = setTimeout(() => {
          this.log.debug({ conversationId, deadlineMs: deadline }, 'no LLM key budget before the deadline');
          this.drop(waiter);
          resolve(undefined);
        }, deadline);
      }
      if (signal) {
        waiter.signal = signal;
        waiter.onAbort = () => {
          this.drop(waiter);
          reject(signal.reason as Error);
        };
        signal.addEventListener('abort', waiter.onAbort, { once: true });
      }
    });
  }

  /** Unpins a conversation (ended, WebSocket disconnected or idle). Its open leases stay valid. */
  release(conversationId: string, reason: ReleaseReason): boolean {
    const conv = this.conversations.get(conversationId);
    if (!conv) return false;
    this.conversations.delete(conversationId);
    if (conv.key) {
      conv.key.conversations--;
      this.log.debug({ conversationId, keyId: conv.key.id, reason }, 'conversation released its LLM key');
      this.onRelease?.(conversationId, conv.key.id, reason);
    }
    this.observe(this.now());
    this.drain();
    return true;
  }

  /** A 429 on `keyId`: cools it until now + `retryAfterMs`; its conversations move on their next acquire. */
  reportRateLimited(keyId: string, retryAfterMs?: number): void {
    const key = this.byId.get(keyId);
    if (key) this.rateLimited(key, retryAfterMs);
    else this.log.warn({ keyId }, 'rate limit reported for an unknown LLM key');
  }

  /** A 5xx or network failure on `keyId`: enough in a row open its circuit breaker. */
  reportFailure(keyId: string): void {
    const key = this.byId.get(keyId);
    if (key) this.failed(key);
    else this.log.warn({ keyId }, 'failure reported for an unknown LLM key');
  }

  /** A successful answer on `keyId` (a lease released with usage does this): closes its breaker. */
  reportSuccess(keyId: string): void {
    const key = this.byId.get(keyId);
    if (!key) return;
    this.succeeded(key);
    this.drain();
  }

  /** Releases conversations idle for `idleMs` (the pool's timer calls it too). */
  sweep(): number {
    const now = this.now();
    let released = 0;
    for (const [id, conv] of this.conversations) {
      if (conv.busy === 0 && now - conv.lastActive >= this.idleMs) {
        this.release(id, 'idle');
        released++;
      }
    }
    return released;
  }

  /** The `/metrics` pool report. Names only: no secret ever appears here. */
  report(): KeyPoolReport {
    const now = this.now();
    const status = this.keys.map((key) => keyStatus(key, now, this.healthyAt(key)));
    const pct = poolCapacityPct(status);
    this.observeWith(now, pct);
    return {
      pool_status: status,
      total_active: status.reduce((sum, k) => sum + k.active_conversations, 0),
      pool_capacity_pct: pct,
      alert: this.highSince !== undefined && now - this.highSince >= this.alertWindowMs,
      queue_depth: this.waiters.length,
      cooldowns: status.filter((k) => k.cooling_until !== null).length,
    };
  }

  /** Stops the timers; waiting acquires resolve `undefined`, later ones too. */
  close(): Promise<void> {
    this.closed = true;
    clearInterval(this.ticker);
    if (this.wakeTimer) clearTimeout(this.wakeTimer);
    this.wakeTimer = undefined;
    for (const waiter of [...this.waiters]) {
      this.drop(waiter);
      waiter.resolve(undefined);
    }
    return Promise.resolve();
  }

  // ── bookkeeping ────────────────────────────────────────────────────────────

  /** Never goes backwards, so a wall-clock step cannot reopen a window. */
  private now(): number {
    const t = this.clock.now();
    if (t > this.lastNow) this.lastNow = t;
    return this.lastNow;
  }

  private conversation(id: string, now: number): Conversation {
    let conv = this.conversations.get(id);
    if (!conv) {
      conv = { key: undefined, lastActive: now, busy: 0 };
      this.conversations.set(id, conv);
    }
    return conv;
  }

  private repin(conversationId: string, conv: Conversation, key: KeyState): void {
    const from = conv.key;
    if (from) from.conversations--;
    key.conversations++;
    conv.key = key;
    // Pins move capacity in steps; the ticker only catches the gradual changes.
    this.observe(this.lastNow);
    if (from)
      this.log.debug({ conversationId, from: from.id, to: key.id }, 'conversation moved to another LLM key');
  }

  /** Time from which the key is healthy (≤ now: healthy now). */
  private healthyAt(key: KeyState): number {
    return key.failures >= this.failureThreshold
      ? Math.max(key.coolingUntil, key.openUntil)
      : key.coolingUntil;
  }

  /** Earliest time the key (and its group) can take a request of `tokens`; Infinity: wait for a lease end. */
  private readyAt(key: KeyState, now: number, tokens: number): number {
    const healthy = this.healthyAt(key);
    // Half-open breaker: one probe request at a time.
    if (healthy <= now && key.failures >= this.failureThreshold && key.budget.inFlight > 0) return Infinity;
    let at = Math.max(healthy, key.budget.readyAt(now, tokens));
    if (key.group) at = Math.max(at, key.group.readyAt(now, tokens));
    return at;
  }

  private headroom(key: KeyState, now: number): number {
    const own = key.budget.headroom(now);
    return key.group ? Math.min(own, key.group.headroom(now)) : own;
  }

  /**
   * The key for a request now: the pinned one if ready, else the ready key with fewest
   * conversations (and room for one more). Keys reserved in this drain pass (`epoch`) are left to
   * the more urgent waiter that reserved them. When none, sets `pickAt`: the earliest time one of
   * the keys looked at may be ready.
   */
  private pick(pinned: KeyState | undefined, tokens: number, now: number, epoch = -1): KeyState | undefined {
    let earliest = Infinity;
    if (pinned && pinned.reserved !== epoch) {
      const at = this.readyAt(pinned, now, tokens);
      if (at <= now) return pinned;
      earliest = at;
    }
    let best: KeyState | undefined;
    let bestRoom = -Infinity;
    for (const key of this.keys) {
      if (key === pinned || key.reserved === epoch || key.conversations >= key.maxConversations) continue;
      const at = this.readyAt(key, now, tokens);
      if (at > now) {
        if (at < earliest) earliest = at;
        continue;
      }
      if (best !== undefined && key.conversations > best.conversations) continue;
      const room = this.headroom(key, now);
      if (best === undefined || key.conversations < best.conversations || room > bestRoom) {
        best = key;
        bestRoom = room;
      }
    }
    this.pickAt = earliest;
    return best;
  }

  /** Marks the keys a blocked waiter could use; returns how many keys are now reserved. */
  private reserve(pinned: KeyState | undefined, epoch: number, count: number): number {
    for (const key of this.keys) {
      if (key.reserved === epoch) continue;
      if (key === pinned || key.conversations < key.maxConversations) {
        key.reserved = epoch;
        count++;
      }
    }
    return count;
  }

  private grant(conversationId: string, key: KeyState, tokens: number, now: number): Lease {
    const conv = this.conversation(conversationId, now);
    if (conv.key !== key) this.repin(conversationId, conv, key);
    const charge = { t: now, tokens };
    key.budget.take(now, charge);
    key.group?.take(now, charge);
    conv.busy++;
    conv.lastActive = now;
    return new PoolLease(key, charge, (usage) => this.endLease(key, conv, charge, usage), {
      rateLimited: (k, ms) => this.rateLimited(k, ms),
      failed: (k) => this.failed(k),
    });
  }

  private endLease(
    key: KeyState,
    conv: Conversation,
    charge: { t: number; tokens: number },
    usage?: LeaseUsage,
  ): void {
    const now = this.now();
    key.budget.finish();
    key.group?.finish();
    conv.busy--;
    conv.lastActive = now;
    if (usage) {
      const real = Number.isFinite(usage.totalTokens) && usage.totalTokens > 0 ? usage.totalTokens : 0;
      const delta = real - charge.tokens;
      if (delta !== 0) {
        // Windows first, then the charge: see TokenWindow.adjust.
        key.budget.tokens?.adjust(charge, delta, now);
        key.group?.tokens?.adjust(charge, delta, now);
        charge.tokens = real;
      }
      this.succeeded(key);
    }
    this.drain();
  }

  private rateLimited(key: KeyState, retryAfterMs: number | undefined): void {
    const now = this.now();
    const ms =
      retryAfterMs !== undefined && Number.isFinite(retryAfterMs) && retryAfterMs >= 0
        ? retryAfterMs
        : this.defaultRetryAfterMs;
    key.coolingUntil = Math.max(key.coolingUntil, now + ms);
    key.rateLimitedTotal++;
    this.log.warn({ keyId: key.id, retryAfterMs: ms }, 'LLM key rate limited (429); cooling it');
  }

  private failed(key: KeyState): void {
    key.failures++;
    if (key.failures < this.failureThreshold) return;
    key.openUntil = this.now() + this.breakerCooldownMs;
    this.log.warn(
      { keyId: key.id, failures: key.failures, cooldownMs: this.breakerCooldownMs },
      'LLM key failing; circuit open',
    );
  }

  private succeeded(key: KeyState): void {
    if (key.failures >= this.failureThreshold)
      this.log.info({ keyId: key.id }, 'LLM key recovered; circuit closed');
    key.failures = 0;
  }

  // ── the wait queue ─────────────────────────────────────────────────────────

  private enqueue(waiter: Waiter): void {
    // After every waiter of the same or higher priority.
    let lo = 0;
    let hi = this.waiters.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.waiters[mid]!.priority >= waiter.priority) lo = mid + 1;
      else hi = mid;
    }
    this.waiters.splice(lo, 0, waiter);
  }

  /** Removes a waiter that gave up (deadline, abort, close). */
  private drop(waiter: Waiter): void {
    if (waiter.settled) return;
    this.settle(waiter);
    const i = this.waiters.indexOf(waiter);
    if (i >= 0) this.waiters.splice(i, 1);
  }

  private settle(waiter: Waiter): void {
    waiter.settled = true;
    waiter.conv.busy--;
    if (waiter.timer) clearTimeout(waiter.timer);
    if (waiter.signal && waiter.onAbort) waiter.signal.removeEventListener('abort', waiter.onAbort);
  }

  /**
   * Serves waiters in order, most urgent first. A waiter that cannot be served reserves every key
   * it could use (its pinned key, keys with room), so a later (less urgent or smaller) request
   * cannot take the budget it waits for, yet may still use a key it could not (e.g. its own pinned
   * key while the first waits for room on a full pool). Then arms one timer for the earliest time
   * budget frees.
   */
  private drain(): void {
    if (this.waiters.length === 0 || this.closed) return;
    const now = this.now();
    const epoch = ++this.epoch;
    let reserved = 0;
    let wake = Infinity;
    let served = false;
    for (const waiter of this.waiters) {
      if (waiter.settled) continue;
      const pinned = this.conversations.get(waiter.id)?.key;
      const key = this.pick(pinned, waiter.tokens, now, epoch);
      if (key) {
        this.settle(waiter);
        served = true;
        waiter.resolve(this.grant(waiter.id, key, waiter.tokens, now));
        continue;
      }
      if (this.pickAt < wake) wake = this.pickAt;
      reserved = this.reserve(pinned, epoch, reserved);
      if (reserved === this.keys.length) break;
    }
    if (served) this.waiters = this.waiters.filter((w) => !w.settled);
    if (this.waiters.length > 0 && wake < Infinity) this.wakeUpAt(wake, now);
  }

  private wakeUpAt(at: number, now: number): void {
    if (this.wakeTimer && this.wakeAt <= at) return;
    if (this.wakeTimer) clearTimeout(this.wakeTimer);
    this.wakeAt = at;
    this.wakeTimer = setTimeout(
      () => {
        this.wakeTimer = undefined;
        this.wakeAt = Infinity;
        this.drain();
      },
      Math.max(1, Math.ceil(at - now)),
    );
    // Waiters' deadline timers keep the process alive; this one need not.
    this.wakeTimer.unref();
  }

  // ── housekeeping and report ────────────────────────────────────────────────

  private tick(): void {
    const now = this.now();
    if (now >= this.nextSweepAt) {
      this.nextSweepAt = now + this.sweepEveryMs;
      this.sweep();
    }
    this.observe(now);
  }

  private observe(now: number): void {
    this.observeWith(now, poolCapacityPct(this.keys.map((key) => keyStatus(key, now, this.healthyAt(key)))));
  }

  /** Tracks since when pool capacity has stayed high, for `alert`. */
  private observeWith(now: number, pct: number): void {
    if (pct >= this.alertThresholdPct) this.highSince ??= now;
    else this.highSince = undefined;
  }
}
