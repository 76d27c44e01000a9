/**
 * The audit chain head written outside LMDB (a local file, and NATS in a cluster), so the writer
 * cannot silently rewrite history: `verify` checks the chain still passes through every head.
 */
export interface AuditCheckpoint {
  seq: number;
  hash: string;
  /** ISO time. */
  at: string;
}
