import { createHash } from 'node:crypto';
import { jetstream } from '@nats-io/jetstream';
import type { KV } from '@nats-io/kv';
import type { NatsConnection } from '@nats-io/transport-node';
import type { AuditCheckpoint } from '../../ports/audit.ts';
import { openBucket } from './resources.ts';

/** KV bucket where every node publishes its audit chain head (history kept: the last 64 heads). */
export const AUDIT_HEADS_BUCKET = 'leadbot_audit_heads';

/** Node ids may hold any character; KV keys may not. */
export function auditHeadKey(nodeId: string): string {
  return `node.${createHash('sha256').update(nodeId).digest('hex').slice(0, 24)}`;
}

export async function openAuditHeads(nc: NatsConnection, replicas = 1): Promise<KV> {
  const { kv } = await openBucket(jetstream(nc), AUDIT_HEADS_BUCKET, { ttlMs: 0, history: 64, replicas });
  return kv;
}

/** Every head this node published that NATS still holds, oldest first. */
export async function publishedHeads(kv: KV, nodeId: string): Promise<AuditCheckpoint[]> {
  const heads: AuditCheckpoint[] = [];
  const iterator = await kv.history({ key: auditHeadKey(nodeId) });
  for await (const entry of iterator) {
    if (entry.operation !== 'PUT') continue;
    try {
      heads.push(JSON.parse(entry.string()) as AuditCheckpoint);
    } catch {
      // not a head: ignored
    }
  }
  return heads;
}
