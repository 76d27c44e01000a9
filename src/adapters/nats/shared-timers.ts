import { createHash } from 'node:crypto';
import { jetstream } from '@nats-io/jetstream';
import type { KV, KvWatchEntry } from '@nats-io/kv';
import type { NatsConnection } from '@nats-io/transport-node';
import { errorMessage } from '../../errors.ts';
import type { Logger } from '../../logger.ts';
import type { Clock } from '../../ports/clock.ts';
import type { TimerEntry, TimerKind } from '../../ports/timers.ts';
import { openBucket } from './resources.ts';

export const TIMERS_BUCKET = 'leadbot_timers';

/** A timer change to store: `put` the entry's JSON, or (absent) delete it. */
interface PendingChange {
  put?: string;
  kind: TimerKind;
}

/** One key per conversation and kind (conversation ids may hold phone numbers: hashed). */
function keyOf(conversationId: string, kind: TimerKind): string {
  return `t.${createHash('sha256').update(conversationId).digest('hex').slice(0, 32)}.${kind.replace('.', '_')}`;
}

/**
 * Cluster mode's durable timers (follow-ups, session expiry, handoff deadlines): kept in the NATS KV
 * bucket `leadbot_timers`, so a worker that dies takes none with it. Every worker watches the bucket
 * and arms a process timer for the earliest entry; when one comes due, a worker publishes its message
 * to the bus (JetStream drops a second copy published by another worker: same message id) and then
 * deletes the entry with compare-and-set. The partition owner handles it, in the conversation's order.
 */
export class SharedTimers {
  private readonly entries = new Map<string, { entry: TimerEntry; revision: number }>();
  private timer: NodeJS.Timeout | undefined;
  /** Due time the process timer is armed for (Infinity: none). */
  private armedAt = Infinity;
  private closed = false;
  private watching: { stop(): void } | undefined;
  /** Timer changes NATS has not taken yet, by key. */
  private readonly pending = new Map<string, PendingChange>();
  private retrying = false;

  private constructor(
    private readonly kv: KV,
    private readonly clock: Clock,
    private readonly log: Logger,
    /** Publishes the timer's message to the bus (resolves once JetStream stored it). */
    private readonly fire: (entry: TimerEntry) => Promise<void>,
  ) {}

  static async open(
    nc: NatsConnection,
    options: { clock: Clock; log: Logger; replicas?: number; fire: (entry: TimerEntry) => Promise<void> },
  ): Promise<SharedTimers> {
    const { kv } = await openBucket(jetstream(nc), TIMERS_BUCKET, {
      ttlMs: 0,
      replicas: options.replicas ?? 1,
    });
    return new SharedTimers(kv, options.clock, options.log, options.fire);
  }

  /** Watches the bucket and fires due entries (workers only). */
  async start(): Promise<void> {
    const iterator = await this.kv.watch({ key: 't.>' });
    this.watching = { stop: () => iterator.stop() };
    void (async () => {
      for await (const update of iterator) this.apply(update);
    })().catch((error: unknown) => {
      if (!this.closed) this.log.warn({ err: errorMessage(error) }, 'timer watch stopped');
    });
  }

  private apply(update: KvWatchEntry): void {
    if (update.operation !== 'PUT') {
      // A removed entry never needs an earlier wake-up: the armed timer finds nothing and re-arms.
      this.entries.delete(update.key);
      return;
    }
    try {
      const entry = JSON.parse(update.string()) as TimerEntry;
      this.entries.set(update.key, { entry, revision: update.revision });
      // Only an earlier due time re-arms (no full scan per update: start-up replays every entry).
      if (entry.dueAt < this.armedAt) this.armAt(entry.dueAt);
    } catch {
      this.entries.delete(update.key);
    }
  }

  schedule(entry: TimerEntry): void {
    this.write(keyOf(entry.conversationId, entry.kind), { put: JSON.stringify(entry), kind: entry.kind });
  }

  /**
   * Writes a timer change, and keeps retrying it (1 s, doubling up to 10 s) while NATS cannot take
   * it: a timer scheduled during a NATS blip is stored once the link is back, not lost. The latest
   * change of a key wins (a cancel after a schedule that has not gone through yet replaces it).
   */
  private write(key: string, change: PendingChange): void {
    this.pending.set(key, change);
    if (!this.retrying) void this.flush();
  }

  private async flush(delayMs = 1_000): Promise<void> {
    this.retrying = true;
    let failed = 0;
    for (const [key, change] of [...this.pending]) {
      if (this.closed) break;
      try {
        if (change.put === undefined) await this.kv.delete(key);
        else await this.kv.put(key, change.put);
        if (this.pending.get(key) === change) this.pending.delete(key);
      } catch (error) {
        failed++;
        this.log.warn(
          { err: errorMessage(error), kind: change.kind },
          'timer change not stored yet; retrying',
        );
      }
    }
    if (failed === 0 || this.closed) {
      this.retrying = false;
      if (this.pending.size > 0 && !this.closed) void this.flush();
      return;
    }
    setTimeout(() => void this.flush(Math.min(10_000, delayMs * 2)), delayMs).unref();
  }

  /** Privacy erasure: every timer of the conversation goes. */
  async forget(conversationId: string): Promise<void> {
    for (const kind of ['session.expired', 'followup.due', 'handoff.deadline'] as const)
      await this.kv.purge(keyOf(conversationId, kind));
  }

  cancel(conversationId: string, kind: TimerKind): void {
    // Deleted even when this node's watch has not seen the entry yet.
    this.write(keyOf(conversationId, kind), { kind });
  }

  /** Nothing to do: a shared timer is deleted when it is fired (JetStream holds its message). */
  complete(): void {}

  /** Arms for the earliest entry (a full scan: only after a run). */
  private arm(): void {
    let next = Infinity;
    for (const { entry } of this.entries.values()) next = Math.min(next, entry.dueAt);
    if (next === Infinity) {
      if (this.timer) clearTimeout(this.timer);
      this.armedAt = Infinity;
      return;
    }
    this.armAt(next);
  }

  private armAt(dueAt: number): void {
    if (this.closed) return;
    if (this.timer) clearTimeout(this.timer);
    this.armedAt = dueAt;
    const delay = Math.min(Math.max(0, dueAt - this.clock.now()), 2 ** 31 - 1);
    this.timer = setTimeout(() => void this.run(), delay);
    this.timer.unref();
  }

  private async run(): Promise<void> {
    this.armedAt = Infinity;
    const now = this.clock.now();
    for (const [key, { entry, revision }] of [...this.entries]) {
      if (entry.dueAt > now || this.closed) continue;
      try {
        await this.fire(entry);
        // Compare-and-set: a timer moved meanwhile (scheduled again) is not deleted.
        await this.kv.delete(key, { previousSeq: revision }).catch(() => undefined);
        // A newer entry (scheduled again meanwhile) stays armed.
        if (this.entries.get(key)?.revision === revision) this.entries.delete(key);
      } catch (error) {
        this.log.warn(
          { err: errorMessage(error), kind: entry.kind },
          'timer could not fire; retrying shortly',
        );
        this.armAt(this.clock.now() + 5000);
        return;
      }
    }
    this.arm();
  }

  close(): void {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.watching?.stop();
  }
}
