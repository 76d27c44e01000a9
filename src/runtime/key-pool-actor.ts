/**
 * The KeyPool as an actor. Every message — `acquire`, `release`, `usage.reported`, `rate.limited`,
 * `lease.failed`, `limits.observed`, `tick`, … — is an event sent to one `@xstate/store` store, the
 * actor's mailbox, whose handlers run the pool (`KeyPool`, the core). The store's context is the
 * actor's snapshot: the `/metrics` pool report, every key as plain data (rates learned from the
 * provider, what its pacers owe, its health), counts, and the restarts so far; the state-chart
 * tooling and the Stately inspector (`store.inspect`) read it.
 *
 * Supervised: a handler that throws restarts the core. The new core takes the keys back from the
 * old one (or, if that cannot be read, from the last snapshot), the pins and open leases from the
 * actor's journal, and re-issues every acquire still waiting with what is left of its deadline. No
 * conversation loses its key, no open lease is forgotten, and the event that crashed is retried
 * once on the new core; a second failure answers as "no key" (the built-in model replies).
 */
import { createStore } from '@xstate/store';
import type { ProviderLimits } from '../ports/chat-model.ts';
import { errorMessage } from '../errors.ts';
import { KeyPool, type KeyPoolReport, type KeyRecord, type Lease, type LeaseUsage } from './key-pool.ts';
import type { AcquireOptions, KeyPoolOptions, PoolLogger, ReleaseReason } from './key-pool-options.ts';
import { silentPoolLogger } from './key-pool-options.ts';
import { ActorLease, type LeaseMailbox } from './key-pool-lease.ts';
import type { KeyPoolEvent } from './key-pool-events.ts';

/** What the rest of the node uses of a key pool (the actor and the bare core both offer it). */
export type KeyPoolApi = Pick<
  KeyPool,
  | 'keyIds'
  | 'queueDepth'
  | 'pinnedKey'
  | 'pin'
  | 'acquire'
  | 'release'
  | 'reportRateLimited'
  | 'reportLimits'
  | 'reportFailure'
  | 'reportSuccess'
  | 'sweep'
  | 'report'
  | 'close'
>;

/** The actor's state: what `/metrics` and the tooling see. */
export interface KeyPoolSnapshot {
  report: KeyPoolReport;
  keys: KeyRecord[];
  pins: number;
  openLeases: number;
  waiting: number;
  restarts: number;
  lastCrash: { at: number; event: string; error: string } | null;
}

export interface KeyPoolActorOptions extends KeyPoolOptions {
  /** Builds a core (tests inject faults here); default `new KeyPool(options)`. */
  createCore?: (options: KeyPoolOptions) => KeyPool;
}

/** An acquire the actor has not answered yet. */
interface Pending {
  conversationId: string;
  options: AcquireOptions;
  deadlineAt: number;
  resolve: (lease: Lease | undefined) => void;
  reject: (reason: unknown) => void;
}

export class KeyPoolActor implements KeyPoolApi, LeaseMailbox {
  readonly store;
  private core: KeyPool;
  private generation = 0;
  private readonly pins = new Map<string, string>();
  private readonly open = new Set<ActorLease>();
  private readonly waiting = new Set<Pending>();
  private readonly log: PoolLogger;
  private readonly coreOptions: KeyPoolOptions;
  private readonly createCore: (options: KeyPoolOptions) => KeyPool;
  private readonly ticker: ReturnType<typeof setInterval>;
  private readonly defaultDeadlineMs: number;
  /** The `acquire` handler's answer, taken by `acquire` right after it sent the event. */
  private answer: Promise<Lease | undefined> | undefined;

  constructor(options: KeyPoolActorOptions) {
    const { createCore, ...rest } = options;
    this.log = options.log ?? silentPoolLogger;
    this.defaultDeadlineMs = options.deadlineMs ?? 20_000;
    this.createCore = createCore ?? ((o) => new KeyPool(o));
    this.coreOptions = {
      ...rest,
      tickMs: 0,
      onPin: (conversationId, keyId) => this.pins.set(conversationId, keyId),
      onRelease: (conversationId, keyId, reason) => {
        this.pins.delete(conversationId);
        options.onRelease?.(conversationId, keyId, reason);
      },
    };
    this.core = this.createCore(this.coreOptions);
    this.store = this.createStore();
    this.ticker = setInterval(() => this.store.trigger.tick(), options.tickMs ?? 1_000).unref();
  }

  get keyIds(): string[] {
    return this.core.keyIds;
  }

  get queueDepth(): number {
    return this.waiting.size;
  }

  /** The actor's snapshot (as of the last `tick` or `report`). */
  get snapshot(): KeyPoolSnapshot {
    return this.store.getSnapshot().context;
  }

  pinnedKey(conversationId: string): string | undefined {
    return this.pins.get(conversationId);
  }

  pin(conversationId: string): string | undefined {
    let keyId: string | undefined;
    this.store.trigger.pin({ conversationId, reply: (id) => (keyId = id) });
    return keyId;
  }

