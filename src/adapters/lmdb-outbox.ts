import type { Database } from 'lmdb';
import { quiet } from '../util/lmdb-errors.ts';
import { StorageError, errorMessage } from '../errors.ts';
import type { Clock } from '../ports/clock.ts';
import type { Outbox, OutboxEntry, OutboxKind } from '../ports/outbox.ts';
import type { LmdbStore } from './lmdb-store.ts';

/** Secondary index key: pending entries ordered by when they are due, then by id. */
type DueKey = [number, string];
/** Pending entries by order key, then creation time: is an older entry of the same key waiting? */
type OrderKey = [string, number, string];
/** Pending entries by creation time: the oldest undelivered one (for metrics). */
type AgeKey = [number, string];

/** One row of {@link LmdbOutbox.list}. */
export interface OutboxListQuery {
  status: 'pending' | 'dead';
  tenantId?: string;
  limit: number;
}

/** Constructor dependencies of {@link LmdbOutbox}. */
export interface LmdbOutboxOptions {
  store: LmdbStore;
  clock: Clock;
  /** Database names: `<name>`, `<name>_due`, `<name>_dead`, `<name>_order`, `<name>_age`; default `outbox`. */
  name?: string;
}

/**
 * The durable {@link Outbox} in the shared LMDB environment.
 *
 * Named databases: `outbox` (id → entry, every entry ever enqueued: delivered and dead entries are
 * kept, so an id is never sent twice and a dead letter can be re-driven), `outbox_due`
 * (`[nextAttemptAt, id]` → true for pending entries only, so {@link due} is a range scan),
 * `outbox_dead` (id → true, so dead letters can be listed and counted cheaply), and for pending
 * entries `outbox_order` (`[orderKey, createdAt, id]`: per-conversation order) and `outbox_age`
 * (`[createdAt, id]`: the oldest undelivered entry). Every change to an entry and its index rows
 * happens in one write transaction; the order and age rows are hints checked against the entry.
 */
export class LmdbOutbox implements Outbox {
  private readonly store: LmdbStore;
  private readonly clock: Clock;
  private readonly entries: Database<OutboxEntry, string>;
  private readonly dueIndex: Database<true, DueKey>;
  private readonly deadIndex: Database<true, string>;
  private readonly orderIndex: Database<true, OrderKey>;
  private readonly ageIndex: Database<true, AgeKey>;

  constructor(options: LmdbOutboxOptions) {
    this.store = options.store;
    this.clock = options.clock;
    const name = options.name ?? 'outbox';
    this.entries = options.store.database<OutboxEntry, string>(name);
    this.dueIndex = options.store.database<true, DueKey>(`${name}_due`);
    this.deadIndex = options.store.database<true, string>(`${name}_dead`);
    this.orderIndex = options.store.database<true, OrderKey>(`${name}_order`);
    this.ageIndex = options.store.database<true, AgeKey>(`${name}_age`);
    this.backfill();
  }

  /** A store written before the order and age indexes existed gets their rows once. */
  private backfill(): void {
    if (this.ageIndex.getCount() > 0 || this.dueIndex.getCount() === 0) return;
    this.store.transactionSyncOf(() => {
      for (const [, id] of [...this.dueIndex.getKeys()]) {
        const entry = this.entries.get(id);
        if (entry?.status === 'pending') this.indexPending(entry);
      }
    });
  }

  private indexPending(entry: OutboxEntry): void {
    quiet(this.dueIndex.put([entry.nextAttemptAt, entry.id], true));
    quiet(this.orderIndex.put([entry.orderKey ?? entry.id, entry.createdAt, entry.id], true));
    quiet(this.ageIndex.put([entry.createdAt, entry.id], true));
  }

  /** Removes the rows of a pending entry that is leaving the pending state. */
  private unindexPending(entry: OutboxEntry): void {
    quiet(this.dueIndex.remove([entry.nextAttemptAt, entry.id]));
    quiet(this.orderIndex.remove([entry.orderKey ?? entry.id, entry.createdAt, entry.id]));
    quiet(this.ageIndex.remove([entry.createdAt, entry.id]));
  }

