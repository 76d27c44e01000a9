import type { KV, KvWatchEntry } from '@nats-io/kv';
import { z } from 'zod';
import type { Clock } from '../../ports/clock.ts';

/** What leases log through (a pino logger fits). */
export interface ClusterLogger {
  debug(obj: object, msg: string): void;
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

/** What the lease keeper asks of the worker that uses the partitions. */
export interface PartitionLeaseHooks {
  /** This node now owns `partition` under `fence`: start consuming it. Rejecting gives the lease back. */
  acquired(partition: number, fence: number): Promise<void>;
  /** Hand `partition` over: stop taking its messages and resolve once the ones held are handled. */
  releasing(partition: number): Promise<void>;
  /** The lease ran out or another node holds it now: stop at once and drop what is queued. */
  lost(partition: number, reason: 'expired' | 'taken'): void;
}

export interface PartitionLeasesOptions {
  /** The `leadbot_owners` bucket; its TTL (max age) is the lease time. */
  kv: KV;
  partitions: number;
  nodeId: string;
  /** Unique per process run: a restarted node with the same id never mistakes old leases for its own. */
  instance: string;
  /** Lease time: the bucket's TTL. */
  ttlMs: number;
  /** Renewal and balancing period (a third of the TTL fits). */
  renewEveryMs: number;
  hooks: PartitionLeaseHooks;
  log: ClusterLogger;
  clock: Clock;
}

export const LeaseValueSchema = z.object({ nodeId: z.string(), instance: z.string(), fence: z.number() });
export const WorkerValueSchema = z.object({ nodeId: z.string(), instance: z.string() });

export interface Owned {
  /** The entry's latest revision (each renewal makes a new one). */
  revision: number;
  /** The revision that created this ownership: the fencing token, constant until it ends. */
  readonly fence: number;
  /** Local deadline: the server forgets the entry no earlier than this. */
  validUntil: number;
  state: 'active' | 'releasing';
  expiry: NodeJS.Timeout | undefined;
  renewing: boolean;
}

export function parseJson(entry: KvWatchEntry | { string(): string }): unknown {
  try {
    return JSON.parse(entry.string()) as unknown;
  } catch {
    return undefined;
  }
}
