/**
 * The key pool as the whole cluster uses it. Every node runs its own KeyPool over the same keys and
 * publishes its `/metrics` report on the metrics stream; this view keeps the latest report of each
 * node and sums them, so `/metrics` on any node (a gateway too) says how much of each key the
 * cluster uses, not only this node's slice. Reports older than three publishing periods are left
 * out (the node died or lost NATS); they are counted as `stale_nodes`.
 */
import { z } from 'zod';

const KeyLineSchema = z.object({
  key_id: z.string(),
  active_conversations: z.number(),
  capacity_pct: z.number(),
  requests_last_minute: z.number().optional(),
  rpm_limit: z.number().nullable().optional(),
});

const NodePoolSchema = z.object({
  node_id: z.string(),
  ts: z.number(),
  interval_ms: z.number(),
  pool_status: z.array(KeyLineSchema).optional(),
  alert: z.boolean().optional(),
  pool_queue_depth: z.number().optional(),
});
type NodePool = z.infer<typeof NodePoolSchema>;
type KeyLine = z.infer<typeof KeyLineSchema>;

/** The pool figures of one node's report (its own, or one from the stream). */
export interface NodePoolFigures {
  pool_status?: KeyLine[] | undefined;
  alert?: boolean | undefined;
  pool_queue_depth?: number | undefined;
}

/** One key across the cluster. */
export interface ClusterKeyStatus {
  key_id: string;
  /** Conversations pinned to the key on every node. */
  active_conversations: number;
  /** Requests the cluster sent with the key in the last minute. */
  requests_last_minute: number;
  /** The key's rate in force (the lowest any node reports: the provider's word wins on each). */
  rpm_limit: number | null;
  /** Σ requests over the rate, or the busiest node's own figure when higher (conversations, tokens). */
  capacity_pct: number;
}

export interface ClusterPoolReport {
  /** Nodes whose report is fresh (this one included). */
  nodes: number;
  stale_nodes: number;
  pool_status: ClusterKeyStatus[];
  total_active: number;
  pool_capacity_pct: number;
  /** Some node raises its alert, or the cluster stayed at or above the threshold for the alert window. */
  alert: boolean;
  /** Turns waiting for a key on every node. */
  queue_depth: number;
}

export interface ClusterPoolOptions {
  nodeId: string;
  now: () => number;
  alertThresholdPct?: number;
  alertWindowMs?: number;
}

export class ClusterPoolView {
  private readonly nodes = new Map<string, NodePool>();
  private highSince: number | undefined;

  constructor(private readonly options: ClusterPoolOptions) {}

  /** One report from the metrics stream (JSON text); anything malformed is ignored. */
  observe(json: string): void {
    let parsed: unknown;
    try {
      parsed = JSON.parse(json);
    } catch {
      return;
    }
    const report = NodePoolSchema.safeParse(parsed);
    if (report.success && report.data.node_id !== this.options.nodeId)
      this.nodes.set(report.data.node_id, report.data);
  }

  /** The cluster's pool; `own` is this node's live report (fresher than what it published). */
  report(own: NodePoolFigures | undefined): ClusterPoolReport {
    const now = this.options.now();
    const fresh: NodePoolFigures[] = own ? [own] : [];
    let stale = 0;
    for (const node of this.nodes.values()) {
      if (now - node.ts <= 3 * node.interval_ms) fresh.push(node);
      else stale++;
    }
    const keys = new Map<string, { line: ClusterKeyStatus; busiest: number }>();
    for (const node of fresh) for (const line of node.pool_status ?? []) add(keys, line);
    const status = [...keys.values()].map(({ line, busiest }) => {
      const rate = line.rpm_limit ? line.requests_last_minute / line.rpm_limit : 0;
      return { ...line, capacity_pct: Math.max(busiest, Math.round(rate * 100)) };
    });
    const pct = status.length
      ? Math.round(status.reduce((sum, k) => sum + k.capacity_pct, 0) / status.length)
      : 0;
    return {
      nodes: fresh.length,
      stale_nodes: stale,
      pool_status: status,
      total_active: status.reduce((sum, k) => sum + k.active_conversations, 0),
      pool_capacity_pct: pct,
      alert: this.alert(now, pct) || fresh.some((n) => n.alert === true),
      queue_depth: fresh.reduce((sum, n) => sum + (n.pool_queue_depth ?? 0), 0),
    };
  }

  private alert(now: number, pct: number): boolean {
    if (pct >= (this.options.alertThresholdPct ?? 80)) this.highSince ??= now;
    else this.highSince = undefined;
    return this.highSince !== undefined && now - this.highSince >= (this.options.alertWindowMs ?? 60_000);
  }
}

function add(keys: Map<string, { line: ClusterKeyStatus; busiest: number }>, line: KeyLine): void {
  const rpm = line.rpm_limit ?? null;
  const entry = keys.get(line.key_id);
  if (!entry) {
    keys.set(line.key_id, {
      line: {
        key_id: line.key_id,
        active_conversations: line.active_conversations,
        requests_last_minute: line.requests_last_minute ?? 0,
        rpm_limit: rpm,
        capacity_pct: 0,
      },
      busiest: line.capacity_pct,
    });
    return;
  }
  entry.line.active_conversations += line.active_conversations;
  entry.line.requests_last_minute += line.requests_last_minute ?? 0;
  if (rpm !== null)
    entry.line.rpm_limit = entry.line.rpm_limit === null ? rpm : Math.min(entry.line.rpm_limit, rpm);
  entry.busiest = Math.max(entry.busiest, line.capacity_pct);
}
