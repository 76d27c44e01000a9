import type { NatsConnection } from '@nats-io/transport-node';
import type { MetricsLink } from '../../cluster/metrics-publisher.ts';
import type { InboundMessage } from '../../protocol/index.ts';
import { connectNats } from './connection.ts';
import { openBudgetStore, openConversationStore, type NatsKvStore } from './kv-store.ts';
import { natsMetricsLink } from './metrics-link.ts';
import { NatsBus } from './nats-bus.ts';
import type { ClusterLogger } from './partition-leases.ts';

export interface NatsClusterOptions {
  /** `LEADBOT_NATS_URL`: one or more server URLs, comma-separated. */
  url: string;
  nodeId: string;
  log: ClusterLogger;
  /** Turns running at once on this node. */
  concurrency: number;
  coalesceMs?: number;
  partitions?: number;
  leaseTtlMs?: number;
  ackWaitMs?: number;
  /** Stream and bucket replicas (3 in a 3-server NATS cluster). */
  replicas?: number;
  /** Conversations nobody wrote to for this long leave the replica (0 = keep). */
  conversationTtlMs?: number;
  onHandlerError: (error: unknown, message: InboundMessage) => void;
}

/** Everything a node uses on NATS, on one connection. */
export interface NatsCluster {
  nc: NatsConnection;
  bus: NatsBus;
  /** For `ClusterBudget`. */
  budgetStore: NatsKvStore;
  /** For `ConversationReplica`. */
  conversationStore: NatsKvStore;
  metricsLink: MetricsLink;
  /** Closes the bus (drains it first), then the connection. */
  close(): Promise<void>;
}

/** Connects to NATS and opens the bus, the shared buckets and the metrics link of one node. */
export async function startNatsCluster(options: NatsClusterOptions): Promise<NatsCluster> {
  const nc = await connectNats({ url: options.url, name: `leadbot ${options.nodeId}` });
  try {
    const replicas = options.replicas ?? 1;
    const bus = await NatsBus.create({
      nc,
      nodeId: options.nodeId,
      log: options.log,
      concurrency: options.concurrency,
      onHandlerError: options.onHandlerError,
      replicas,
      ...(options.coalesceMs !== undefined ? { coalesceMs: options.coalesceMs } : {}),
      ...(options.partitions !== undefined ? { partitions: options.partitions } : {}),
      ...(options.leaseTtlMs !== undefined ? { leaseTtlMs: options.leaseTtlMs } : {}),
      ...(options.ackWaitMs !== undefined ? { ackWaitMs: options.ackWaitMs } : {}),
    });
    const budgetStore = await openBudgetStore(nc, { replicas });
    const conversationStore = await openConversationStore(nc, {
      replicas,
      ttlMs: options.conversationTtlMs ?? 0,
    });
    return {
      nc,
      bus,
      budgetStore,
      conversationStore,
      metricsLink: natsMetricsLink(nc, options.nodeId),
      async close() {
        await bus.close();
        if (!nc.isClosed()) await nc.drain();
      },
    };
  } catch (error) {
    await nc.close();
    throw error;
  }
}
