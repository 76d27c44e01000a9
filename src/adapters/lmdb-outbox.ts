import type { Database } from 'lmdb';
import { StorageError, errorMessage } from '../errors.ts';
import type { Clock } from '../ports/clock.ts';
import type { Outbox, OutboxEntry, OutboxKind } from '../ports/outbox.ts';
import type { LmdbStore } from './lmdb-store.ts';

/** Secondary index key: pending entries ordered by when they are due, then by id. */
type DueKey = [number, string];

/** Constructor dependencies of {@link LmdbOutbox}. */
export interface LmdbOutboxOptions {
  store: LmdbStore;
  clock: Clock;
  /** Names of the three databases (`<name>`, `<name>_due`, `<name>_dead`); default `outbox`. */
  name?: string;
}

/**
 * The durable {@link Outbox} in the shared LMDB environment.
 *
 * Three named databases: `outbox` (id → entry, every entry ever enqueued: delivered and dead
 * entries are kept, so an id is never sent twice and a dead letter can be re-driven),
 * `outbox_due` (`[nextAttemptAt, id]` → true for pending entries only, so {@link due} is a range
 * scan) and `outbox_dead` (id → true, so dead letters can be listed and counted cheaply). Every
 * change to an entry and its index rows happens in one write transaction.
 */
export class LmdbOutbox implements Outbox {
  private readonly store: LmdbStore;
  private readonly clock: Clock;
  private readonly entries: Database<OutboxEntry, string>;
  private readonly dueIndex: Database<true, DueKey>;
  private readonly deadIndex: Database<true, string>;

  constructor(options: LmdbOutboxOptions) {
    this.store = options.store;
    this.clock = options.clock;
    const name = options.name ?? 'outbox';
    this.entries = options.store.database<OutboxEntry, string>(name);
    this.dueIndex = options.store.database<true, DueKey>(`${name}_due`);
    this.deadIndex = options.store.database<true, string>(`${name}_dead`);
  }

  /** Idempotent on `id`: an id already stored (whatever its status) is returned untouched. */
  async enqueue(input: {
    id: string;
    tenantId: string;
    kind: OutboxKind;
    payload: unknown;
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
        status: 'pending',
        attempts: 0,
        createdAt: now,
        nextAttemptAt: now,
      };
      void this.entries.put(entry.id, entry);
      void this.dueIndex.put([entry.nextAttemptAt, entry.id], true);
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
      void this.dueIndex.remove([entry.nextAttemptAt, id]);
      const next: OutboxEntry = {
        ...entry,
        status: 'delivered',
        attempts: entry.attempts + 1,
        deliveredAt: at,
      };
      void this.entries.put(id, next);
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
      void this.dueIndex.remove([entry.nextAttemptAt, id]);
      const attempts = entry.attempts + 1;
      let next: OutboxEntry;
      if (nextAttemptAt === null) {
        next = { ...entry, status: 'dead', attempts, lastError: error };
        void this.deadIndex.put(id, true);
      } else {
        next = { ...entry, attempts, lastError: error, nextAttemptAt };
        void this.dueIndex.put([nextAttemptAt, id], true);
      }
      void this.entries.put(id, next);
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
      void this.deadIndex.remove(id);
      void this.dueIndex.put([next.nextAttemptAt, id], true);
      void this.entries.put(id, next);
      return next;
    });
  }

  /** Dead letters, for an operator to inspect and re-drive (ids in key order). */
  deadLetters(limit = 100): Promise<OutboxEntry[]> {
    const out: OutboxEntry[] = [];
    for (const id of this.deadIndex.getKeys({ limit })) {
      const entry = this.entries.get(id);
      if (entry) out.push(entry);
    }
    return Promise.resolve(out);
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
