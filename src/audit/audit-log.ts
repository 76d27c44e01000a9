import { createHash, createHmac, randomBytes } from 'node:crypto';
import { appendFileSync, existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Database } from 'lmdb';
import type { LmdbStore } from '../adapters/lmdb-store.ts';
import type { AuditCheckpoint } from '../ports/audit.ts';

/** The checkpoint type lives in src/ports/audit.ts (adapters publish it); re-exported here. */
export type { AuditCheckpoint };

/** What kinds of things the audit log records. */
export type AuditType =
  | 'conversation.escalated'
  | 'handoff.requested'
  | 'handoff.overdue'
  | 'handoff.takeover'
  | 'handoff.operator_message'
  | 'handoff.released'
  | 'handoff.closed'
  | 'handoff.lead_edited'
  | 'message.blocked'
  | 'message.flagged'
  | 'user.muted'
  | 'prompt.leak'
  | 'reply.refused'
  | 'admin.access'
  | 'contact.exported'
  | 'contact.erased';

/** One entry as written: hash-chained to the one before. */
export interface AuditEntry {
  seq: number;
  /** ISO time. */
  at: string;
  type: AuditType;
  /** Pseudonymous person id (HMAC with a per-person key, destroyed on erasure); never a raw id. */
  subject?: string;
  tenantId?: string;
  /** Non-personal details (codes, states, counts, reasons). */
  data: Record<string, string | number | boolean | null>;
  /** Hash of the previous entry ('' for the first). */
  prev: string;
  /** sha256 over `prev` and the canonical JSON of every other field. */
  hash: string;
}

export interface AuditInput {
  type: AuditType;
  /** The person the entry is about (a conversation id); stored only as a pseudonym. */
  person?: string;
  tenantId?: string;
  data?: AuditEntry['data'];
}

export type VerifyResult =
  | { ok: true; entries: number; head: string; checkpoints: number }
  | { ok: false; entries: number; seq: number; problem: string };

const CHECKPOINT_FILE = 'audit-checkpoints.jsonl';

/** Where a person's key is filed: a hash, so the key store holds no phone number or other id in clear. */
function keyIdOf(person: string): string {
  return createHash('sha256').update(`leadbot-audit-key\n${person}`).digest('hex');
}

/** Canonical JSON: keys sorted at every level, so the same entry always hashes the same. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

export function entryHash(entry: Omit<AuditEntry, 'hash'>): string {
  const { prev, ...rest } = entry;
  return createHash('sha256').update(prev).update('\n').update(canonical(rest)).digest('hex');
}

/**
 * Append-only, hash-chained audit log in LMDB (`audit`: seq → entry). Every entry carries the hash of
 * the previous one, so editing, deleting or reordering an entry breaks the chain at that point. The
 * head is checkpointed to `<dataDir>/audit-checkpoints.jsonl` (append-only, outside LMDB) every
 * `checkpointEvery` entries and on close, so truncating the log is detected too. People appear only
 * as pseudonyms keyed per person (`audit_keys`); erasing a person destroys the key (crypto-shredding)
 * and the chain stays intact.
 */
export class AuditLog {
  private readonly entries: Database<AuditEntry, number>;
  private readonly keys: Database<string, string>;
  private last: { seq: number; hash: string };
  private sinceCheckpoint = 0;
  private readonly checkpointFile: string;

  constructor(
    private readonly store: LmdbStore,
    dataDir: string,
    private readonly options: {
      checkpointEvery?: number;
      now?: () => number;
      /** Also told about every checkpoint (e.g. published to NATS in cluster mode). */
      onCheckpoint?: (checkpoint: AuditCheckpoint) => void;
    } = {},
  ) {
    this.entries = store.database<AuditEntry, number>('audit');
    this.keys = store.database<string, string>('audit_keys');
    this.checkpointFile = join(dataDir, CHECKPOINT_FILE);
    this.last = { seq: 0, hash: '' };
    for (const { value } of this.entries.getRange({ reverse: true, limit: 1 }))
      this.last = { seq: value.seq, hash: value.hash };
  }

  /** Appends one entry (durable when this returns) and returns it. */
  append(input: AuditInput): AuditEntry {
    const entry = this.store.transactionSyncOf(() => {
      // Another process (the CLI) may have appended since: the chain continues from what is stored.
      for (const { value } of this.entries.getRange({ reverse: true, limit: 1 }))
        this.last = { seq: value.seq, hash: value.hash };
      const base: Omit<AuditEntry, 'hash'> = {
        seq: this.last.seq + 1,
        at: new Date(this.options.now?.() ?? Date.now()).toISOString(),
        type: input.type,
        data: input.data ?? {},
        prev: this.last.hash,
      };
      if (input.person) base.subject = this.pseudonym(input.person);
      if (input.tenantId) base.tenantId = input.tenantId;
      const full: AuditEntry = { ...base, hash: entryHash(base) };
      this.entries.putSync(full.seq, full);
      return full;
    });
    this.last = { seq: entry.seq, hash: entry.hash };
    if (++this.sinceCheckpoint >= (this.options.checkpointEvery ?? 1)) this.checkpoint();
    return entry;
  }

