import type { TimerKind } from '../protocol/index.ts';

export type { TimerKind };

/** One scheduled timer of a conversation (one per conversation and kind). */
export interface TimerEntry {
  conversationId: string;
  tenantId: string;
  channel: string;
  userId: string;
  kind: TimerKind;
  dueAt: number;
  /** The user turn after which it was set (absent in entries written by older versions). */
  turn?: number;
}

/** Key of an ordered table: arrays compare element by element, numbers before strings. */
export type OrderedKey = string | number | (string | number)[];

/** One named table of a `TimerStore`, its entries kept in key order. */
export interface OrderedTable<V, K extends OrderedKey> {
  get(key: K): V | undefined;
  putSync(key: K, value: V): void;
  removeSync(key: K): boolean;
  /** Entries with `start <= key < end`, in key order (a bound may be a prefix of the key). */
  getRange(range: { start?: OrderedKey; end?: OrderedKey }): Iterable<{ key: K; value: V }>;
  /** Every key, in order. */
  getKeys(): Iterable<K>;
}

/**
 * Where durable timers are kept: an ordered key-value environment with synchronous write
 * transactions, so a timer survives a restart (`LmdbStore` in production).
 */
export interface TimerStore {
  /** The named table (created when missing). */
  database<V, K extends OrderedKey>(name: string): OrderedTable<V, K>;
  /** Runs `fn` in one synchronous write transaction and returns its result. */
  transactionSyncOf<T>(fn: () => T): T;
  /** Runs `fn` in a write transaction batched with the others of this moment (one commit). */
  transaction<T>(fn: () => T): Promise<T>;
}
