import type { KeyState, Lease } from './key-state.ts';
import type { PoolLogger } from './key-pool-options.ts';

/** A conversation the pool knows. */
export interface Conversation {
  key: KeyState | undefined;
  lastActive: number;
  /** Leases out plus acquires waiting: a busy conversation is never idle. */
  busy: number;
}

/** An `acquire` waiting for budget. */
export interface Waiter {
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

/** Marks a waiter done: it no longer counts as busy and its deadline and abort listener go. */
export function settleWaiter(waiter: Waiter): void {
  waiter.settled = true;
  waiter.conv.busy--;
  if (waiter.timer) clearTimeout(waiter.timer);
  if (waiter.signal && waiter.onAbort) waiter.signal.removeEventListener('abort', waiter.onAbort);
}

/** The waiting acquires, sorted: priority descending, then arrival. */
export class WaitQueue {
  private waiters: Waiter[] = [];

  get length(): number {
    return this.waiters.length;
  }

  /** The waiters in serving order (settled ones stay until `compact`). */
  get items(): readonly Waiter[] {
    return this.waiters;
  }

  enqueue(waiter: Waiter): void {
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
  drop(waiter: Waiter): void {
    if (waiter.settled) return;
    settleWaiter(waiter);
    const i = this.waiters.indexOf(waiter);
    if (i >= 0) this.waiters.splice(i, 1);
  }

  /** Forgets the waiters settled in place (served by a drain pass). */
  compact(): void {
    this.waiters = this.waiters.filter((w) => !w.settled);
  }
}

/** One timer for the earliest time budget frees; a later request for a later time keeps it. */
export class WakeTimer {
  private timer: ReturnType<typeof setTimeout> | undefined;
  private wakeAt = Infinity;

  constructor(private readonly onWake: () => void) {}

  at(at: number, now: number): void {
    if (this.timer && this.wakeAt <= at) return;
    if (this.timer) clearTimeout(this.timer);
    this.wakeAt = at;
    this.timer = setTimeout(
      () => {
        this.timer = undefined;
        this.wakeAt = Infinity;
        this.onWake();
      },
      Math.max(1, Math.ceil(at - now)),
    );
    // Waiters' deadline timers keep the process alive; this one need not.
    this.timer.unref();
  }

  clear(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }
}

/** A waiter not served at once: gives up at its deadline, or rejects when its signal aborts. */
export function armWaiter(
  waiter: Waiter,
  deadline: number,
  signal: AbortSignal | undefined,
  queue: WaitQueue,
  log: PoolLogger,
): void {
  if (Number.isFinite(deadline)) {
    waiter.timer = setTimeout(() => {
      log.debug({ conversationId: waiter.id, deadlineMs: deadline }, 'no LLM key budget before the deadline');
      queue.drop(waiter);
      waiter.resolve(undefined);
    }, deadline);
  }
  if (signal) {
    waiter.signal = signal;
    waiter.onAbort = () => {
      queue.drop(waiter);
      waiter.reject(signal.reason as Error);
    };
    signal.addEventListener('abort', waiter.onAbort, { once: true });
  }
}
