/**
 * Names on NATS: subjects, the stream, KV buckets and keys. One place, so a gateway, a worker and
 * the ops CLI always agree.
 */

/** JetStream stream holding inbound messages until a worker acknowledged them. */
export const INBOUND_STREAM = 'LEADBOT_IN';
/** Inbound subjects: `leadbot.in.<partition>`. */
export const INBOUND_PREFIX = 'leadbot.in';
/** Outbound events: `leadbot.out.<tenant>.<channel>` (core NATS). */
export const OUTBOUND_PREFIX = 'leadbot.out';
/** Node metrics: `leadbot.metrics.<node>`. */
export const METRICS_PREFIX = 'leadbot.metrics';
/** A request on this subject makes every node publish its metrics at once (snapshots, `--watch` start). */
export const METRICS_PING = 'leadbot.metrics-ping';
/** KV bucket of partition leases (`partition.<n>`) and worker heartbeats (`worker.<instance>`). */
export const OWNERS_BUCKET = 'leadbot_owners';
/** KV bucket of the cluster-wide LLM key budgets. */
export const BUDGET_BUCKET = 'leadbot_budget';
/** KV bucket of conversation snapshots and recent history, written under the owner's fence. */
export const CONVERSATIONS_BUCKET = 'leadbot_conversations';

/** Partition count when none is configured. */
export const DEFAULT_PARTITIONS = 16;

/**
 * Stable partition of a conversation: FNV-1a (32 bit) of its id, modulo the partition count. Every
 * node computes the same value, so one conversation's messages always share one subject.
 */
export function partitionOf(conversationId: string, partitions: number): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < conversationId.length; i++) {
    hash ^= conversationId.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash % partitions;
}

export function inboundSubject(partition: number): string {
  return `${INBOUND_PREFIX}.${partition}`;
}

/**
 * One subject token from any string: NATS tokens may not hold `.`, `*`, `>` or whitespace, and KV
 * keys allow only `[-/_=.A-Za-z0-9]`. Other characters become `_` followed by their hex code, so two
 * different inputs stay different.
 */
export function token(value: string): string {
  if (value === '') return '_';
  return value.replace(/[^A-Za-z0-9-]/g, (c) => `_${c.charCodeAt(0).toString(16)}`);
}

export function outboundSubject(tenantId: string, channel: string): string {
  return `${OUTBOUND_PREFIX}.${token(tenantId)}.${token(channel)}`;
}

export function metricsSubject(nodeId: string): string {
  return `${METRICS_PREFIX}.${token(nodeId)}`;
}

export function partitionKey(partition: number): string {
  return `partition.${partition}`;
}

export function workerKey(instance: string): string {
  return `worker.${token(instance)}`;
}

/** Liveness probes of one worker process: `leadbot.alive.<instance>`, answered on its own connection. */
export function aliveSubject(instance: string): string {
  return `leadbot.alive.${token(instance)}`;
}

/** The durable consumer of a partition for one ownership period (the fence makes it unique). */
export function consumerName(partition: number, fence: number): string {
  return `leadbot-p${partition}-f${fence}`;
}
