/**
 * Privacy: everything stored about one person, exported or erased across history, snapshots, leads,
 * summaries, insights, timers, de-duplication keys and the CRM outbox. The audit log keeps its
 * integrity after an erasure: the person's pseudonym key is destroyed (crypto-shredding), so entries
 * stay chained but can no longer be linked to them.
 */
import type { Database } from 'lmdb';
import type { LmdbStore } from '../adapters/lmdb-store.ts';
import type { AuditEntry, AuditLog } from '../audit/audit-log.ts';
import type { OutboxEntry } from '../ports/outbox.ts';
import type { ConversationRecord, HistoryEntry } from '../ports/store.ts';
import type { LeadPayload } from '../protocol/index.ts';

/** How a person is looked up: a conversation id, a lead id, an email, a phone or a username. */
export interface ContactQuery {
  id: string;
  /** Only this tenant's data (an admin of one tenant never reaches another's). */
  tenantId?: string;
}

export interface ContactExport {
  query: string;
  exportedAt: string;
  conversations: {
    record: ConversationRecord;
    history: HistoryEntry[];
    summary?: unknown;
    insights?: unknown;
  }[];
  leads: LeadPayload[];
  outbox: OutboxEntry[];
  /** Audit entries about the person (pseudonymous). */
  audit: AuditEntry[];
}

export interface EraseResult {
  conversations: number;
  historyLines: number;
  leads: number;
  outboxEntries: number;
}

const digits = (s: string) => s.replace(/\D/g, '');

/**
 * The digits of a query that is a phone number and nothing else (`+34 600 111 222`, `(555) 123-4567`,
 * `whatsapp:+14155238886`); undefined for anything else. An email or a name with digits in it is never
 * compared as a phone: a privacy request must find exactly one person, never someone else.
 */
export function phoneDigits(text: string): string | undefined {
  const t = text.trim().replace(/^(whatsapp|tel|sms):/i, '');
  if (!/^\+?[\d\s().-]+$/.test(t)) return undefined;
  const d = digits(t);
  return d.length >= 7 && d.length <= 15 ? d : undefined;
}

function matchesLead(lead: LeadPayload, id: string): boolean {
  const needle = id.trim().toLowerCase();
  if (lead.lead_id === id || lead.conversation_id === id) return true;
  if (lead.contact_info.email && lead.contact_info.email.toLowerCase() === needle) return true;
  const handle = lead.contact_info.phone_or_username;
  if (!handle) return false;
  if (handle.toLowerCase() === needle || handle.toLowerCase() === `@${needle.replace(/^@/, '')}`) return true;
  // The query must be a phone number; a stored handle ("600 111 222 ext 4") is compared by its digits.
  const wanted = phoneDigits(id);
  return wanted !== undefined && digits(handle) === wanted;
}

/** A conversation is the person's when its id or channel user id is the query (a phone, as a phone). */
function matchesConversation(key: string, userId: string, id: string): boolean {
  if (key === id || userId === id) return true;
  const wanted = phoneDigits(id);
  return wanted !== undefined && phoneDigits(userId) === wanted;
}

const payloadLeadId = (entry: OutboxEntry) => (entry.payload as { lead_id?: string }).lead_id ?? '';

export class ContactData {
  private readonly conversations: Database<ConversationRecord, string>;
  private readonly history: Database<HistoryEntry, [string, number]>;
  private readonly leads: Database<LeadPayload, [string, string]>;
  private readonly outbox: Database<OutboxEntry, string>;
  private readonly outboxDue: Database<true, [number, string]>;
  private readonly outboxDead: Database<true, string>;
  private readonly dedupe: Database<number, [string, string]>;
  private readonly dedupeAge: Database<true, [number, string, string]>;
  private readonly timers: Database<unknown, [number, string, string]>;
  private readonly timerOf: Database<number, [string, string]>;
  private readonly summaries: Database<unknown, string>;
  private readonly insights: Database<unknown, string>;
  /** Human handoff: the queue, queued alerts and the Slack thread index hold names and problems too. */
  private readonly handoffQueue: Database<unknown, string>;
  private readonly alerts: Database<unknown, string>;
  private readonly alertsDue: Database<true, [number, string]>;
  private readonly alertsDead: Database<true, string>;
  private readonly slackThreads: Database<unknown, string>;
  /** Called after an erasure with the conversations erased (in-memory copies drop them). */
  onErased?: (conversationIds: readonly string[]) => void;

