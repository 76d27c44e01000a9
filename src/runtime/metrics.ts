import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { OutboxStatus } from '../ports/outbox.ts';
import { outboxStatusView, type OutboxStatusView } from './outbox-view.ts';

/** One key's line in the pool report. */
export interface PoolKeyStatus {
  key_id: string;
  active_conversations: number;
  capacity_pct: number;
}

/** The `/metrics` JSON of DESIGN.md (pool report) plus node figures. */
export interface MetricsReport {
  pool_status: (PoolKeyStatus & { rate_limited_total?: number })[];
  total_active: number;
  pool_capacity_pct: number;
  alert: boolean;
  /** Turns waiting for a key. */
  pool_queue_depth: number;
  /** Keys cooling after a 429 or an open circuit breaker. */
  cooldowns: number;
  /** Times the key pool actor restarted after a crash (pins and leases rebuilt). */
  pool_restarts: number;
  /** Turns the built-in model answered because the provider failed or no key was free. */
  model_fallbacks: number;
  node_id: string;
  model: string;
  live_conversations: number;
  running_actors: number;
  queue_depth: number;
  in_flight: number;
  messages_received: number;
  replies_sent: number;
  leads_stored: number;
  turn_failures: number;
  actor_restarts: number;
  actor_escalations: number;
  handoffs_overdue: number;
  messages_blocked: number;
  messages_flagged: number;
  uptime_s: number;
  /** Cluster mode: the pool summed over every node that reported lately (`ClusterPoolReport`). */
  cluster_pool?: object;
  /** The CRM outbox: counts, oldest undelivered age, whether the CRM answers (absent without a webhook). */
  crm_outbox?: OutboxStatusView;
  /** The team-alert outbox (Slack, Teams): the same figures. */
  alerts_outbox?: OutboxStatusView;
  /** Resource admission: the last sample (event-loop lag, heap share) and messages admitted / refused by reason. */
  admission?: object;
}

/** What a key pool reports (see `KeyPool.report`). */
export interface PoolReport {
  pool_status: (PoolKeyStatus & { rate_limited_total?: number })[];
  total_active: number;
  pool_capacity_pct: number;
  alert: boolean;
  queue_depth: number;
  cooldowns: number;
  restarts?: number;
}

export interface MetricsSources {
  nodeId: string;
  model: string;
  liveConversations: () => number;
  /** Started actors (turns or timers running now); the other live conversations are dormant. */
  runningActors?: () => number;
  bus: () => { queued: number; inFlight: number };
  /** Absent until LLM keys are configured. */
  pool?: () => PoolReport;
}

