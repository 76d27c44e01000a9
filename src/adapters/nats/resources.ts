import {
  DiscardPolicy,
  RetentionPolicy,
  StorageType,
  type JetStreamClient,
  type JetStreamManager,
} from '@nats-io/jetstream';
import { Kvm, type KV } from '@nats-io/kv';
import { nanos } from '@nats-io/transport-node';
import { ConfigError, errorMessage } from '../../errors.ts';
import { INBOUND_PREFIX, INBOUND_STREAM } from './subjects.ts';

export interface InboundStreamOptions {
  partitions: number;
  /** Messages no worker took within this long are dropped (default 7 days). */
  maxAgeMs: number;
  /** Republished copies of a message within this window are dropped by JetStream (default 2 min). */
  duplicateWindowMs: number;
  /** Stream replicas in a NATS cluster (1, 3 or 5). */
  replicas: number;
}

const DESCRIPTION = (partitions: number) => `leadbot inbound messages; partitions=${partitions}`;

/**
 * Creates the inbound stream if it is missing: a work queue (a message leaves once a worker acked
 * it) on `leadbot.in.*`, file storage. Every node must use the same partition count: a node
 * configured differently from the stream refuses to start.
 */
export async function ensureInboundStream(
  jsm: JetStreamManager,
  options: InboundStreamOptions,
): Promise<void> {
  const existing = await jsm.streams.info(INBOUND_STREAM).catch(() => undefined);
  const info =
    existing ??
    (await jsm.streams
      .add({
        name: INBOUND_STREAM,
        description: DESCRIPTION(options.partitions),
        subjects: [`${INBOUND_PREFIX}.*`],
        retention: RetentionPolicy.Workqueue,
        storage: StorageType.File,
        discard: DiscardPolicy.New,
        max_age: nanos(options.maxAgeMs),
        duplicate_window: nanos(options.duplicateWindowMs),
        num_replicas: options.replicas,
      })
      // Another node created it at the same moment: read theirs.
      .catch(async (error: unknown) => {
        const raced = await jsm.streams.info(INBOUND_STREAM).catch(() => undefined);
        if (raced) return raced;
        throw new ConfigError(
          `Cannot create the JetStream stream ${INBOUND_STREAM} (${errorMessage(error)}). Is nats-server running with -js?`,
          { cause: error },
        );
      }));
  const match = /partitions=(\d+)/.exec(info.config.description ?? '');
  if (match && Number(match[1]) !== options.partitions) {
    throw new ConfigError(
      `The ${INBOUND_STREAM} stream was created with ${match[1]} partitions but this node is set to ${options.partitions}. Use the same partition count on every node.`,
    );
  }
}

/**
 * Opens (or creates) a KV bucket with the given TTL. When it exists with another TTL, the bucket's
 * own wins (the server enforces it): the effective TTL is returned.
 */
export async function openBucket(
  js: JetStreamClient,
  name: string,
  options: { ttlMs: number; history?: number; replicas: number },
): Promise<{ kv: KV; ttlMs: number }> {
  const kvm = new Kvm(js);
  let kv: KV;
  try {
    kv = await kvm.create(name, {
      ttl: options.ttlMs,
      history: options.history ?? 1,
      storage: StorageType.File,
      replicas: options.replicas,
    });
  } catch (error) {
    // It exists with other settings: use it as it is.
    kv = await kvm.open(name);
    await kv.status().catch((cause: unknown) => {
      throw new ConfigError(`Cannot create or open the NATS KV bucket ${name} (${errorMessage(error)}).`, {
        cause,
      });
    });
  }
  const status = await kv.status();
  return { kv, ttlMs: status.ttl };
}
