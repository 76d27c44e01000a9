import { createHash } from 'node:crypto';
import { jetstream } from '@nats-io/jetstream';
import type { KV } from '@nats-io/kv';
import type { NatsConnection } from '@nats-io/transport-node';
import { z } from 'zod';
import type { ClaimCheck, ClaimedEntry, DeliveryClaims } from '../../ports/delivery-claims.ts';
import { isCasConflict } from './kv-store.ts';
import { openBucket } from './resources.ts';

export const OUTBOX_BUCKET = 'leadbot_outbox';
/** Delivered records must outlive every retry of an entry (`crm.retryForMs`, 1 day by default). */
const KEEP_MS = 7 * 24 * 3_600_000;

const ClaimSchema = z.object({
  instance: z.string(),
  nodeId: z.string(),
  at: z.number(),
  entry: z.object({
    id: z.string(),
    tenantId: z.string(),
    kind: z.enum(['crm.lead', 'support.ticket', 'alert.slack', 'alert.teams', 'alert.slack_app']),
    payload: z.unknown(),
    orderKey: z.string().optional(),
  }),
});
type Claim = z.infer<typeof ClaimSchema>;

export interface NatsDeliveryClaimsOptions {
  kv: KV;
  nodeId: string;
  /** This process run (the bus's instance): a restarted node is another holder. */
  instance: string;
  /** The partition of a conversation, as the bus computes it. */
  partitionOf: (conversationId: string) => number;
}

const hash = (id: string) => createHash('sha256').update(id).digest('hex').slice(0, 40);

/** Opens (creating when missing) the bucket of shared delivery records. */
export async function openOutboxBucket(nc: NatsConnection, replicas = 1): Promise<KV> {
  const { kv } = await openBucket(jetstream(nc), OUTBOX_BUCKET, { ttlMs: KEEP_MS, replicas });
  return kv;
}

/**
 * `DeliveryClaims` in NATS KV (`leadbot_outbox`). `p<partition>.<hash>` holds an undelivered
 * entry with the instance that holds it (created once: the first node to queue an id holds it;
 * a takeover moves it with compare-and-set); `d.<hash>` says it was delivered. Keys are hashes of
 * the idempotency keys, grouped by the conversation's partition so a new owner finds them.
 */
export class NatsDeliveryClaims implements DeliveryClaims {
  constructor(private readonly options: NatsDeliveryClaimsOptions) {}

  private pendingKey(entry: ClaimedEntry): string {
    const conversationId = conversationOf(entry);
    const partition = conversationId === undefined ? 'x' : this.options.partitionOf(conversationId);
    return `p${partition}.${hash(entry.id)}`;
  }

  private claim(entry: ClaimedEntry): string {
    const { instance, nodeId } = this.options;
    const { id, tenantId, kind, payload, orderKey } = entry;
    const copy = { id, tenantId, kind, payload, ...(orderKey === undefined ? {} : { orderKey }) };
    return JSON.stringify({ instance, nodeId, at: Date.now(), entry: copy } satisfies Claim);
  }

  async queued(entry: ClaimedEntry): Promise<void> {
    try {
      await this.options.kv.create(this.pendingKey(entry), this.claim(entry));
    } catch (error) {
      // Another node queued it first: it holds it.
      if (!isCasConflict(error)) throw error;
    }
  }

  async check(entry: ClaimedEntry): Promise<ClaimCheck> {
    const { kv, instance } = this.options;
    const done = await kv.get(`d.${hash(entry.id)}`);
    if (done && done.operation === 'PUT') return 'delivered';
    const held = await kv.get(this.pendingKey(entry));
    const claim = held && held.operation === 'PUT' ? parse(held.string()) : undefined;
    return claim && claim.instance !== instance ? 'elsewhere' : 'send';
  }

  async delivered(entry: ClaimedEntry): Promise<void> {
    const { kv, nodeId } = this.options;
    await kv.put(`d.${hash(entry.id)}`, JSON.stringify({ nodeId, at: Date.now() }));
    await kv.delete(this.pendingKey(entry));
  }

  async adopt(partition: number): Promise<ClaimedEntry[]> {
    const { kv, instance } = this.options;
    const adopted: { at: number; entry: ClaimedEntry }[] = [];
    for await (const key of await kv.keys(`p${partition}.>`)) {
      const held = await kv.get(key);
      const claim = held && held.operation === 'PUT' ? parse(held.string()) : undefined;
      if (!held || !claim || claim.instance === instance) continue;
      const mine = JSON.stringify({ ...claim, instance, nodeId: this.options.nodeId });
      try {
        await kv.update(key, mine, held.revision);
      } catch (error) {
        if (isCasConflict(error)) continue;
        throw error;
      }
      adopted.push({ at: claim.at, entry: claim.entry as ClaimedEntry });
    }
    return adopted.sort((a, b) => a.at - b.at).map((a) => a.entry);
  }

  async forget(conversationId: string): Promise<number> {
    const { kv } = this.options;
    let purged = 0;
    for await (const key of await kv.keys(`p${this.options.partitionOf(conversationId)}.>`)) {
      const held = await kv.get(key);
      const claim = held && held.operation === 'PUT' ? parse(held.string()) : undefined;
      if (!claim || conversationOf(claim.entry as ClaimedEntry) !== conversationId) continue;
      await kv.purge(key);
      purged++;
    }
    return purged;
  }
}

function conversationOf(entry: ClaimedEntry): string | undefined {
  const payload = entry.payload as { conversation_id?: unknown } | null;
  return typeof payload?.conversation_id === 'string' ? payload.conversation_id : undefined;
}

function parse(text: string): Claim | undefined {
  try {
    const parsed = ClaimSchema.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}
