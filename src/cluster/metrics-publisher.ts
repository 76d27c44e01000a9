import { z } from 'zod';
import { errorMessage } from '../errors.ts';
import { systemClock, type Clock } from '../ports/clock.ts';

/** What a node does in the cluster (`LEADBOT_ROLE`). */
export type NodeRole = 'all' | 'gateway' | 'worker';

/** Where a node's metrics go (NATS `leadbot.metrics.<node>` in a cluster). */
export interface MetricsLink {
  /** Publishes one JSON report. */
  publish(json: string): void;
  /** Calls `handler` when someone asks every node for a report now; returns a stop function. */
  onPing(handler: () => void): () => void;
  /** Calls `handler` with every node's published report (JSON text); returns a stop function. */
  onReport?(handler: (json: string) => void): () => void;
}

/**
 * One node's report on the metrics stream: the `/metrics` JSON plus who sent it and when. The ops
 * CLI reads these; unknown extra fields are kept.
 */
export const NodeMetricsSchema = z.looseObject({
  node_id: z.string(),
  role: z.string(),
  /** Epoch ms when the node built the report. */
  ts: z.number(),
  /** How often the node publishes (ms). */
  interval_ms: z.number(),
  live_conversations: z.number().optional(),
  queue_depth: z.number().optional(),
  in_flight: z.number().optional(),
  messages_received: z.number().optional(),
  replies_sent: z.number().optional(),
  actor_restarts: z.number().optional(),
  pool_capacity_pct: z.number().optional(),
  alert: z.boolean().optional(),
  /** Cluster bus figures (see `NatsBusClusterStats`), when the node runs the NATS bus. */
  cluster: z.looseObject({ handled: z.number().optional(), link: z.string().optional() }).optional(),
});
export type NodeMetrics = z.infer<typeof NodeMetricsSchema>;

export interface MetricsPublisherOptions {
  link: MetricsLink;
  nodeId: string;
  role: NodeRole;
  /** The `/metrics` report (`Metrics.report()`). */
  report: () => Promise<object>;
  /** Extra figures added under `cluster` (the NATS bus's `clusterStats()`). */
  cluster?: () => object;
  /** Publishing period (default 5 s). */
  everyMs?: number;
  log: { warn(obj: object, msg: string): void };
  clock?: Clock;
}

/**
 * Publishes the node's metrics every few seconds, and at once when asked (a ping from the ops CLI),
 * so `nats sub 'leadbot.metrics.>'` and `leadbot metrics --watch` see the whole cluster.
 */
export class MetricsPublisher {
  private timer: NodeJS.Timeout | undefined;
  private stopPing: (() => void) | undefined;
  private readonly everyMs: number;
  private readonly clock: Clock;
  private publishing: Promise<void> | undefined;

  constructor(private readonly options: MetricsPublisherOptions) {
    this.everyMs = options.everyMs ?? 5_000;
    this.clock = options.clock ?? systemClock;
  }

  start(): void {
    this.stopPing = this.options.link.onPing(() => void this.publishNow());
    this.timer = setInterval(() => void this.publishNow(), this.everyMs);
    this.timer.unref();
    void this.publishNow();
  }

  /** Builds and publishes one report; failures are logged, never thrown. */
  publishNow(): Promise<void> {
    // One report at a time: a slow report is not stacked up.
    return (this.publishing ??= this.build()
      .then((json) => this.options.link.publish(json))
      .catch((error: unknown) =>
        this.options.log.warn({ err: errorMessage(error) }, 'could not publish node metrics'),
      )
      .finally(() => {
        this.publishing = undefined;
      }));
  }

  private async build(): Promise<string> {
    const report = await this.options.report();
    const message: Record<string, unknown> = {
      ...report,
      node_id: this.options.nodeId,
      role: this.options.role,
      ts: this.clock.now(),
      interval_ms: this.everyMs,
      ...(this.options.cluster ? { cluster: this.options.cluster() } : {}),
    };
    return JSON.stringify(message);
  }

  close(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.stopPing?.();
    return this.publishing ?? Promise.resolve();
  }
}
