import type { LeadPayload } from '../protocol/index.ts';

/** One line of a conversation's history. */
export interface HistoryEntry {
  role: 'user' | 'assistant';
  text: string;
  /** Epoch ms. */
  at: number;
  /** 1-based user turn this line belongs to. */
  turn: number;
  /** Inbound provider id (user lines) or outbound id (assistant lines). */
  messageId: string;
  /** An assistant line a person of the team wrote (their name), not the bot. */
  by?: string | undefined;
}

/**
 * One step of a conversation on its state chart (no message text, no personal data: the event's
 * type, the states, the guard that decided it and the names of the fields captured at that step).
 */
export interface TransitionRecord {
  /** Epoch ms. */
  at: number;
  /** `user.message.received`, `done.analyse`, `always`, `human.takeover`, … (`xstate.init` for the start). */
  event: string;
  /** Dotted state value before (`capture.waiting`); `''` at the start. */
  from: string;
  to: string;
  guard?: string;
  fields?: string[];
}

/** The most recent transitions a conversation keeps (older ones are dropped). */
export const TRANSITION_LOG_LIMIT = 60;

/** `previous` then `added`, the last `TRANSITION_LOG_LIMIT` of them. */
export function appendTransitions(
  previous: readonly TransitionRecord[] | undefined,
  added: readonly TransitionRecord[],
): TransitionRecord[] {
  return [...(previous ?? []), ...added].slice(-TRANSITION_LOG_LIMIT);
}

/** What is persisted of a conversation actor. */
export interface ConversationRecord {
  conversationId: string;
  tenantId: string;
  channel: string;
  userId: string;
  /** XState persisted snapshot (validated when read back). */
  snapshot: unknown;
  /** Machine definition version the snapshot was taken with. */
  machineVersion: number;
  updatedAt: number;
  /**
   * Set when the supervisor escalated (the actor kept failing past the restart intensity): the
   * conversation is marked failed until a later turn succeeds. Never holds message text.
   */
  failure?: { at: number; error: string; messageId: string };
  /** The conversation's path on the state chart, oldest first (bounded: `TRANSITION_LOG_LIMIT`). */
  transitions?: TransitionRecord[];
}

/** Everything one turn changes, written atomically. */
export interface TurnWrite {
  conversation: ConversationRecord;
  history: HistoryEntry[];
  lead?: LeadPayload;
  /**
   * Transitions of this turn, appended to the conversation's stored ones (`appendTransitions`). A
   * record that carries no `transitions` keeps the stored log; one that carries them (a replica's
   * copy) replaces it.
   */
  transitions?: TransitionRecord[];
  /**
   * The message ids this turn answered, recorded as handled (de-duplication) in the same
   * transaction where the store also keeps those records: a crash cannot leave a saved turn whose
   * message a redelivery would process again.
   */
  handled?: { ids: string[]; at: number };
}

/** Durable storage. Every write resolves only once it is committed. */
export interface Store {
  getConversation(conversationId: string): Promise<ConversationRecord | undefined>;
  /** Snapshot + history + lead in one transaction. */
  saveTurn(write: TurnWrite): Promise<void>;
  /** Last `limit` history lines, oldest first. */
  getHistory(conversationId: string, limit: number): Promise<HistoryEntry[]>;
  putLead(lead: LeadPayload): Promise<void>;
  getLead(tenantId: string, leadId: string): Promise<LeadPayload | undefined>;
  /** Leads, oldest first; all tenants when `tenantId` is omitted. */
  listLeads(query?: { tenantId?: string; limit?: number }): Promise<LeadPayload[]>;
  /** Counts for `/health`. */
  stats(): Promise<{ conversations: number; leads: number }>;
  /**
   * Retention: deletes conversations (snapshot and history) last updated before `cutoff` (epoch
   * ms). Leads are kept. Returns how many conversations were deleted.
   */
  purgeConversationsBefore(cutoff: number): Promise<number>;
  close(): Promise<void>;
}

/** In-memory `Store` for unit tests. */
export class MemoryStore implements Store {
  readonly conversations = new Map<string, ConversationRecord>();
  readonly history = new Map<string, HistoryEntry[]>();
  readonly leads = new Map<string, LeadPayload>();

  getConversation(id: string): Promise<ConversationRecord | undefined> {
    return Promise.resolve(structuredClone(this.conversations.get(id)));
  }
  saveTurn(write: TurnWrite): Promise<void> {
    const id = write.conversation.conversationId;
    const conversation = structuredClone(write.conversation);
    if (write.transitions)
      conversation.transitions = appendTransitions(
        this.conversations.get(id)?.transitions,
        write.transitions,
      );
    this.conversations.set(id, conversation);
    const lines = this.history.get(write.conversation.conversationId) ?? [];
    lines.push(...structuredClone(write.history));
    this.history.set(write.conversation.conversationId, lines);
    if (write.lead)
      this.leads.set(`${write.lead.tenant_id}/${write.lead.lead_id}`, structuredClone(write.lead));
    return Promise.resolve();
  }
  getHistory(id: string, limit: number): Promise<HistoryEntry[]> {
    return Promise.resolve(structuredClone((this.history.get(id) ?? []).slice(-limit)));
  }
  putLead(lead: LeadPayload): Promise<void> {
    this.leads.set(`${lead.tenant_id}/${lead.lead_id}`, structuredClone(lead));
    return Promise.resolve();
  }
  getLead(tenantId: string, leadId: string): Promise<LeadPayload | undefined> {
    return Promise.resolve(structuredClone(this.leads.get(`${tenantId}/${leadId}`)));
  }
  listLeads(query: { tenantId?: string; limit?: number } = {}): Promise<LeadPayload[]> {
    const all = [...this.leads.values()]
      .filter((l) => !query.tenantId || l.tenant_id === query.tenantId)
      .sort((a, b) => a.created_at.localeCompare(b.created_at) || a.lead_id.localeCompare(b.lead_id));
    return Promise.resolve(structuredClone(all.slice(0, query.limit ?? all.length)));
  }
  stats(): Promise<{ conversations: number; leads: number }> {
    return Promise.resolve({ conversations: this.conversations.size, leads: this.leads.size });
  }
  purgeConversationsBefore(cutoff: number): Promise<number> {
    let purged = 0;
    for (const [id, record] of this.conversations) {
      if (record.updatedAt >= cutoff) continue;
      this.conversations.delete(id);
      this.history.delete(id);
      purged++;
    }
    return Promise.resolve(purged);
  }
  close(): Promise<void> {
    return Promise.resolve();
  }
}
