import { createHash } from 'node:crypto';
import { jetstream } from '@nats-io/jetstream';
import type { KV } from '@nats-io/kv';
import type { NatsConnection } from '@nats-io/transport-node';
import type { ConversationRecord, HistoryEntry, Store, TurnWrite } from '../../ports/store.ts';
import { LeadPayloadSchema, type LeadPayload } from '../../protocol/index.ts';
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

/**
 * Cluster mode: leads are written to this node's LMDB and to the shared `leadbot_leads` bucket, so any
 * node (a gateway's `/api/leads`, the worker that takes a conversation over) sees every lead. Reads
 * prefer the shared copy, the newer `updated_at` winning. Everything else is the local store.
 */
export class SharedLeadStore implements Store {
  constructor(
    private readonly local: Store,
    private readonly kv: KV,
  ) {}

  async putLead(lead: LeadPayload): Promise<void> {
    await this.local.putLead(lead);
    await this.kv.put(keyOf(lead.tenant_id, lead.lead_id), JSON.stringify(lead));
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
    const shared = entry && entry.operation === 'PUT' ? parse(entry.string()) : undefined;
    if (!shared) return local;
    if (!local || shared.updated_at >= local.updated_at) return shared;
    return local;
  }

  async listLeads(query: { tenantId?: string; limit?: number } = {}): Promise<LeadPayload[]> {
    const prefix = query.tenantId ? `${keyOf(query.tenantId, '').split('.')[0]}.>` : undefined;
    const leads: LeadPayload[] = [];
    for await (const key of await this.kv.keys(prefix)) {
      const entry = await this.kv.get(key);
      const lead = entry && entry.operation === 'PUT' ? parse(entry.string()) : undefined;
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

function parse(text: string): LeadPayload | undefined {
  try {
    const parsed = LeadPayloadSchema.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}
