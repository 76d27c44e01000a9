import type { Clock } from '../ports/clock.ts';
import { validateKeySpecs } from './key-specs.ts';
import { PoolLease, type KeyState, type Lease, type LeaseUsage } from './key-state.ts';
import {
  HighCapacity,
  keyStatus,
  poolCapacityPct,
  poolReport,
  type KeyPoolReport,
} from './key-pool-report.ts';
import {
  MINUTE,
  buildKeys,
  silentPoolLogger,
  type AcquireOptions,
  type KeyPoolOptions,
  type PoolLogger,
  type ReleaseReason,
} from './key-pool-options.ts';
import { chargeBudget, correctBudget, finishBudget } from './key-budget.ts';
import { KeyHealth } from './key-health.ts';
import { measureCaps } from './key-caps.ts';
import { KeyPicker } from './key-picker.ts';
import { KeyLimits } from './key-limits.ts';
import { DEFAULT_PACING } from './pacer.ts';
import type { ProviderLimits } from '../ports/chat-model.ts';
import {
  WaitQueue,
  WakeTimer,
  armWaiter,
  settleWaiter,
  type Conversation,
  type Waiter,
} from './key-waiters.ts';
import { applyKeyRecord, keyRecord, type KeyRecord, type LeaseRecord } from './key-pool-restore.ts';
import type { TokenCharge } from './sliding-window.ts';

const priorityOf = (options: AcquireOptions) => Math.min(9, Math.max(0, Math.round(options.priority ?? 5)));

export { parseKeySpecs, type GroupSpec, type KeySpec, type KeySpecDefaults } from './key-specs.ts';
export type { Lease, LeaseUsage } from './key-state.ts';
export type { KeyPoolReport, KeyPoolStatus } from './key-pool-report.ts';
export type { AcquireOptions, KeyPoolOptions, PoolLogger, ReleaseReason } from './key-pool-options.ts';
export type { KeyRecord, LeaseRecord } from './key-pool-restore.ts';

/**
 * Hands out LLM API keys to conversations. Its state changes only through its messages (`pin`,
 * `acquire`, `release`, the `report*` calls, lease ends, its timers); `KeyPoolActor` is its mailbox.
 *
 * - Least connections: a conversation is pinned to the usable key with the fewest conversations
 *   (ties: most budget left, then key order) and stays there while that key is healthy.
 * - Admission is paced per key and per group (GCRA, `pacer.ts`): each key is a rate with one second's
 *   burst, so its traffic is smooth at every time scale. A conversation waits up to one pacing interval
 *   for its own key, then moves to a key that has budget now; when none has, it waits in a priority
 *   queue woken by one timer at the exact time budget frees.
 * - Limits are learned from the wire (`reportLimits`, the `x-ratelimit-*` headers; 429s without them
 *   adapt the rate), and a share of every key's burst is kept for urgent requests.
 */
export class KeyPool {
  private readonly keys: KeyState[];
  private readonly byId = new Map<string, KeyState>();
  private readonly conversations = new Map<string, Conversation>();
  private readonly queue = new WaitQueue();
  private readonly clock: Clock;
  private readonly log: PoolLogger;
  private readonly health: KeyHealth;
  private readonly picker: KeyPicker;
  private readonly limits: KeyLimits;
  private readonly idleMs: number;
  private readonly deadlineMs: number;
  private readonly alert: HighCapacity;
  private readonly sweepEveryMs: number;
  private readonly ticker: ReturnType<typeof setInterval> | undefined;
  private readonly wake = new WakeTimer(() => this.drain());
  private lastNow = -Infinity;
  private nextSweepAt: number;
  private closed = false;
  /** Drain pass counter, for key reservations. */
  private epoch = 0;
  private readonly onRelease: KeyPoolOptions['onRelease'];
  private readonly onPin: KeyPoolOptions['onPin'];

  constructor(options: KeyPoolOptions) {
    this.onRelease = options.onRelease;
    this.onPin = options.onPin;
    const groups = options.groups ?? {};
    validateKeySpecs(options.keys, groups);
    this.clock = options.clock;
    this.log = options.log ?? silentPoolLogger;
    this.idleMs = options.idleMs ?? 15 * MINUTE;
    this.deadlineMs = options.deadlineMs ?? 20_000;
    this.alert = new HighCapacity(options.alertThresholdPct ?? 80, options.alertWindowMs ?? MINUTE);
    this.health = new KeyHealth({
      failureThreshold: options.failureThreshold ?? 3,
      breakerCooldownMs: options.breakerCooldownMs ?? 30_000,
      defaultRetryAfterMs: options.defaultRetryAfterMs ?? MINUTE,
      log: this.log,
      now: () => this.now(),
    });
    const windowMs = MINUTE + (options.windowMarginMs ?? 1_000);
    const pacing = { ...DEFAULT_PACING, ...options.pacing };
    this.keys = buildKeys(options.keys, groups, options.defaults ?? {}, windowMs, pacing);
    for (const key of this.keys) this.byId.set(key.id, key);
    this.limits = new KeyLimits(this.log);
    this.picker = new KeyPicker(this.keys, this.health, {
      urgentReserve: options.urgentReserve ?? 0.2,
      urgentPriority: 8,
      ...(options.pinPatienceMs !== undefined ? { pinPatienceMs: options.pinPatienceMs } : {}),
    });
    const tickMs = options.tickMs ?? 1_000;
    this.sweepEveryMs = Math.min(Math.max(this.idleMs / 10, tickMs), MINUTE);
    this.nextSweepAt = this.now() + this.sweepEveryMs;
    // `tickMs: 0`: no timer of its own (the actor sends `tick`).
    this.ticker = tickMs > 0 ? setInterval(() => this.tick(), tickMs).unref() : undefined;
  }

