import type { LeadPayload } from '../protocol/index.ts';
import {
  appendTransitions,
  type ConversationRecord,
  type HistoryEntry,
  type Store,
  type TurnWrite,
} from '../ports/store.ts';
import { StaleOwnerError, type ConversationReplica } from './conversation-replica.ts';

export interface ReplicatedStoreOptions {
  /** This node's own store (LMDB). */
  local: Store;
  replica: ConversationReplica;
  /** The fence under which this node owns the conversation now (`NatsBus.currentFence`), if it does. */
  fence: (conversationId: string) => number | undefined;
  /** Whether a copy last written at `updatedAt` predates a privacy erasure (never brought back). */
  erased?: (conversationId: string, updatedAt: number) => boolean;
  /** Erases this node's local copies of an erased conversation. */
  onErased?: (conversationId: string) => void | Promise<void>;
}

/**
 * A worker's `Store` in cluster mode: conversation writes go to the shared replica first, under
 * the node's fence (refused for a stale owner), then to the local store; reads take the replica's
 * state when it is newer than the local one (the conversation was handled on another node) and
 * copy it into the local store. Leads and everything else stay local.
 */
export class ReplicatedStore implements Store {
  constructor(private readonly options: ReplicatedStoreOptions) {}

  getConversation(conversationId: string): Promise<ConversationRecord | undefined> {
    return this.catchUp(conversationId);
  }

  /** The newer of the local and replicated state; a newer replica is copied into the local store. */
  private async catchUp(conversationId: string): Promise<ConversationRecord | undefined> {
    let [local, remote] = await Promise.all([
      this.options.local.getConversation(conversationId),
      this.options.replica.load(conversationId),
    ]);
    // A copy older than a privacy erasure this node missed (it was down) is erased, not revived.
    if (local && this.options.erased?.(conversationId, local.updatedAt)) {
      await this.options.onErased?.(conversationId);
      local = undefined;
    }
    if (remote && this.options.erased?.(conversationId, remote.conversation.updatedAt)) remote = undefined;
    if (!remote || (local && local.updatedAt >= remote.conversation.updatedAt)) return local;
    // Handled elsewhere since: bring the local copy up to date (snapshot and missing lines).
    const known = await this.options.local.getHistory(conversationId, remote.history.length);
    const seen = new Set(known.map(lineKey));
    await this.options.local.saveTurn({
      conversation: remote.conversation,
      history: remote.history.filter((line) => !seen.has(lineKey(line))),
    });
    return remote.conversation;
  }

  async saveTurn(write: TurnWrite): Promise<void> {
    const id = write.conversation.conversationId;
    const fence = this.options.fence(id);
    if (fence === undefined) throw new StaleOwnerError(id, undefined);
    // The transition log travels in the record, so a new owner (and the gateway) has it too.
    const { transitions, ...rest } = write;
    const merged: TurnWrite = write.conversation.transitions
      ? rest
      : {
          ...rest,
          conversation: {
            ...write.conversation,
            transitions: appendTransitions(
              (await this.options.local.getConversation(id))?.transitions,
              transitions ?? [],
            ),
          },
        };
    await this.options.replica.save(fence, merged);
    await this.options.local.saveTurn(merged);
  }

  /** History lines, after catching up with the replica (a redelivered message is found there). */
  async getHistory(conversationId: string, limit: number): Promise<HistoryEntry[]> {
    await this.catchUp(conversationId);
    return this.options.local.getHistory(conversationId, limit);
  }

  putLead(lead: LeadPayload): Promise<void> {
    return this.options.local.putLead(lead);
  }

  getLead(tenantId: string, leadId: string): Promise<LeadPayload | undefined> {
    return this.options.local.getLead(tenantId, leadId);
  }

  listLeads(query?: { tenantId?: string; limit?: number }): Promise<LeadPayload[]> {
    return this.options.local.listLeads(query);
  }

  stats(): Promise<{ conversations: number; leads: number }> {
    return this.options.local.stats();
  }

  purgeConversationsBefore(cutoff: number): Promise<number> {
    return this.options.local.purgeConversationsBefore(cutoff);
  }

  close(): Promise<void> {
    return this.options.local.close();
  }
}

function lineKey(line: HistoryEntry): string {
  return `${line.role}/${line.messageId}/${line.turn}`;
}