  constructor(
    private readonly store: LmdbStore,
    private readonly audit: AuditLog,
  ) {
    this.conversations = store.database('conversations');
    this.history = store.database('history');
    this.leads = store.database('leads');
    this.outbox = store.database('outbox');
    this.outboxDue = store.database('outbox_due');
    this.outboxDead = store.database('outbox_dead');
    this.dedupe = store.database('dedupe');
    this.dedupeAge = store.database('dedupe_age');
    this.timers = store.database('timers');
    this.timerOf = store.database('timer_of');
    this.summaries = store.database('summaries');
    this.insights = store.database('insights');
    this.handoffQueue = store.database('handoff_queue');
    this.alerts = store.database('alerts');
    this.alertsDue = store.database('alerts_due');
    this.alertsDead = store.database('alerts_dead');
    this.slackThreads = store.database('handoff_slack_threads');
  }

  /** The handoff rows of one conversation: its queue row, its alerts, its Slack thread. */
  private eraseHandoff(id: string): void {
    this.handoffQueue.removeSync(id);
    for (const key of this.alerts.getKeys({ start: `alert:${id}:`, end: `alert:${id}:\uffff` })) {
      this.alerts.removeSync(key);
      this.alertsDead.removeSync(key);
      for (const due of this.alertsDue.getKeys()) if (due[1] === key) this.alertsDue.removeSync(due);
    }
    const thread = this.slackThreads.get(`c:${id}`) as { channel?: string; ts?: string } | undefined;
    if (thread?.channel && thread.ts) this.slackThreads.removeSync(`t:${thread.channel}:${thread.ts}`);
    this.slackThreads.removeSync(`c:${id}`);
  }

  /** Every conversation stored on this node with when it was last written (erasure markers). */
  localConversations(): { conversationId: string; updatedAt: number }[] {
    return [...this.conversations.getRange()].map(({ key, value }) => ({
      conversationId: key,
      updatedAt: value.updatedAt,
    }));
  }

  /** The conversations and leads that belong to the person. */
  find(
    query: ContactQuery,
    /** Leads kept elsewhere too (cluster mode: every node's leads, shared through NATS). */
    extraLeads: readonly LeadPayload[] = [],
    /** Conversations known to be the person's from elsewhere (cluster mode: found by another node). */
    extraConversations: readonly string[] = [],
  ): { conversationIds: string[]; leads: LeadPayload[] } {
    const inTenant = (tenantId: string) => query.tenantId === undefined || tenantId === query.tenantId;
    const ids = new Set<string>(extraConversations);
    const allLeads = [...[...this.leads.getRange()].map((e) => e.value), ...extraLeads];
    for (const value of allLeads) {
      if (inTenant(value.tenant_id) && matchesLead(value, query.id)) ids.add(value.conversation_id);
    }
    for (const { key, value } of this.conversations.getRange()) {
      if (inTenant(value.tenantId) && matchesConversation(key, value.userId, query.id)) ids.add(key);
    }
    // Every lead of those conversations (a person found by conversation id also has their lead).
    const leads = new Map<string, LeadPayload>();
    for (const value of allLeads) {
      const key = `${value.tenant_id}/${value.lead_id}`;
      if (!inTenant(value.tenant_id) || !ids.has(value.conversation_id)) continue;
      const known = leads.get(key);
      if (!known || value.updated_at > known.updated_at) leads.set(key, value);
    }
    return { conversationIds: [...ids], leads: [...leads.values()] };
  }