  get keyIds(): string[] {
    return this.keys.map((k) => k.id);
  }

  /** `acquire` calls waiting for budget. */
  get queueDepth(): number {
    return this.queue.length;
  }

  /** The key a conversation is pinned to, if any. */
  pinnedKey(conversationId: string): string | undefined {
    return this.conversations.get(conversationId)?.key?.id;
  }

  /**
   * Pins a conversation (least connections among healthy keys with room; ties: most budget left, then
   * key order); keeps a pin while its key is healthy. `undefined` when every healthy key is full.
   */
  pin(conversationId: string): string | undefined {
    const now = this.now();
    const conv = this.conversation(conversationId, now);
    const current = conv.key;
    if (current && this.health.healthyAt(current) <= now) return current.id;
    const best = this.picker.pinTarget(current, now);
    if (best) this.repin(conversationId, conv, best);
    return best?.id;
  }

  /**
   * A lease for the conversation's next request: on its pinned key when that key has budget now, else
   * on another that has (the conversation moves), else after waiting, most urgent first, FIFO within
   * a priority. `undefined` at the deadline or once closed (the built-in model answers); rejects with
   * the signal's reason on abort.
   */
  acquire(
    conversationId: string,
    options: AcquireOptions = { estimatedTokens: 0 },
  ): Promise<Lease | undefined> {
    const signal = options.signal;
    if (signal?.aborted) return Promise.reject(signal.reason as Error);
    const lease = this.tryAcquire(conversationId, options);
    if (lease || this.closed) return Promise.resolve(lease);
    const deadline = options.deadlineMs ?? this.deadlineMs;
    if (deadline <= 0 && this.queue.length === 0) return Promise.resolve(undefined);
    const tokens = options.estimatedTokens > 0 ? options.estimatedTokens : 0;
    const conv = this.conversation(conversationId, this.now());
    const priority = priorityOf(options);
    return new Promise<Lease | undefined>((resolve, reject) => {
      const waiter: Waiter = { id: conversationId, conv, tokens, priority, resolve, reject, settled: false };
      conv.busy++;
      this.queue.enqueue(waiter);
      this.drain();
      if (waiter.settled) return;
      if (deadline > 0) return armWaiter(waiter, deadline, signal, this.queue, this.log);
      this.queue.drop(waiter);
      resolve(undefined);
    });
  }

  /** A lease now, without waiting: when nobody waits and a key the conversation may use has budget. */
  tryAcquire(conversationId: string, options: AcquireOptions): Lease | undefined {
    if (this.closed) return undefined;
    const now = this.now();
    const conv = this.conversation(conversationId, now);
    conv.lastActive = now;
    if (this.queue.length > 0) return undefined;
    const tokens = options.estimatedTokens > 0 ? options.estimatedTokens : 0;
    const key = this.picker.pick(conv.key, tokens, now, -1, priorityOf(options));
    return key ? this.grant(conversationId, key, tokens, now) : undefined;
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
    if (key) this.rateLimitedKey(key, retryAfterMs);
    else this.log.warn({ keyId }, 'rate limit reported for an unknown LLM key');
  }

  /** What a response's `x-ratelimit-*` headers said about `keyId` (the provider wins over config). */
  reportLimits(keyId: string, limits: ProviderLimits): void {
    const key = this.byId.get(keyId);
    if (key) this.limits.observed(key, limits, this.now(), this.now());
  }

  /** A 5xx or network failure on `keyId`: enough in a row open its circuit breaker. */
  reportFailure(keyId: string): void {
    const key = this.byId.get(keyId);
    if (key) this.health.failed(key);
    else this.log.warn({ keyId }, 'failure reported for an unknown LLM key');
  }

  /** A successful answer on `keyId` (a lease released with usage does this): closes its breaker. */
  reportSuccess(keyId: string): void {
    const key = this.byId.get(keyId);
    if (!key) return;
    this.health.succeeded(key);
    this.drain();
  }

  /** Releases conversations idle for `idleMs` (the pool's timer calls it too). */
  sweep(): number {
    const now = this.now();
    let released = 0;
    for (const [id, conv] of this.conversations) {
      if (conv.busy === 0 && now - conv.lastActive >= this.idleMs && this.release(id, 'idle')) released++;
    }
    return released;
  }

  /** The `/metrics` pool report. Names only: no secret ever appears here. */
  report(): KeyPoolReport {
    const now = this.now();
    const report = poolReport(this.keys, now, (key) => this.health.healthyAt(key), this.queue.length);
    report.alert = this.alert.observe(now, report.pool_capacity_pct);
    return report;
  }