  /** Idempotent on `id`: an id already stored (whatever its status) is returned untouched. */
  async enqueue(input: {
    id: string;
    tenantId: string;
    kind: OutboxKind;
    payload: unknown;
    orderKey?: string;
  }): Promise<{ enqueued: boolean; entry: OutboxEntry }> {
    return this.write(`enqueue outbox entry ${input.id}`, () => {
      const existing = this.entries.get(input.id);
      if (existing) return { enqueued: false, entry: existing };
      const now = this.clock.now();
      const entry: OutboxEntry = {
        id: input.id,
        tenantId: input.tenantId,
        kind: input.kind,
        payload: input.payload,
        ...(input.orderKey ? { orderKey: input.orderKey } : {}),
        status: 'pending',
        attempts: 0,
        createdAt: now,
        nextAttemptAt: now,
      };
      quiet(this.entries.put(entry.id, entry));
      this.indexPending(entry);
      return { enqueued: true, entry };
    });
  }

  get(id: string): Promise<OutboxEntry | undefined> {
    return Promise.resolve(this.entries.get(id));
  }

  stats(): Promise<Record<OutboxEntry['status'], number>> {
    const pending = this.dueIndex.getCount();
    const dead = this.deadIndex.getCount();
    const delivered = Math.max(0, this.entries.getCount() - pending - dead);
    return Promise.resolve({ pending, delivered, dead });
  }

  /** Pending entries with `nextAttemptAt <= now`, oldest due first (a range scan of the due index). */
  due(now: number, limit: number): Promise<OutboxEntry[]> {
    const out: OutboxEntry[] = [];
    for (const [at, id] of this.dueIndex.getKeys({ end: [Math.floor(now) + 1, ''], limit })) {
      if (at > now) break;
      const entry = this.entries.get(id);
      // The index is written with the entry, so a mismatch would be a bug; skip rather than resend.
      if (entry?.status === 'pending' && entry.nextAttemptAt === at) out.push(entry);
    }
    return Promise.resolve(out);
  }

  /** When the earliest pending entry is due (epoch ms), or undefined when nothing is pending. */
  nextDueAt(): Promise<number | undefined> {
    for (const [at] of this.dueIndex.getKeys({ limit: 1 })) return Promise.resolve(at);
    return Promise.resolve(undefined);
  }

  /** Records a successful attempt. A no-op (returns undefined) unless the entry is pending. */
  async markDelivered(id: string, at: number): Promise<OutboxEntry | undefined> {
    return this.write(`mark outbox entry ${id} delivered`, () => {
      const entry = this.pending(id);
      if (!entry) return undefined;
      this.unindexPending(entry);
      const next: OutboxEntry = {
        ...entry,
        status: 'delivered',
        attempts: entry.attempts + 1,
        deliveredAt: at,
      };
      quiet(this.entries.put(id, next));
      return next;
    });
  }

  /**
   * Records a failed attempt: pending again at `nextAttemptAt`, or `dead` when it is null (kept
   * forever; see {@link redrive}). A no-op (returns undefined) unless the entry is pending.
   */
  async markFailed(
    id: string,
    error: string,
    nextAttemptAt: number | null,
  ): Promise<OutboxEntry | undefined> {
    return this.write(`mark outbox entry ${id} failed`, () => {
      const entry = this.pending(id);
      if (!entry) return undefined;
      this.unindexPending(entry);
      const attempts = entry.attempts + 1;
      let next: OutboxEntry;
      if (nextAttemptAt === null) {
        next = { ...entry, status: 'dead', attempts, lastError: error };
        quiet(this.deadIndex.put(id, true));
      } else {
        next = { ...entry, attempts, lastError: error, nextAttemptAt };
        this.indexPending(next);
      }
      quiet(this.entries.put(id, next));
      return next;
    });
  }

  /**
   * Puts a dead letter back to pending, due now, with its attempt count reset (the last error is
   * kept for reference). Returns the updated entry; undefined when the id is unknown; a pending or
   * delivered entry is returned unchanged. Call the dispatcher's `notify()` afterwards.
   */
  async redrive(id: string): Promise<OutboxEntry | undefined> {
    return this.write(`re-drive outbox entry ${id}`, () => {
      const entry = this.entries.get(id);
      if (!entry || entry.status !== 'dead') return entry;
      const next: OutboxEntry = { ...entry, status: 'pending', attempts: 0, nextAttemptAt: this.clock.now() };
      quiet(this.deadIndex.remove(id));
      this.indexPending(next);
      quiet(this.entries.put(id, next));
      return next;
    });
  }