/** The pool across the cluster, from every node's published report (see `cluster/cluster-pool.ts`). */
export type ClusterPoolSource = (own: (PoolReport & { pool_queue_depth: number }) | undefined) => object;

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
  readonly restarts = new Counter({
    name: 'leadbot_actor_restarts_total',
    help: 'Conversation actors restarted from their last snapshot after a failure.',
    registers: [this.registry],
  });
  readonly escalations = new Counter({
    name: 'leadbot_actor_escalations_total',
    help: 'Conversations whose actor exceeded the restart intensity (ops should look).',
    registers: [this.registry],
  });
  readonly threats = new Counter({
    name: 'leadbot_threats_total',
    help: 'Messages the ThreatDetector flagged or blocked before any model saw them.',
    labelNames: ['verdict'] as const,
    registers: [this.registry],
  });
  readonly handoffsOverdue = new Counter({
    name: 'leadbot_handoffs_overdue_total',
    help: 'Cases handed to a human that nobody took over before the handoff deadline.',
    registers: [this.registry],
  });
  readonly rejected = new Counter({
    name: 'leadbot_messages_rejected_total',
    help: 'Inbound messages refused at the edge, by error code.',
    labelNames: ['code'] as const,
    registers: [this.registry],
  });
  readonly fallbacks = new Counter({
    name: 'leadbot_model_fallbacks_total',
    help: 'Turns answered by the built-in model because the provider failed, timed out or no key was free.',
    labelNames: ['reason'] as const,
    registers: [this.registry],
  });
  readonly turnSeconds = new Histogram({
    name: 'leadbot_turn_duration_seconds',
    help: 'Time from dequeue to last reply of a turn.',
    labelNames: ['channel'] as const,
    buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 2, 5, 10, 30],
    registers: [this.registry],
  });
  readonly actorReadySeconds = new Histogram({
    name: 'leadbot_actor_ready_seconds',
    help: 'Time to make a conversation actor ready: spawned, rehydrated from its snapshot, or restarted after a crash (back-off excluded).',
    labelNames: ['how'] as const,
    buckets: [0.0001, 0.0005, 0.001, 0.002, 0.005, 0.01, 0.05, 0.1, 0.5],
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
    const poolActive: Gauge<'key_id'> = new Gauge({
      name: 'leadbot_pool_active_conversations',
      help: 'Conversations pinned to each LLM key.',
      labelNames: ['key_id'] as const,
      registers: [this.registry],
      collect: () => {
        for (const k of this.sources.pool?.().pool_status ?? [])
          poolActive.set({ key_id: k.key_id }, k.active_conversations);
      },
    });
    const poolCapacity: Gauge<'key_id'> = new Gauge({
      name: 'leadbot_pool_capacity_pct',
      help: 'Highest budget pressure on each LLM key (conversations, requests or tokens), in percent.',
      labelNames: ['key_id'] as const,
      registers: [this.registry],
      collect: () => {
        for (const k of this.sources.pool?.().pool_status ?? [])
          poolCapacity.set({ key_id: k.key_id }, k.capacity_pct);
      },
    });
    const rateLimited: Gauge<'key_id'> = new Gauge({
      name: 'leadbot_pool_provider_429_total',
      help: '429 answers received from the provider, per key.',
      labelNames: ['key_id'] as const,
      registers: [this.registry],
      collect: () => {
        for (const k of this.sources.pool?.().pool_status ?? []) {
          const total = k.rate_limited_total;
          if (typeof total === 'number') rateLimited.set({ key_id: k.key_id }, total);
        }
      },
    });
  }

  private async total(counter: Counter<string>): Promise<number> {
    const data = await counter.get();
    return data.values.reduce((sum, v) => sum + v.value, 0);
  }

  /** The count of one label set of a counter. */
  private async count(counter: Counter<string>, labels: Record<string, string>): Promise<number> {
    const data = await counter.get();
    return data.values
      .filter((v) => Object.entries(labels).every(([k, value]) => v.labels[k] === value))
      .reduce((sum, v) => sum + v.value, 0);
  }

  private clusterPool: ClusterPoolSource | undefined;
  private outbox: (() => Promise<OutboxStatus>) | undefined;

  /** `/metrics` reports `crm_outbox`; Prometheus gets `leadbot_outbox_*` gauges. */
  setOutbox(source: () => Promise<OutboxStatus>): void {
    this.outbox = source;
    const view = this.outboxGauges('leadbot_outbox', source, {
      entries: 'CRM outbox entries by status (pending, delivered, dead).',
      oldest: 'Age of the oldest lead or ticket not yet delivered to the CRM (0 when none waits).',
    });
    const failures: Gauge = new Gauge({
      name: 'leadbot_outbox_consecutive_failures',
      help: 'CRM pushes failed in a row (0 while the CRM answers).',
      registers: [this.registry],
      collect: async () => failures.set((await view()).consecutive_failures),
    });
  }

  private alertsOutbox: (() => Promise<OutboxStatus>) | undefined;

  /** `/metrics` reports `alerts_outbox`; Prometheus gets `leadbot_alerts_outbox_*` gauges. */
  setAlertsOutbox(source: () => Promise<OutboxStatus>): void {
    this.alertsOutbox = source;
    this.outboxGauges('leadbot_alerts_outbox', source, {
      entries: 'Team alert outbox entries (Slack, Teams) by status (pending, delivered, dead).',
      oldest: 'Age of the oldest team alert not yet delivered (0 when none waits).',
    });
  }

  /** `<prefix>_entries{status}` and `<prefix>_oldest_pending_age_seconds` of one outbox; returns its view. */
  private outboxGauges(
    prefix: string,
    source: () => Promise<OutboxStatus>,
    help: { entries: string; oldest: string },
  ): () => Promise<OutboxStatusView> {
    const view = async () => outboxStatusView(await source(), Date.now());
    const entries: Gauge<'status'> = new Gauge({
      name: `${prefix}_entries`,
      help: help.entries,
      labelNames: ['status'] as const,
      registers: [this.registry],
      collect: async () => {
        const now = await view();
        for (const status of ['pending', 'delivered', 'dead'] as const) entries.set({ status }, now[status]);
      },
    });
    const oldest: Gauge = new Gauge({
      name: `${prefix}_oldest_pending_age_seconds`,
      help: help.oldest,
      registers: [this.registry],
      collect: async () => oldest.set((await view()).oldest_pending_age_s ?? 0),
    });
    return view;
  }

  private admission: { report: () => object } | undefined;

  /** `/metrics` reports `admission` (lag, heap, admitted, refused by reason). */
  setAdmission(source: { report: () => object }): void {
    this.admission = source;
  }

  /** Cluster mode: `/metrics` also reports `cluster_pool`, the pool summed over every node. */
  setClusterPool(source: ClusterPoolSource): void {
    this.clusterPool = source;
  }

  async report(): Promise<MetricsReport> {
    const pool = this.sources.pool?.();
    const bus = this.sources.bus();
    const cluster = this.clusterPool?.(pool ? { ...pool, pool_queue_depth: pool.queue_depth } : undefined);
    return {
      ...(cluster ? { cluster_pool: cluster } : {}),
      ...(this.admission ? { admission: this.admission.report() } : {}),
      ...(this.outbox ? { crm_outbox: outboxStatusView(await this.outbox(), Date.now()) } : {}),
      ...(this.alertsOutbox
        ? { alerts_outbox: outboxStatusView(await this.alertsOutbox(), Date.now()) }
        : {}),
      pool_status: pool?.pool_status ?? [],
      total_active: pool?.total_active ?? 0,
      pool_capacity_pct: pool?.pool_capacity_pct ?? 0,
      alert: pool?.alert ?? false,
      pool_queue_depth: pool?.queue_depth ?? 0,
      cooldowns: pool?.cooldowns ?? 0,
      pool_restarts: pool?.restarts ?? 0,
      model_fallbacks: await this.total(this.fallbacks),
      node_id: this.sources.nodeId,
      model: this.sources.model,
      live_conversations: this.sources.liveConversations(),
      running_actors: this.sources.runningActors?.() ?? 0,
      queue_depth: bus.queued,
      in_flight: bus.inFlight,
      messages_received: await this.total(this.messagesReceived),
      replies_sent: await this.total(this.repliesSent),
      leads_stored: await this.total(this.leadsStored),
      turn_failures: await this.total(this.turnFailures),
      actor_restarts: await this.total(this.restarts),
      actor_escalations: await this.total(this.escalations),
      handoffs_overdue: await this.total(this.handoffsOverdue),
      messages_blocked: await this.count(this.threats, { verdict: 'block' }),
      messages_flagged: await this.count(this.threats, { verdict: 'flag' }),
      uptime_s: Math.round((Date.now() - this.started) / 1000),
    };
  }
}
