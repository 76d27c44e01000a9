import { createHash } from 'node:crypto';
import { jetstream } from '@nats-io/jetstream';
import type { KV } from '@nats-io/kv';
import type { NatsConnection } from '@nats-io/transport-node';
import { StaleOwnerError } from '../../cluster/conversation-replica.ts';
import type { ConversationRecord, HistoryEntry, Store, TurnWrite } from '../../ports/store.ts';
import { LeadPayloadSchema, leadContentChanged, type LeadPayload } from '../../protocol/index.ts';
import { casUpdate } from '../../cluster/versioned-store.ts';
import { NatsKvStore } from './kv-store.ts';
import { openBucket } from './resources.ts';

export const LEADS_BUCKET = 'leadbot_leads';

/** KV keys allow `[-/_=.a-zA-Z0-9]`: tenant and lead id are hashed (ids may hold anything). */
function keyOf(tenantId: string, leadId: string): string {
  const tenant = createHash('sha256').update(tenantId).digest('hex').slice(0, 16);
  const lead = createHash('sha256').update(leadId).digest('hex').slice(0, 32);
  return `${tenant}.${lead}`;
}

/** Opens (creating when missing) the cluster's lead bucket. */
export async function openLeadBucket(nc: NatsConnection, replicas = 1): Promise<KV> {
  const { kv } = await openBucket(jetstream(nc), LEADS_BUCKET, { ttlMs: 0, replicas });
  return kv;
}

/** A shared lead with the fence its owner wrote it under (older entries are a bare lead: fence 0). */
interface SharedLead {
  fence: number;
  lead: LeadPayload;
}

/**
 * Cluster mode: leads are written to the shared `leadbot_leads` bucket and to this node's LMDB, so
 * any node (a gateway's `/api/leads`, the worker that takes a conversation over) sees every lead.
 * Reads prefer the shared copy, the newer `updated_at` winning. Everything else is the local store.
 *
 * With `fence` (a worker), writes are fenced like conversation writes: the owner writes under its
 * partition fence and a write under a lower one is refused (`StaleOwnerError`), so a paused worker
 * that comes back cannot overwrite what the new owner wrote. A node that does not own the
 * conversation may only confirm a delivery (status `delivered`, same content: the outbox). An owner's
 * write of unchanged content does not move a delivered lead back to `complete`.
 */
export class SharedLeadStore implements Store {
  constructor(
    private readonly local: Store,
    private readonly kv: KV,
    private readonly fence?: (conversationId: string) => number | undefined,
  ) {
    this.shared = new NatsKvStore(kv);
  }

  /** The same bucket with compare-and-set, for fenced writes. */
  private readonly shared: NatsKvStore;

  async putLead(lead: LeadPayload): Promise<void> {
    const stored = await casUpdate(
      this.shared,
      keyOf(lead.tenant_id, lead.lead_id),
      parseShared,
      (current) => {
        const next = this.decide(lead, current);
        return { write: next, result: next.lead };
      },
    );
    await this.local.putLead(stored);
  }

  /** What a write of `lead` stores over `current`, or a refusal for a stale owner. */
  private decide(lead: LeadPayload, current: SharedLead | undefined): SharedLead {
    if (!this.fence) return { fence: current?.fence ?? 0, lead };
    const fence = this.fence(lead.conversation_id);
    if (fence === undefined) {
      const confirms = current && lead.status === 'delivered' && !leadContentChanged(current.lead, lead);
      if (!confirms) throw new StaleOwnerError(lead.conversation_id, undefined);
      return { fence: current.fence, lead };
    }
    if (current && current.fence > fence)
      throw new StaleOwnerError(lead.conversation_id, fence, current.fence);
    const stays = current?.lead.status === 'delivered' && lead.status === 'complete';
    const kept = stays && !leadContentChanged(current.lead, lead);
    return { fence, lead: kept ? { ...lead, status: 'delivered' } : lead };
  }

  /** Privacy erasure: the shared copy of a lead goes, history and all. */
  async removeLead(tenantId: string, leadId: string): Promise<void> {
    await this.kv.purge(keyOf(tenantId, leadId));
  }

  async getLead(tenantId: string, leadId: string): Promise<LeadPayload | undefined> {
    const [local, entry] = await Promise.all([
      this.local.getLead(tenantId, leadId),
      this.kv.get(keyOf(tenantId, leadId)),
    ]);
    const shared = entry && entry.operation === 'PUT' ? parseShared(entry.string())?.lead : undefined;
    if (!shared) return local;
    if (!local || shared.updated_at >= local.updated_at) return shared;
    return local;
  }

  async listLeads(query: { tenantId?: string; limit?: number } = {}): Promise<LeadPayload[]> {
    const prefix = query.tenantId ? `${keyOf(query.tenantId, '').split('.')[0]}.>` : undefined;
    const leads: LeadPayload[] = [];
    for await (const key of await this.kv.keys(prefix)) {
      const entry = await this.kv.get(key);
      const lead = entry && entry.operation === 'PUT' ? parseShared(entry.string())?.lead : undefined;
      if (lead && (!query.tenantId || lead.tenant_id === query.tenantId)) leads.push(lead);
    }
    leads.sort((a, b) => a.created_at.localeCompare(b.created_at) || a.lead_id.localeCompare(b.lead_id));
    return leads.slice(0, query.limit ?? leads.length);
  }

  getConversation(conversationId: string): Promise<ConversationRecord | undefined> {
    return this.local.getConversation(conversationId);
  }
  saveTurn(write: TurnWrite): Promise<void> {
    return this.local.saveTurn(write);
  }
  getHistory(conversationId: string, limit: number): Promise<HistoryEntry[]> {
    return this.local.getHistory(conversationId, limit);
  }
  async stats(): Promise<{ conversations: number; leads: number }> {
    const local = await this.local.stats();
    const status = await this.kv.status();
    return { conversations: local.conversations, leads: status.values };
  }
  purgeConversationsBefore(cutoff: number): Promise<number> {
    return this.local.purgeConversationsBefore(cutoff);
  }
  close(): Promise<void> {
    return this.local.close();
  }
}

function parseShared(text: string): SharedLead | undefined {
  try {
    const value = JSON.parse(text) as { fence?: unknown; lead?: unknown };
    const fenced = typeof value.fence === 'number' && value.lead !== undefined;
    const parsed = LeadPayloadSchema.safeParse(fenced ? value.lead : value);
    return parsed.success ? { fence: fenced ? (value.fence as number) : 0, lead: parsed.data } : undefined;
  } catch {
    return undefined;
  }
}
