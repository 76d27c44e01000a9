import { createHash } from 'node:crypto';
import { jetstream } from '@nats-io/jetstream';
import type { KV } from '@nats-io/kv';
import type { NatsConnection } from '@nats-io/transport-node';
import { errorMessage } from '../../errors.ts';
import type { Logger } from '../../logger.ts';
import { openBucket } from './resources.ts';

export const ERASURES_BUCKET = 'leadbot_erasures';

/** Markers name conversations by a hash only (a marker must not itself hold the phone number). */
export function erasureKey(conversationId: string): string {
  return `e.${createHash('sha256').update(conversationId).digest('hex').slice(0, 40)}`;
}

/**
 * Cluster mode: durable privacy-erasure markers (KV `leadbot_erasures`: conversation hash → when it
 * was erased). A node that was down or disconnected during an erasure applies it when it sees the
 * marker (at start, or from the watch), and a local copy older than a marker is never brought back.
 */
export class ErasureMarkers {
  private readonly markers = new Map<string, number>();
  private watching: { stop(): void } | undefined;

  private constructor(
    private readonly kv: KV,
    private readonly log: Logger,
  ) {}

  static async open(nc: NatsConnection, log: Logger, replicas = 1): Promise<ErasureMarkers> {
    const { kv } = await openBucket(jetstream(nc), ERASURES_BUCKET, { ttlMs: 0, replicas });
    return new ErasureMarkers(kv, log);
  }

  /**
   * Loads every marker, then follows new ones. `onMarker(hashKey, at)` is called for each (the node
   * erases its local copies of that conversation older than `at`).
   */
  async start(onMarker: (key: string, at: number) => void): Promise<void> {
    const iterator = await this.kv.watch({ key: 'e.>' });
    this.watching = { stop: () => iterator.stop() };
    void (async () => {
      for await (const entry of iterator) {
        if (entry.operation !== 'PUT') continue;
        try {
          const at = (JSON.parse(entry.string()) as { at: number }).at;
          this.markers.set(entry.key, at);
          onMarker(entry.key, at);
        } catch (error) {
          this.log.warn({ err: errorMessage(error) }, 'unreadable erasure marker ignored');
        }
      }
    })().catch((error: unknown) => this.log.warn({ err: errorMessage(error) }, 'erasure watch stopped'));
  }

  /** Records that the conversation was erased at `at` (before its shared copies are purged). */
  async mark(conversationId: string, at: number): Promise<void> {
    const key = erasureKey(conversationId);
    this.markers.set(key, at);
    await this.kv.put(key, JSON.stringify({ at }));
  }

  /** Whether a copy last written at `updatedAt` predates an erasure of the conversation. */
  erased(conversationId: string, updatedAt: number): boolean {
    const at = this.markers.get(erasureKey(conversationId));
    return at !== undefined && updatedAt <= at;
  }

  close(): void {
    this.watching?.stop();
  }
}
