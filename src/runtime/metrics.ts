import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** One key's line in the pool report. */
export interface PoolKeyStatus {
  key_id: string;
  active_conversations: number;
  capacity_pct: number;
}

/** The `/metrics` JSON of DESIGN.md (pool report) plus node figures. */
export interface MetricsReport {
  pool_status: PoolKeyStatus[];
  total_active: number;
  pool_capacity_pct: number;
  alert: boolean;
  node_id: string;
  model: string;
  live_conversations: number;
  queue_depth: number;
  in_flight: number;
  messages_received: number;
  replies_sent: number;
  leads_stored: number;
  turn_failures: number;
  uptime_s: number;
}

export interface MetricsSources {
  nodeId: string;
  model: string;
  liveConversations: () => number;
  bus: () => { queued: number; inFlight: number };
  /** Empty until a key pool is configured. */
  pool: () => PoolKeyStatus[];
}

/** Prometheus registry and the JSON report, from one set of counters. */
export class Metrics {
  readonly registry = new Registry();
  private readonly started = Date.now();
  readonly messagesReceived = new Counter({
    name: 'leadbot_messages_received_total',
    help: 'Inbound messages accepted, by channel.',
    labelNames: ['channel'] as const,
    registers: [this.registry],
  });
  readonly repliesSent = new Counter({
    name: 'leadbot_replies_sent_total',
    help: 'Bot replies published, by channel.',
    labelNames: ['channel'] as const,
    registers: [this.registry],
  });
  readonly leadsStored = new Counter({
    name: 'leadbot_leads_stored_total',
    help: 'Lead writes, by qualification and status.',
    labelNames: ['qualification', 'status'] as const,
    registers: [this.registry],
  });
  readonly turnFailures = new Counter({
    name: 'leadbot_turn_failures_total',
    help: 'Turns that failed and were answered with an apology.',
    registers: [this.registry],
  });
  readonly rejected = new Counter({
    name: 'leadbot_messages_rejected_total',
    help: 'Inbound messages refused at the edge, by error code.',
    labelNames: ['code'] as const,
    registers: [this.registry],
  });
  readonly turnSeconds = new Histogram({
    name: 'leadbot_turn_duration_seconds',
    help: 'Time from dequeue to last reply of a turn.',
    labelNames: ['channel'] as const,
    buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 2, 5, 10, 30],
    registers: [this.registry],
  });

  constructor(private readonly sources: MetricsSources) {
    collectDefaultMetrics({ register: this.registry, prefix: 'leadbot_' });
    const live: Gauge = new Gauge({
      name: 'leadbot_live_conversations',
      help: 'Conversation actors in memory.',
      registers: [this.registry],
      collect: () => live.set(this.sources.liveConversations()),
    });
    const queued: Gauge = new Gauge({
      name: 'leadbot_bus_queued_messages',
      help: 'Inbound messages waiting for a worker.',
      registers: [this.registry],
      collect: () => queued.set(this.sources.bus().queued),
    });
  }

  private async total(counter: Counter<string>): Promise<number> {
    const data = await counter.get();
    return data.values.reduce((sum, v) => sum + v.value, 0);
  }

  async report(): Promise<MetricsReport> {
    const pool = this.sources.pool();
    const totalActive = pool.reduce((sum, k) => sum + k.active_conversations, 0);
    const capacity = pool.length ? Math.round(pool.reduce((s, k) => s + k.capacity_pct, 0) / pool.length) : 0;
    const bus = this.sources.bus();
    return {
      pool_status: pool,
      total_active: totalActive,
      pool_capacity_pct: capacity,
      alert: capacity >= 80,
      node_id: this.sources.nodeId,
      model: this.sources.model,
      live_conversations: this.sources.liveConversations(),
      queue_depth: bus.queued,
      in_flight: bus.inFlight,
      messages_received: await this.total(this.messagesReceived),
      replies_sent: await this.total(this.repliesSent),
      leads_stored: await this.total(this.leadsStored),
      turn_failures: await this.total(this.turnFailures),
      uptime_s: Math.round((Date.now() - this.started) / 1000),
    };
  }
}
