import { jetstream } from '@nats-io/jetstream';
import type { KV } from '@nats-io/kv';
import type { NatsConnection } from '@nats-io/transport-node';
import type { VersionedEntry, VersionedStore } from '../../cluster/versioned-store.ts';
import { openBucket } from './resources.ts';
import { BUDGET_BUCKET, CONVERSATIONS_BUCKET } from './subjects.ts';

/** JetStream's "wrong last sequence" codes: a compare-and-set lost against a newer revision. */
const WRONG_LAST_SEQUENCE = new Set([10071, 10164]);

/** Whether a KV write failed because another writer changed the key first. */
export function isCasConflict(error: unknown): boolean {
  return (
    typeof error === 'object' &&
    error !== null &&
    'code' in error &&
    typeof error.code === 'number' &&
    WRONG_LAST_SEQUENCE.has(error.code)
  );
}

/** A NATS KV bucket as a `VersionedStore`: the revision is the entry's stream sequence. */
export class NatsKvStore implements VersionedStore {
  constructor(private readonly kv: KV) {}

  async get(key: string): Promise<VersionedEntry | undefined> {
    const entry = await this.kv.get(key);
    if (!entry || entry.operation !== 'PUT') return undefined;
    return { value: entry.string(), revision: entry.revision };
  }

  async purge(key: string): Promise<void> {
    await this.kv.purge(key);
  }

  async put(key: string, value: string, expected: number | undefined): Promise<boolean> {
    try {
      // `create` also succeeds over a deleted or purged entry.
      if (expected === undefined) await this.kv.create(key, value);
      else await this.kv.update(key, value, expected);
      return true;
    } catch (error) {
      if (isCasConflict(error)) return false;
      throw error;
    }
  }
}

/**
 * The shared store of `ClusterBudget`: the `leadbot_budget` bucket (created when missing). Its TTL
 * only collects entries of keys nobody used for an hour; live usage is rewritten constantly.
 */
export async function openBudgetStore(
  nc: NatsConnection,
  options: { replicas?: number; ttlMs?: number } = {},
): Promise<NatsKvStore> {
  const { kv } = await openBucket(jetstream(nc), BUDGET_BUCKET, {
    ttlMs: options.ttlMs ?? 3_600_000,
    replicas: options.replicas ?? 1,
  });
  return new NatsKvStore(kv);
}

/**
 * The shared store of `ConversationReplica`: the `leadbot_conversations` bucket (created when
 * missing). `ttlMs` (the conversation retention; 0 = keep) drops conversations nobody wrote to
 * for that long. It holds conversation text: protect NATS like the data folder (TLS, auth,
 * JetStream encryption at rest).
 */
export async function openConversationStore(
  nc: NatsConnection,
  options: { replicas?: number; ttlMs?: number } = {},
): Promise<NatsKvStore> {
  const { kv } = await openBucket(jetstream(nc), CONVERSATIONS_BUCKET, {
    ttlMs: options.ttlMs ?? 0,
    replicas: options.replicas ?? 1,
  });
  return new NatsKvStore(kv);
}