  /** The pseudonym of a person in this log (stable until the person is erased). */
  pseudonym(person: string): string {
    let key = this.keys.get(keyIdOf(person));
    if (key === undefined) {
      key = randomBytes(32).toString('base64');
      this.keys.putSync(keyIdOf(person), key);
    }
    return createHmac('sha256', key).update(person).digest('hex').slice(0, 32);
  }

  /** Crypto-shredding: the person's key is destroyed; their entries can no longer be linked to them. */
  forget(person: string): boolean {
    return this.keys.removeSync(keyIdOf(person));
  }

  /** Writes the current head to the checkpoint file (and `onCheckpoint`). */
  checkpoint(): AuditCheckpoint | undefined {
    this.sinceCheckpoint = 0;
    if (this.last.seq === 0) return undefined;
    const checkpoint: AuditCheckpoint = {
      seq: this.last.seq,
      hash: this.last.hash,
      at: new Date(this.options.now?.() ?? Date.now()).toISOString(),
    };
    appendFileSync(this.checkpointFile, `${JSON.stringify(checkpoint)}\n`, { mode: 0o600 });
    this.options.onCheckpoint?.(checkpoint);
    return checkpoint;
  }

  /** Entries in order (for export and the admin API). */
  list(options: { fromSeq?: number; limit?: number } = {}): AuditEntry[] {
    const out: AuditEntry[] = [];
    for (const { value } of this.entries.getRange({
      start: options.fromSeq ?? 1,
      ...(options.limit ? { limit: options.limit } : {}),
    }))
      out.push(value);
    return out;
  }

  /** Entries about one person (while their key exists). */
  about(person: string): AuditEntry[] {
    if (this.keys.get(keyIdOf(person)) === undefined) return [];
    const subject = this.pseudonym(person);
    return this.list().filter((e) => e.subject === subject);
  }

  /** Walks the chain and the checkpoints; points at the first entry that does not fit. */
  verify(moreCheckpoints: readonly AuditCheckpoint[] = []): VerifyResult {
    return verifyChain(this.list(), [...readCheckpoints(this.checkpointFile), ...moreCheckpoints]);
  }
}

export function readCheckpoints(file: string): AuditCheckpoint[] {
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as AuditCheckpoint);
}

/** Checks an entry sequence against itself and the checkpoints (pure, for the CLI and tests). */
export function verifyChain(
  entries: readonly AuditEntry[],
  checkpoints: readonly AuditCheckpoint[],
): VerifyResult {
  let prev = '';
  const bySeq = new Map<number, AuditEntry>();
  for (let i = 0; i < entries.length; i++) {
    const entry = entries[i]!;
    const expectedSeq = i + 1;
    if (entry.seq !== expectedSeq) {
      return {
        ok: false,
        entries: entries.length,
        seq: expectedSeq,
        problem: `entry ${expectedSeq} is missing (found ${entry.seq} in its place): deleted or reordered`,
      };
    }
    if (entry.prev !== prev) {
      return {
        ok: false,
        entries: entries.length,
        seq: entry.seq,
        problem: `entry ${entry.seq} does not follow entry ${entry.seq - 1} (its previous hash differs): reordered or an earlier entry was replaced`,
      };
    }
    const { hash, ...rest } = entry;
    if (entryHash(rest) !== hash) {
      return {
        ok: false,
        entries: entries.length,
        seq: entry.seq,
        problem: `entry ${entry.seq} was modified (its content does not match its hash)`,
      };
    }
    bySeq.set(entry.seq, entry);
    prev = hash;
  }
  for (const checkpoint of checkpoints) {
    const entry = bySeq.get(checkpoint.seq);
    if (!entry) {
      return {
        ok: false,
        entries: entries.length,
        seq: entries.length + 1,
        problem: `the log ends at entry ${entries.length} but a checkpoint of ${checkpoint.at} saw entry ${checkpoint.seq}: entries were truncated`,
      };
    }
    if (entry.hash !== checkpoint.hash) {
      return {
        ok: false,
        entries: entries.length,
        seq: checkpoint.seq,
        problem: `entry ${checkpoint.seq} differs from the checkpoint of ${checkpoint.at}: the chain was rewritten`,
      };
    }
  }
  return { ok: true, entries: entries.length, head: prev, checkpoints: checkpoints.length };
}
