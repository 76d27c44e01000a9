import { statfsSync } from 'node:fs';
import type { Clock } from '../ports/clock.ts';

/** Free space as the operating system reports it for the data folder's file system. */
export type FreeSpace = (path: string) => number;

export const statfsFree: FreeSpace = (path) => {
  const stats = statfsSync(path);
  return stats.bavail * stats.bsize;
};

export interface DiskGuardOptions {
  dataDir: string;
  /** Below this much free space the node takes no new messages (bytes). */
  minFreeBytes: number;
  clock: Clock;
  /** How often free space is measured (ms). */
  intervalMs?: number;
  freeSpace?: FreeSpace;
}

/** What `/health` and `/metrics` say about the data disk. */
export interface DiskStatus {
  full: boolean;
  freeBytes: number | null;
  minFreeBytes: number;
  /** Why it counts as full: too little free space, or a write that failed for lack of space. */
  reason?: 'low_space' | 'write_failed';
}

/** How long a failed write keeps the node refusing even if the file system reports room again. */
const WRITE_FAILURE_HOLD_MS = 5_000;

/** An error that means the disk (or LMDB's map) is out of space. */
export function isOutOfSpace(error: unknown): boolean {
  const seen = new Set<unknown>();
  for (let e: unknown = error; e instanceof Error && !seen.has(e); e = (e as { cause?: unknown }).cause) {
    seen.add(e);
    const code = (e as { code?: unknown }).code;
    if (code === 'ENOSPC' || code === 'EDQUOT') return true;
    if (/ENOSPC|No space left|MDB_MAP_FULL|Disk quota/i.test(e.message)) return true;
  }
  return false;
}

/**
 * Watches the data disk so a full one is met with an honest refusal, not a crash: while free space
 * is under `minFreeBytes` (measured every `intervalMs`), or for a few seconds after a write failed
 * for lack of space, {@link full} is true and intake refuses new messages (webhooks get a 503 so the
 * provider redelivers, the widget a polite "try again"). It clears by itself once space is free.
 */
export class DiskGuard {
  private freeBytes: number | null = null;
  private failedAt: number | undefined;
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly options: DiskGuardOptions) {}

  start(): void {
    this.sample();
    this.timer = setInterval(() => this.sample(), this.options.intervalMs ?? 2_000);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Measures free space now (also called by the timer). */
  sample(): void {
    try {
      this.freeBytes = (this.options.freeSpace ?? statfsFree)(this.options.dataDir);
    } catch {
      // A file system that cannot say keeps the last figure; writes still report failures.
    }
  }

  /** A write failed: when for lack of space, refuse for a while and measure again. */
  noteWriteError(error: unknown): void {
    if (!isOutOfSpace(error)) return;
    this.failedAt = this.options.clock.now();
    this.sample();
  }

  full(): boolean {
    return this.status().full;
  }

  status(): DiskStatus {
    const { minFreeBytes } = this.options;
    const failed =
      this.failedAt !== undefined && this.options.clock.now() - this.failedAt < WRITE_FAILURE_HOLD_MS;
    const low = this.freeBytes !== null && this.freeBytes < minFreeBytes;
    const base = { freeBytes: this.freeBytes, minFreeBytes };
    if (low) return { ...base, full: true, reason: 'low_space' };
    if (failed) return { ...base, full: true, reason: 'write_failed' };
    return { ...base, full: false };
  }
}