  export(
    query: ContactQuery,
    now = Date.now(),
    extraLeads: readonly LeadPayload[] = [],
    extraConversations: readonly string[] = [],
  ): ContactExport {
    const { conversationIds, leads } = this.find(query, extraLeads, extraConversations);
    // Exports of personal data are audited too (the person as a pseudonym).
    for (const id of conversationIds)
      this.audit.append({
        type: 'contact.exported',
        person: id,
        ...(query.tenantId ? { tenantId: query.tenantId } : {}),
        data: { leads: leads.length },
      });
    const leadIds = new Set(leads.map((l) => l.lead_id));
    return {
      query: query.id,
      exportedAt: new Date(now).toISOString(),
      conversations: conversationIds.flatMap((id) => {
        const record = this.conversations.get(id);
        const history = [
          ...this.history.getRange({ start: [id, 0], end: [id, Number.MAX_SAFE_INTEGER] }),
        ].map((e) => e.value);
        if (!record && history.length === 0) return [];
        const summary = this.summaries.get(id);
        const insights = this.insights.get(id);
        return [
          {
            record: record ?? ({ conversationId: id } as ConversationRecord),
            history,
            ...(summary ? { summary } : {}),
            ...(insights ? { insights } : {}),
          },
        ];
      }),
      leads,
      outbox: [...this.outbox.getRange()].map((e) => e.value).filter((e) => leadIds.has(payloadLeadId(e))),
      audit: conversationIds.flatMap((id) => this.audit.about(id)),
    };
  }

  /** Deletes everything about the person in one transaction; the audit log records the erasure. */
  erase(
    query: ContactQuery,
    extraLeads: readonly LeadPayload[] = [],
    extraConversations: readonly string[] = [],
  ): EraseResult {
    const { conversationIds, leads } = this.find(query, extraLeads, extraConversations);
    const leadIds = new Set(leads.map((l) => l.lead_id));
    const result: EraseResult = { conversations: 0, historyLines: 0, leads: 0, outboxEntries: 0 };
    this.store.transactionSyncOf(() => {
      for (const id of conversationIds) {
        if (this.conversations.removeSync(id)) result.conversations++;
        for (const key of this.history.getKeys({ start: [id, 0], end: [id, Number.MAX_SAFE_INTEGER] })) {
          this.history.removeSync(key);
          result.historyLines++;
        }
        this.summaries.removeSync(id);
        this.insights.removeSync(id);
        this.eraseHandoff(id);
        for (const key of this.dedupe.getKeys({ start: [id, ''], end: [id, '\uffff'] })) {
          const at = this.dedupe.get(key);
          if (at !== undefined) this.dedupeAge.removeSync([at, key[0], key[1]]);
          this.dedupe.removeSync(key);
        }
        for (const key of this.timerOf.getKeys({ start: [id, ''], end: [id, '\uffff'] })) {
          const dueAt = this.timerOf.get(key);
          if (dueAt !== undefined) this.timers.removeSync([dueAt, key[0], key[1]]);
          this.timerOf.removeSync(key);
        }
      }
      for (const lead of leads) {
        if (this.leads.removeSync([lead.tenant_id, lead.lead_id])) result.leads++;
      }
      for (const { key, value } of this.outbox.getRange()) {
        if (!leadIds.has(payloadLeadId(value))) continue;
        this.outbox.removeSync(key);
        this.outboxDead.removeSync(key);
        for (const due of this.outboxDue.getKeys()) if (due[1] === key) this.outboxDue.removeSync(due);
        result.outboxEntries++;
      }
    });
    for (const id of conversationIds) this.audit.forget(id);
    this.onErased?.(conversationIds);
    this.audit.append({
      type: 'contact.erased',
      ...(query.tenantId ? { tenantId: query.tenantId } : {}),
      data: { ...result },
    });
    return result;
  }
}