  /** Each key's rates, pacing and health as plain data (what the actor snapshots). */
  keyRecords(): KeyRecord[] {
    return this.keys.map(keyRecord);
  }

  /**
   * A fresh pool takes over from one that crashed: the keys' last snapshot, the journal's pins, and
   * a lease on the same key for every lease still open (it holds a concurrency slot; its request was
   * already paced). Unknown keys are skipped.
   */
  restore(keys: readonly KeyRecord[], pins: Iterable<[string, string]>, leases: readonly LeaseRecord[]) {
    const now = this.now();
    for (const record of keys) {
      const key = this.byId.get(record.id);
      if (key) applyKeyRecord(key, record);
    }
    for (const [conversationId, keyId] of pins) {
      const key = this.byId.get(keyId);
      if (key) this.repin(conversationId, this.conversation(conversationId, now), key);
    }
    return leases.map((open) => {
      const key = this.byId.get(open.keyId);
      if (!key) return undefined;
      key.budget.inFlight++;
      if (key.group) key.group.inFlight++;
      return this.lease(open.conversationId, key, { t: now, tokens: open.tokens }, now);
    });
  }

  /** Stops the timers; waiting acquires resolve `undefined`, later ones too. */
  close(): Promise<void> {
    this.closed = true;
    clearInterval(this.ticker);
    this.wake.clear();
    for (const waiter of [...this.queue.items]) {
      this.queue.drop(waiter);
      waiter.resolve(undefined);
    }
    return Promise.resolve();
  }

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
    this.onPin?.(conversationId, key.id);
    // Pins move capacity in steps; the ticker only catches the gradual changes.
    this.observe(this.lastNow);
    if (from)
      this.log.debug({ conversationId, from: from.id, to: key.id }, 'conversation moved to another LLM key');
  }

  private grant(conversationId: string, key: KeyState, tokens: number, now: number): Lease {
    return this.lease(conversationId, key, chargeBudget(key, now, tokens), now);
  }

  private lease(conversationId: string, key: KeyState, charge: TokenCharge, now: number): Lease {
    const conv = this.conversation(conversationId, now);
    if (conv.key !== key) this.repin(conversationId, conv, key);
    conv.busy++;
    conv.lastActive = now;
    return new PoolLease(key, charge, (usage) => this.endLease(key, conv, charge, usage), {
      rateLimited: (k, ms) => this.rateLimitedKey(k, ms),
      failed: (k) => this.health.failed(k),
      observed: (k, limits, sentAt) => this.limits.observed(k, limits, this.now(), sentAt),
    });
  }

  private rateLimitedKey(key: KeyState, retryAfterMs: number | undefined): void {
    this.health.rateLimited(key, retryAfterMs);
    this.limits.rateLimited(key, this.now());
  }

  private endLease(key: KeyState, conv: Conversation, charge: TokenCharge, usage?: LeaseUsage): void {
    const now = this.now();
    finishBudget(key);
    conv.busy--;
    conv.lastActive = now;
    if (usage) {
      correctBudget(key, charge, usage, now);
      this.health.succeeded(key);
    }
    this.drain();
  }

  // ── the wait queue ─────────────────────────────────────────────────────────

  /**
   * Serves waiters, most urgent first. A blocked waiter reserves the keys it could use, so a later
   * (less urgent or smaller) request cannot take the budget it waits for, yet may use a key it could
   * not; then one timer is armed for the earliest time budget frees.
   */
  private drain(): void {
    if (this.queue.length === 0 || this.closed) return;
    const now = this.now();
    const epoch = ++this.epoch;
    let reserved = 0;
    let wake = Infinity;
    let served = false;
    for (const waiter of this.queue.items) {
      if (waiter.settled) continue;
      const pinned = this.conversations.get(waiter.id)?.key;
      const key = this.picker.pick(pinned, waiter.tokens, now, epoch, waiter.priority);
      if (key) {
        settleWaiter(waiter);
        served = true;
        waiter.resolve(this.grant(waiter.id, key, waiter.tokens, now));
        continue;
      }
      if (this.picker.pickAt < wake) wake = this.picker.pickAt;
      reserved = this.picker.reserve(pinned, epoch, reserved);
      if (reserved === this.keys.length) break;
    }
    if (served) this.queue.compact();
    if (this.queue.length > 0 && wake < Infinity) this.wake.at(wake, now);
  }

  /** Housekeeping: learned limits recover, idle conversations are released, the alert is sampled. */
  tick(): void {
    const now = this.now();
    for (const key of this.keys) this.limits.tick(key, now);
    measureCaps(this.keys, now);
    if (now >= this.nextSweepAt) {
      this.nextSweepAt = now + this.sweepEveryMs;
      this.sweep();
    }
    this.observe(now);
  }

  private observe(now: number): void {
    const status = this.keys.map((key) => keyStatus(key, now, this.health.healthyAt(key)));
    this.alert.observe(now, poolCapacityPct(status));
  }
}