  acquire(
    conversationId: string,
    options: AcquireOptions = { estimatedTokens: 0 },
  ): Promise<Lease | undefined> {
    if (options.signal?.aborted) return Promise.reject(options.signal.reason as Error);
    this.store.send({ type: 'acquire', conversationId, options });
    const answer = this.answer!;
    this.answer = undefined;
    return answer;
  }

  release(conversationId: string, reason: ReleaseReason): boolean {
    let released = false;
    this.store.trigger.release({ conversationId, reason, reply: (r) => (released = r) });
    return released;
  }

  reportRateLimited(keyId: string, retryAfterMs?: number): void {
    this.store.trigger['rate.limited']({ keyId, retryAfterMs });
  }

  reportLimits(keyId: string, limits: ProviderLimits): void {
    this.store.trigger['limits.observed']({ keyId, limits });
  }

  reportFailure(keyId: string): void {
    this.store.trigger['key.failed']({ keyId });
  }

  reportSuccess(keyId: string): void {
    this.store.trigger['key.succeeded']({ keyId });
  }

  sweep(): number {
    let released = 0;
    this.store.trigger.sweep({ reply: (n) => (released = n) });
    return released;
  }

  report(): KeyPoolReport {
    this.store.trigger.snapshot();
    return this.snapshot.report;
  }

  close(): Promise<void> {
    clearInterval(this.ticker);
    for (const pending of this.waiting) pending.resolve(undefined);
    this.waiting.clear();
    return this.core.close();
  }

