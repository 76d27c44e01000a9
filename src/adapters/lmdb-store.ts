import { chmodSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { open, type Database, type Key, type RootDatabase } from 'lmdb';
import { LeadbotError, StorageError, errorMessage } from '../errors.ts';
import { commitCause } from '../util/lmdb-errors.ts';
import { LeadPayloadSchema, type LeadPayload } from '../protocol/index.ts';
import {
  appendTransitions,
  type ConversationRecord,
  type HistoryEntry,
  type Store,
  type TurnWrite,
} from '../ports/store.ts';
import { checkDataFile, checkOpenStore, readManifest, writeManifest } from './store-integrity.ts';

type HistoryKey = [string, number];
type LeadKey = [string, string];

/** LMDB creates its files with the process umask (often world-readable): they become 0600. */
function ownerOnly(dataDir: string): void {
  for (const file of ['data.mdb', 'lock.mdb']) {
    try {
      chmodSync(join(dataDir, file), 0o600);
    } catch {
      // Not ours to change (a read-only mount, another owner): LMDB opened it, so it is usable.
    }
  }
}

/** Databases keyed by conversation id that hold what was derived from it (deleted with it). */
const PER_CONVERSATION_DBS = ['summaries', 'insights'];

/**
 * `Store` on LMDB (the `lmdb` package). One environment in `dataDir`, named databases per kind.
 * Commits are flushed to disk before they resolve (`overlappingSync: false`), so a resolved write
 * survives a process, OS or power crash.
 */
export class LmdbStore implements Store {
  private readonly root: RootDatabase;
  private readonly conversations: Database<ConversationRecord, string>;
  private readonly history: Database<HistoryEntry, HistoryKey>;
  private readonly leads: Database<LeadPayload, LeadKey>;
  /** Told about every failed write (the disk guard watches for lack of space). */
  onWriteError: ((error: unknown) => void) | undefined;
  /** Run inside every `saveTurn` transaction (see {@link withinTurns}). */
  private readonly turnHooks: Array<(write: TurnWrite) => void> = [];

  private constructor(
    root: RootDatabase,
    private readonly dataDir: string,
  ) {
    this.root = root;
    this.conversations = root.openDB<ConversationRecord, string>({ name: 'conversations' });
    this.history = root.openDB<HistoryEntry, HistoryKey>({ name: 'history' });
    this.leads = root.openDB<LeadPayload, LeadKey>({ name: 'leads' });
  }

  /**
   * Opens (creating when needed) the store in `dataDir`. `durable: false` skips the flush to disk
   * on commit (benchmarks only: a crash of the machine may lose the last commits).
   */
  static open(dataDir: string, options: { durable?: boolean } = {}): LmdbStore {
    let root: RootDatabase | undefined;
    try {
      // Only this user may read what prospects said (names, emails, messages): a new folder is 0700.
      mkdirSync(dataDir, { recursive: true, mode: 0o700 });
      checkDataFile(dataDir);
      // noSubdir: a folder whose name has a dot is still a folder. overlappingSync off: a commit
      // resolves only once flushed, so a confirmed lead survives a power or OS crash too.
      root = open({
        path: dataDir,
        noSubdir: false,
        overlappingSync: false,
        maxDbs: 64,
        compression: false,
        ...(options.durable === false ? { noSync: true } : {}),
      });
      ownerOnly(dataDir);
      const store = new LmdbStore(root, dataDir);
      const meta = root.openDB<string, string>({ name: 'meta' });
      writeManifest(dataDir, checkOpenStore(dataDir, meta, store.leads, new Date()));
      return store;
    } catch (cause) {
      void root?.close();
      if (cause instanceof LeadbotError) throw cause;
      throw new StorageError(
        `Cannot open the LMDB store in ${dataDir}: ${(cause as Error).message}. Check the folder exists and is writable.`,
        { cause },
      );
    }
  }

  /** Another named database in the same LMDB environment (outbox, dedupe…), for other adapters. */
  database<V, K extends Key = string>(name: string): Database<V, K> {
    return this.root.openDB<V, K>({ name });
  }

  /**
   * `hook` runs inside every `saveTurn` transaction, so what it writes commits with the turn or not
   * at all (the deduper records the turn's message ids this way). It must only do synchronous writes.
   */
  withinTurns(hook: (write: TurnWrite) => void): void {
    this.turnHooks.push(hook);
  }

  /** Runs `fn` in one synchronous write transaction of this environment and returns its result. */
  transactionSyncOf<T>(fn: () => T): T {
    return this.root.transactionSync(fn);
  }

  /** Runs `fn` in one write transaction of this environment. */
  transaction<T>(fn: () => T): Promise<T> {
    // A failed commit rejects with its real error (ENOSPC…), not lmdb-js's "see commitError".
    return this.root.transaction(fn).catch(async (error: unknown) => {
      throw await commitCause(error);
    });
  }

  getConversation(conversationId: string): Promise<ConversationRecord | undefined> {
    return Promise.resolve(this.conversations.get(conversationId));
  }

  async saveTurn(write: TurnWrite): Promise<void> {
    const { conversation, history, lead } = write;
    try {
      // Group commit: lmdb-js batches the write transactions queued meanwhile into one commit,
      // flushed off the event loop; this turn resolves once its own data is on disk. (A synchronous
      // transaction per turn saved ~0.15 ms alone but blocked the event loop for every fsync.)
      await this.root.transaction(() => {
        const record = conversation.transitions
          ? conversation
          : {
              ...conversation,
              transitions: appendTransitions(
                this.conversations.get(conversation.conversationId)?.transitions,
                write.transitions ?? [],
              ),
            };
        this.conversations.putSync(conversation.conversationId, record);
        let seq = this.lastSeq(conversation.conversationId);
        for (const entry of history) this.history.putSync([conversation.conversationId, ++seq], entry);
        if (lead) this.leads.putSync([lead.tenant_id, lead.lead_id], lead);
        for (const hook of this.turnHooks) hook(write);
      });
    } catch (failed) {
      const cause = await commitCause(failed);
      this.onWriteError?.(cause);
      throw new StorageError(`Could not save the conversation's turn: ${errorMessage(cause)}`, { cause });
    }
  }

  private lastSeq(conversationId: string): number {
    for (const key of this.history.getKeys({
      start: [conversationId, Number.MAX_SAFE_INTEGER],
      end: [conversationId, 0],
      reverse: true,
      limit: 1,
    })) {
      return key[1];
    }
    return 0;
  }

  getHistory(conversationId: string, limit: number): Promise<HistoryEntry[]> {
    const out: HistoryEntry[] = [];
    for (const { value } of this.history.getRange({
      start: [conversationId, Number.MAX_SAFE_INTEGER],
      end: [conversationId, 0],
      reverse: true,
      limit,
    })) {
      out.push(value);
    }
    return Promise.resolve(out.reverse());
  }

  async putLead(lead: LeadPayload): Promise<void> {
    try {
      await this.leads.put([lead.tenant_id, lead.lead_id], lead);
    } catch (failed) {
      const cause = await commitCause(failed);
      this.onWriteError?.(cause);
      throw new StorageError(`Could not save lead ${lead.lead_id}: ${errorMessage(cause)}`, { cause });
    }
  }

  getLead(tenantId: string, leadId: string): Promise<LeadPayload | undefined> {
    return Promise.resolve(this.leads.get([tenantId, leadId]));
  }

  listLeads(query: { tenantId?: string; limit?: number } = {}): Promise<LeadPayload[]> {
    const range = query.tenantId
      ? { start: [query.tenantId, ''] as LeadKey, end: [query.tenantId, '\uffff'] as LeadKey }
      : {};
    const out: LeadPayload[] = [];
    for (const { value } of this.leads.getRange(range)) {
      // A record that no longer matches the contract is skipped, not served half-formed.
      const parsed = LeadPayloadSchema.safeParse(value);
      if (parsed.success) out.push(parsed.data);
    }
    // Ids are stable per conversation, not time-ordered: list in creation order.
    out.sort((a, b) => a.created_at.localeCompare(b.created_at) || a.lead_id.localeCompare(b.lead_id));
    return Promise.resolve(query.limit ? out.slice(0, query.limit) : out);
  }

  stats(): Promise<{ conversations: number; leads: number }> {
    return Promise.resolve({ conversations: this.conversations.getCount(), leads: this.leads.getCount() });
  }

  purgeConversationsBefore(cutoff: number): Promise<number> {
    const old: string[] = [];
    for (const { key, value } of this.conversations.getRange()) if (value.updatedAt < cutoff) old.push(key);
    // Memory derived from the conversation (summaries, insights) goes with it.
    const derived = PER_CONVERSATION_DBS.map((name) => this.root.openDB<unknown, string>({ name }));
    // Small transactions: a large purge never holds the write lock for long.
    for (let i = 0; i < old.length; i += 100) {
      this.root.transactionSync(() => {
        for (const id of old.slice(i, i + 100)) {
          this.conversations.removeSync(id);
          for (const db of derived) db.removeSync(id);
          for (const key of this.history.getKeys({ start: [id, 0], end: [id, Number.MAX_SAFE_INTEGER] }))
            this.history.removeSync(key);
        }
      });
    }
    return Promise.resolve(old.length);
  }

  /** Closes the environment; `store.json` records the lead count of this clean stop. */
  async close(): Promise<void> {
    try {
      const manifest = readManifest(this.dataDir);
      if (manifest)
        writeManifest(this.dataDir, {
          ...manifest,
          checkedAt: new Date().toISOString(),
          leads: this.leads.getCount(),
        });
    } catch {
      // The manifest is a check for the next start, never a reason to fail a stop.
    }
    await this.root.close();
  }
}