  /** Every dead letter (of one tenant, when given) re-driven; returns how many. */
  async redriveAll(tenantId?: string): Promise<number> {
    let count = 0;
    for (const entry of await this.list({ status: 'dead', limit: Number.MAX_SAFE_INTEGER }))
      if (!tenantId || entry.tenantId === tenantId)
        if ((await this.redrive(entry.id))?.status === 'pending') count++;
    return count;
  }

  /**
   * When an older pending entry of `entry`'s order key is next due (epoch ms), else undefined: the
   * receiver must get that one first.
   */
  olderPendingAt(entry: OutboxEntry): number | undefined {
    const key = entry.orderKey ?? entry.id;
    for (const [, , id] of this.orderIndex.getKeys({ start: [key], end: [key, entry.createdAt, entry.id] })) {
      const older = this.entries.get(id);
      if (older?.status === 'pending' && older.id !== entry.id) return older.nextAttemptAt;
    }
    return undefined;
  }

  /** Moves a pending entry's next attempt to `at` without counting an attempt (it waits its turn). */
  async defer(id: string, at: number): Promise<void> {
    await this.write(`defer outbox entry ${id}`, () => {
      const entry = this.pending(id);
      if (!entry || entry.nextAttemptAt === at) return;
      quiet(this.dueIndex.remove([entry.nextAttemptAt, id]));
      quiet(this.dueIndex.put([at, id], true));
      quiet(this.entries.put(id, { ...entry, nextAttemptAt: at }));
    });
  }

  /** The receiver is back: every pending entry waiting out a back-off is due now. Returns how many. */
  async expedite(now: number): Promise<number> {
    return this.write('expedite the outbox', () => {
      let moved = 0;
      for (const [at, id] of [...this.dueIndex.getKeys({ start: [Math.floor(now) + 1, ''] })]) {
        const entry = this.entries.get(id);
        if (entry?.status !== 'pending' || entry.nextAttemptAt !== at) continue;
        quiet(this.dueIndex.remove([at, id]));
        quiet(this.dueIndex.put([now, id], true));
        quiet(this.entries.put(id, { ...entry, nextAttemptAt: now }));
        moved++;
      }
      return moved;
    });
  }

  /** When the oldest undelivered (pending) entry was enqueued, epoch ms; undefined when none is. */
  oldestPendingAt(): number | undefined {
    for (const [createdAt, id] of this.ageIndex.getKeys()) {
      if (this.entries.get(id)?.status === 'pending') return createdAt;
    }
    return undefined;
  }

  /** Pending entries oldest first, or dead letters, optionally of one tenant (for operators). */
  list(query: OutboxListQuery): Promise<OutboxEntry[]> {
    const ids =
      query.status === 'dead' ? this.deadIndex.getKeys() : this.ageIndex.getKeys().map(([, id]) => id);
    const out: OutboxEntry[] = [];
    for (const id of ids) {
      if (out.length >= query.limit) break;
      const entry = this.entries.get(id);
      if (entry?.status !== query.status) continue;
      if (!query.tenantId || entry.tenantId === query.tenantId) out.push(entry);
    }
    return Promise.resolve(out);
  }

  /** Dead letters, for an operator to inspect and re-drive (ids in key order). */
  deadLetters(limit = 100): Promise<OutboxEntry[]> {
    return this.list({ status: 'dead', limit });
  }

  private pending(id: string): OutboxEntry | undefined {
    const entry = this.entries.get(id);
    return entry?.status === 'pending' ? entry : undefined;
  }

  private async write<T>(what: string, fn: () => T): Promise<T> {
    try {
      return await this.store.transaction(fn);
    } catch (cause) {
      throw new StorageError(`Could not ${what}: ${errorMessage(cause)}. Check the data folder.`, { cause });
    }
  }
}
