import { createHash } from 'node:crypto';
import { z } from 'zod';
import { StorageError } from '../errors.ts';
import type { ConversationRecord, HistoryEntry, TurnWrite } from '../ports/store.ts';
import { casUpdate, type VersionedStore } from './versioned-store.ts';

/**
 * A write came from a node that no longer owns the conversation (its fence is lower than one
 * already written, or it holds no lease): refused, so a stale owner never overwrites a newer one.
 * The turn's message is redelivered to the owner; the stale node must not answer it.
 */
export class StaleOwnerError extends StorageError {
  // The conversation id is not put in the message: it may hold a phone number, and messages are logged.
  constructor(_conversationId: string, fence: number | undefined, current?: number) {
    super(
      fence === undefined
        ? 'this node does not own the conversation (no partition lease); the owner handles it'
        : `the conversation was written under fence ${current} > ${fence}; this node is a stale owner`,
    );
  }
}

/** What the replica keeps of a conversation: what a new owner needs to continue it. */
export interface ReplicatedConversation {
  /** Fence of the last write. */
  fence: number;
  conversation: ConversationRecord;
  /** The last history lines (the model's context window), oldest first. */
  history: HistoryEntry[];
}

const HistoryEntrySchema = z.object({
  role: z.enum(['user', 'assistant']),
  text: z.string(),
  at: z.number(),
  turn: z.number(),
  messageId: z.string(),
  by: z.string().optional(),
});
const ReplicatedSchema = z.object({
  fence: z.number(),
  conversation: z.looseObject({
    conversationId: z.string(),
    tenantId: z.string(),
    channel: z.string(),
    userId: z.string(),
    snapshot: z.unknown(),
    machineVersion: z.number(),
    updatedAt: z.number(),
  }),
  history: z.array(HistoryEntrySchema),
});

function parse(value: string): ReplicatedConversation | undefined {
  try {
    const parsed = ReplicatedSchema.safeParse(JSON.parse(value));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

export interface ConversationReplicaOptions {
  /** Shared store with compare-and-set (NATS KV bucket `leadbot_conversations`). */
  store: VersionedStore;
  /** History lines kept per conversation (default 50: at least the model's window). */
  historyLines?: number;
}

/**
 * Each conversation's snapshot and recent history in a shared store, written under the owner's
 * fence: a write whose fence is lower than the stored one is refused (`StaleOwnerError`). A node
 * that takes a conversation over reads it from here, so the conversation continues where the dead
 * node left it. Keys are hashes of the conversation ids (they may hold phone numbers).
 */
export class ConversationReplica {
  private readonly historyLines: number;

  constructor(private readonly options: ConversationReplicaOptions) {
    this.historyLines = options.historyLines ?? 50;
  }

  /** Writes a turn under `fence`; rejects with `StaleOwnerError` when a newer owner wrote. */
  async save(fence: number, write: TurnWrite): Promise<void> {
    const id = write.conversation.conversationId;
    const stale = await casUpdate(this.options.store, keyOf(id), parse, (current) => {
      if (current && current.fence > fence) return { skip: current.fence };
      const history = [...(current?.history ?? []), ...write.history].slice(-this.historyLines);
      const next: ReplicatedConversation = { fence, conversation: write.conversation, history };
      return { write: next, result: undefined };
    });
    if (stale !== undefined) throw new StaleOwnerError(id, fence, stale);
  }

  /** Privacy erasure: the conversation's replicated state goes, history and all. */
  async remove(conversationId: string): Promise<void> {
    await this.options.store.purge(keyOf(conversationId));
  }

  async load(conversationId: string): Promise<ReplicatedConversation | undefined> {
    const entry = await this.options.store.get(keyOf(conversationId));
    return entry ? parse(entry.value) : undefined;
  }
}

function keyOf(conversationId: string): string {
  return `c.${createHash('sha256').update(conversationId).digest('base64url')}`;
}