  /** Names only: the options it keeps to restart the core hold the secrets. */
  toJSON(): { keys: string[]; restarts: number } {
    return { keys: this.keyIds, restarts: this.snapshot.restarts };
  }

  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return `KeyPoolActor { keys: ${JSON.stringify(this.keyIds)}, restarts: ${this.snapshot.restarts} }`;
  }

  // ── LeaseMailbox: an ActorLease's end is an event too ──────────────────────

  leaseEnded(lease: ActorLease, usage: LeaseUsage | undefined): void {
    this.store.send({ type: 'usage.reported', lease, usage });
  }

  leaseRateLimited(lease: ActorLease, retryAfterMs: number | undefined): void {
    this.store.trigger['rate.limited']({ keyId: lease.keyId, retryAfterMs, lease });
  }

  leaseFailed(lease: ActorLease): void {
    this.store.trigger['lease.failed']({ lease });
  }

  leaseObserved(lease: ActorLease, limits: ProviderLimits): void {
    this.store.trigger['limits.observed']({ keyId: lease.keyId, limits, lease });
  }

  // ── the mailbox ────────────────────────────────────────────────────────────

  private createStore() {
    const run = <T>(event: string, op: () => T, fallback: T): T => this.supervised(event, op, fallback);
    return createStore({
      context: this.capture(0, null),
      on: this.handlers(run),
    });
  }

  /** One handler per event of `KEY_POOL_EVENTS` (the state charts list the same events). */
  private handlers(run: <T>(event: string, op: () => T, fallback: T) => T) {
    return {
      acquire: (_ctx: KeyPoolSnapshot, e: { conversationId: string; options: AcquireOptions }) =>
        void (this.answer = this.startAcquire(e.conversationId, e.options)),
      pin: (
        _ctx: KeyPoolSnapshot,
        e: { conversationId: string; reply: (keyId: string | undefined) => void },
      ) => void e.reply(run('pin', () => this.core.pin(e.conversationId), undefined)),
      release: (
        _ctx: KeyPoolSnapshot,
        e: { conversationId: string; reason: ReleaseReason; reply: (r: boolean) => void },
      ) => void e.reply(run('release', () => this.core.release(e.conversationId, e.reason), false)),
      'usage.reported': (_ctx: KeyPoolSnapshot, e: { lease: ActorLease; usage: LeaseUsage | undefined }) => {
        this.open.delete(e.lease);
        run('usage.reported', () => e.lease.inner.release(e.usage), undefined);
      },
      'rate.limited': (
        _ctx: KeyPoolSnapshot,
        e: { keyId: string; retryAfterMs: number | undefined; lease?: ActorLease },
      ) => {
        const lease = e.lease;
        if (lease) this.open.delete(lease);
        run(
          'rate.limited',
          () =>
            lease
              ? lease.inner.rateLimited(e.retryAfterMs)
              : this.core.reportRateLimited(e.keyId, e.retryAfterMs),
          undefined,
        );
      },
      'lease.failed': (_ctx: KeyPoolSnapshot, e: { lease: ActorLease }) => {
        this.open.delete(e.lease);
        run('lease.failed', () => e.lease.inner.failed(), undefined);
      },
      'limits.observed': (
        _ctx: KeyPoolSnapshot,
        e: { keyId: string; limits: ProviderLimits; lease?: ActorLease },
      ) => {
        const lease = e.lease;
        run(
          'limits.observed',
          () => (lease ? lease.inner.observe(e.limits) : this.core.reportLimits(e.keyId, e.limits)),
          undefined,
        );
      },
      'key.failed': (_ctx: KeyPoolSnapshot, e: { keyId: string }) =>
        void run('key.failed', () => this.core.reportFailure(e.keyId), undefined),
      'key.succeeded': (_ctx: KeyPoolSnapshot, e: { keyId: string }) =>
        void run('key.succeeded', () => this.core.reportSuccess(e.keyId), undefined),
      sweep: (_ctx: KeyPoolSnapshot, e: { reply: (n: number) => void }) =>
        void e.reply(run('sweep', () => this.core.sweep(), 0)),
      tick: (ctx: KeyPoolSnapshot) => {
        run('tick', () => this.core.tick(), undefined);
        return this.capture(ctx.restarts, ctx.lastCrash);
      },
      snapshot: (ctx: KeyPoolSnapshot) => this.capture(ctx.restarts, ctx.lastCrash),
      crashed: (ctx: KeyPoolSnapshot, e: { event: string; error: string }) =>
        this.capture(ctx.restarts + 1, { at: Date.now(), event: e.event, error: e.error }),
    } satisfies Record<KeyPoolEvent, unknown>;
  }

  /** The snapshot the store keeps. */
  private capture(restarts: number, lastCrash: KeyPoolSnapshot['lastCrash']): KeyPoolSnapshot {
    const report = this.core.report();
    return {
      report: { ...report, queue_depth: this.waiting.size, restarts },
      keys: this.core.keyRecords(),
      pins: this.pins.size,
      openLeases: this.open.size,
      waiting: this.waiting.size,
      restarts,
      lastCrash,
    };
  }

  /** A lease at once when the core has one for the asking, else an acquire that waits. */
  private startAcquire(conversationId: string, options: AcquireOptions): Promise<Lease | undefined> {
    const inner = this.supervised('acquire', () => this.core.tryAcquire(conversationId, options), undefined);
    if (inner) return Promise.resolve(this.wrap(conversationId, options.estimatedTokens, inner));
    return new Promise((resolve, reject) => {
      const deadlineAt = Date.now() + (options.deadlineMs ?? this.defaultDeadlineMs);
      this.start({ conversationId, options, deadlineAt, resolve, reject });
    });
  }

  /** Runs an acquire on the core; the answer counts only if the core that gave it still runs. */
  private start(pending: Pending): void {
    const generation = this.generation;
    const remaining = Math.max(0, pending.deadlineAt - Date.now());
    const options =
      generation === 0 || pending.options.deadlineMs === remaining
        ? pending.options
        : { ...pending.options, deadlineMs: remaining };
    const promise = this.supervised(
      'acquire',
      () => this.core.acquire(pending.conversationId, options),
      undefined,
    );
    if (!promise) return pending.resolve(undefined);
    this.waiting.add(pending);
    promise.then(
      (inner) => {
        if (generation !== this.generation) return;
        this.waiting.delete(pending);
        pending.resolve(
          inner ? this.wrap(pending.conversationId, pending.options.estimatedTokens, inner) : undefined,
        );
      },
      (error: unknown) => {
        if (generation !== this.generation) return;
        this.waiting.delete(pending);
        pending.reject(error);
      },
    );
  }

  private wrap(conversationId: string, tokens: number, inner: Lease): ActorLease {
    const lease = new ActorLease(this, conversationId, tokens > 0 ? tokens : 0, inner);
    this.open.add(lease);
    return lease;
  }

  /** Runs `op` on the core; when it throws, restarts the core and tries once more. */
  private supervised<T>(event: string, op: () => T, fallback: T): T {
    try {
      return op();
    } catch (error) {
      this.restart(event, error);
      try {
        return op();
      } catch (again) {
        this.log.warn({ event, err: errorMessage(again) }, 'key pool failed again after a restart');
        return fallback;
      }
    }
  }

  /** A new core with the keys, pins, open leases and waiting acquires of the one that crashed. */
  private restart(event: string, error: unknown): void {
    const old = this.core;
    let keys: KeyRecord[];
    try {
      keys = old.keyRecords();
    } catch {
      keys = this.snapshot.keys;
    }
    this.generation++;
    this.core = this.createCore(this.coreOptions);
    const leases = [...this.open];
    const inners = this.core.restore(keys, [...this.pins], leases);
    leases.forEach((lease, i) => {
      const inner = inners[i];
      if (inner) lease.inner = inner;
      else this.open.delete(lease);
    });
    void old.close().catch(() => undefined);
    for (const pending of [...this.waiting]) {
      this.waiting.delete(pending);
      this.start(pending);
    }
    this.log.warn(
      { event, err: errorMessage(error), pins: this.pins.size, openLeases: this.open.size },
      'key pool crashed; restarted with its pins and leases',
    );
    // After this handler: the store processes one event at a time.
    queueMicrotask(() => this.store.trigger.crashed({ event, error: errorMessage(error) }));
  }
}
