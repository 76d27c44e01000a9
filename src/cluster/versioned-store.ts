import { randomInt } from 'node:crypto';

/** One value with the revision it was written at. */
export interface VersionedEntry {
  value: string;
  revision: number;
}

/**
 * A key-value store with compare-and-set on revisions (NATS KV in a cluster; `MemoryVersionedStore`
 * in tests). The cluster's shared counters live here.
 */
export interface VersionedStore {
  /** The live value, or undefined when absent or deleted. */
  get(key: string): Promise<VersionedEntry | undefined>;
  /**
   * Writes `value` only if the key is still at `expected` (undefined: absent or deleted). Resolves
   * false when another writer got there first; rejects on other failures.
   */
  put(key: string, value: string, expected: number | undefined): Promise<boolean>;
  /** Removes the key and its history (privacy erasure). */
  purge(key: string): Promise<void>;
}

/** What a read-modify-write step decides: write `write` and return `result`, or write nothing. */
export type CasStep<T, R> = { write: T; result: R } | { skip: R };

/** Contention did not let a compare-and-set through within its attempts. */
export class CasContentionError extends Error {
  constructor(key: string, attempts: number) {
    super(`the shared key ${key} changed under us ${attempts} times in a row; giving up this update`);
    this.name = 'CasContentionError';
  }
}

/**
 * Read-modify-write of one entry with compare-and-set: `step` sees the current value (undefined
 * when absent, deleted or unreadable) and decides; a write that lost against another node retries
 * with the fresh value after a short random pause, up to `attempts` times.
 */
export async function casUpdate<T, R>(
  store: VersionedStore,
  key: string,
  parse: (value: string) => T | undefined,
  step: (current: T | undefined) => CasStep<T, R>,
  attempts = 50,
): Promise<R> {
  for (let attempt = 1; attempt <= attempts; attempt++) {
    const entry = await store.get(key);
    const decision = step(entry ? parse(entry.value) : undefined);
    if ('skip' in decision) return decision.skip;
    if (await store.put(key, JSON.stringify(decision.write), entry?.revision)) return decision.result;
    // Spread the retries of racing nodes a little.
    await new Promise((resolve) => setTimeout(resolve, randomInt(0, 2 + Math.min(attempt, 10))));
  }
  throw new CasContentionError(key, attempts);
}

/** In-memory `VersionedStore` (one process; tests and single-node use). */
export class MemoryVersionedStore implements VersionedStore {
  private readonly entries = new Map<string, VersionedEntry>();
  private revision = 0;

  get(key: string): Promise<VersionedEntry | undefined> {
    const entry = this.entries.get(key);
    return Promise.resolve(entry ? { ...entry } : undefined);
  }

  purge(key: string): Promise<void> {
    this.entries.delete(key);
    return Promise.resolve();
  }

  put(key: string, value: string, expected: number | undefined): Promise<boolean> {
    if (this.entries.get(key)?.revision !== expected) return Promise.resolve(false);
    this.entries.set(key, { value, revision: ++this.revision });
    return Promise.resolve(true);
  }
}
