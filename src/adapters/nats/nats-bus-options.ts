import type { NatsConnection } from '@nats-io/transport-node';
import type { Clock } from '../../ports/clock.ts';
import type { InboundMessage } from '../../protocol/index.ts';
import type { LinkStatus } from './connection.ts';
import type { ClusterLogger } from './partition-leases.ts';

export interface NatsBusOptions {
  nc: NatsConnection;
  nodeId: string;
  log: ClusterLogger;
  /** Turns running at once on this node. */
  concurrency: number;
  /** Partitions of the inbound stream; every node must agree (default 16). */
  partitions?: number;
  /** Burst window, as the in-process bus (0 = off). */
  coalesceMs?: number;
  /** Messages a partition delivers to its owner before acks (default 64). */
  maxAckPending?: number;
  /** JetStream redelivers a message not acked (nor marked in progress) within this long (default 60 s). */
  ackWaitMs?: number;
  /** Deliveries of one message before JetStream stops trying (default 100). */
  maxDeliver?: number;
  /** Partition lease time: how long a dead node's partitions wait for a new owner (default 10 s). */
  leaseTtlMs?: number;
  /** Lease renewal and balancing period (default a third of the lease time). */
  renewEveryMs?: number;
  /**
   * How often the other workers' connections are probed (default 500 ms): a dead worker's
   * partitions move about a second after its death instead of after the lease time.
   */
  probeEveryMs?: number;
  /** Longest wait for JetStream to acknowledge a publish (default 5 s). */
  publishTimeoutMs?: number;
  /** Inbound messages no worker took within this long are dropped (default 7 days). */
  streamMaxAgeMs?: number;
  /** Stream and bucket replicas in a NATS cluster (default 1). */
  replicas?: number;
  /** Called when a handler rejects (it should not; this is the last net). */
  onHandlerError: (error: unknown, message: InboundMessage) => void;
  /** Close `nc` on `close()` (when the bus made the connection). */
  ownsConnection?: boolean;
  clock?: Clock;
}

/** Cluster figures for `/health` and the metrics stream. */
export interface NatsBusClusterStats {
  node_id: string;
  link: LinkStatus;
  partitions: number;
  owned_partitions: number[];
  live_workers: number;
  handled: number;
  redelivered: number;
  publish_refused: number;
}
