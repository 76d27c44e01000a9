import type { CrmResult, LeadRef } from '../../skills/tool.ts';
import { errorMessage } from '../errors.ts';
import type { Logger } from '../logger.ts';
import type { ClaimedEntry, DeliveryClaims } from '../ports/delivery-claims.ts';
import type { Outbox, OutboxEntry, OutboxKind } from '../ports/outbox.ts';
import type { Store } from '../ports/store.ts';
import { leadContentChanged, type LeadPayload } from '../protocol/index.ts';

export interface LeadDeliveryOptions {
  store: Store;
  log: Logger;
  /** Absent when no CRM webhook is configured: leads are stored and listed, not pushed. */
  outbox?: Outbox;
  /** Wakes the dispatcher after an enqueue. */
  notify?: () => void;
  reference: (lead: Pick<LeadPayload, 'tenant_id' | 'lead_id'>) => string;
  /** Where `recover` looks for stored-but-unqueued leads (default: `store`). */
  recoverFrom?: Store;
  /** Cluster mode: the shared record of who holds and who delivered each entry. */
  claims?: DeliveryClaims;
}

/**
 * Where leads go: committed to the store first, then (when a CRM webhook is configured) queued in the
 * durable outbox with an idempotency key, so each lead or ticket is pushed exactly once downstream.
 */
export class LeadDelivery {
  constructor(private readonly options: LeadDeliveryOptions) {}

  private kindOf(lead: LeadPayload): OutboxKind | undefined {
    if (lead.qualification === 'spam') return undefined;
    // A partial lead goes downstream only when the team can reach the person (a name and a way to
    // contact them: someone who would rather be called than written to).
    if (lead.status === 'partial' && !reachable(lead)) return undefined;
    return lead.qualification === 'support' ? 'support.ticket' : 'crm.lead';
  }

  /**
   * Stores the lead durably, then queues it downstream when it is complete and not spam. A lead that
   * was already complete and changed since (a corrected email…) is queued again as an update.
   */
  async deliver(lead: LeadPayload, previous?: LeadPayload): Promise<CrmResult> {
    await this.options.store.putLead(lead);
    const kind = this.kindOf(lead);
    if (!kind || !this.options.outbox) return { status: 'stored', reference: this.options.reference(lead) };
    const update = previous && this.kindOf(previous) !== undefined && leadContentChanged(previous, lead);
    return this.enqueue(kind, lead, undefined, update ? `:update:${lead.updated_at}` : '');
  }

  private async enqueue(
    kind: OutboxKind,
    lead: LeadPayload,
    extra?: Record<string, unknown>,
    version = '',
  ): Promise<CrmResult> {
    const outbox = this.options.outbox!;
    const { enqueued, entry } = await outbox.enqueue({
      id: `${kind}:${lead.tenant_id}:${lead.lead_id}${version}`,
      tenantId: lead.tenant_id,
      kind,
      payload: { ...lead, ...extra },
      // A conversation's lead and its later corrections reach the CRM in order.
      orderKey: `${lead.tenant_id}:${lead.conversation_id}`,
    });
    if (enqueued) await this.claim(entry);
    if (enqueued) this.options.notify?.();
    return { status: enqueued ? 'queued' : 'already_queued', reference: this.options.reference(lead) };
  }

  /** Tells the cluster this node holds the entry; if that fails, the dispatcher still sends it. */
  private async claim(entry: ClaimedEntry): Promise<void> {
    try {
      await this.options.claims?.queued(entry);
    } catch (error) {
      this.options.log.warn({ outboxId: entry.id, err: errorMessage(error) }, 'delivery claim not recorded');
    }
  }

  /**
   * Cluster mode, on taking a partition over: the entries other nodes held for its conversations
   * (a dead worker's undelivered leads) are queued here. Returns how many were new here.
   */
  async adopt(partition: number): Promise<number> {
    if (!this.options.outbox || !this.options.claims) return 0;
    let queued = 0;
    for (const entry of await this.options.claims.adopt(partition)) {
      const { enqueued } = await this.options.outbox.enqueue(entry);
      if (enqueued) queued++;
    }
    if (queued > 0) {
      this.options.log.info({ partition, queued }, 'queued the undelivered leads another node held');
      this.options.notify?.();
    }
    return queued;
  }

  /** `push_lead_to_crm`: the conversation's stored lead, pushed once. */
  async pushLead(ref: LeadRef): Promise<CrmResult> {
    const lead = ref.leadId ? await this.options.store.getLead(ref.tenantId, ref.leadId) : undefined;
    if (!lead || lead.status === 'partial') return { status: 'incomplete' };
    if (!this.options.outbox || lead.qualification === 'spam')
      return { status: 'stored', reference: this.options.reference(lead) };
    return this.enqueue('crm.lead', lead);
  }

  /** `create_support_ticket`: a ticket for the conversation's lead, opened once. */
  async createTicket(
    ref: LeadRef,
    ticket: { summary: string; urgency: 'Alto' | 'Medio' | 'Bajo' },
  ): Promise<CrmResult> {
    const lead = ref.leadId ? await this.options.store.getLead(ref.tenantId, ref.leadId) : undefined;
    if (!lead) return { status: 'incomplete' };
    if (!this.options.outbox) return { status: 'stored', reference: this.options.reference(lead) };
    return this.enqueue('support.ticket', lead, { ticket });
  }

  /**
   * Re-queues complete leads whose outbox entry is missing (a crash between storing a lead and
   * queueing it). Idempotent: queued ids are not queued again. Returns how many were queued.
   */
  async recover(): Promise<number> {
    if (!this.options.outbox) return 0;
    let queued = 0;
    // This node's own leads only: in cluster mode the store lists every node's leads, which their
    // own nodes queue.
    for (const lead of await (this.options.recoverFrom ?? this.options.store).listLeads()) {
      const kind = this.kindOf(lead);
      if (!kind || lead.status === 'delivered') continue;
      const result = await this.enqueue(kind, lead);
      if (result.status === 'queued') queued++;
    }
    if (queued > 0) this.options.log.warn({ queued }, 'queued leads that had been stored but not queued');
    return queued;
  }

  /** Outbox confirmation: the lead is now `delivered`. */
  async markDelivered(entry: OutboxEntry): Promise<void> {
    const payload = entry.payload as Partial<LeadPayload>;
    if (!payload.tenant_id || !payload.lead_id) return;
    const lead = await this.options.store.getLead(payload.tenant_id, payload.lead_id);
    if (lead && lead.status !== 'delivered')
      await this.options.store.putLead({
        ...lead,
        status: 'delivered',
        updated_at: new Date().toISOString(),
      });
    this.options.log.info({ leadId: payload.lead_id, kind: entry.kind }, 'lead delivered downstream');
  }
}

/** The lead names the person and gives the team a way to reach them. */
function reachable(lead: LeadPayload): boolean {
  const c = lead.contact_info;
  return c.name !== null && (c.email !== null || c.phone_or_username !== null);
}
