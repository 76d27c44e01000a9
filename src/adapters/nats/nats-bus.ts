import {
  AckPolicy,
  DeliverPolicy,
  jetstream,
  jetstreamManager,
  type ConsumerMessages,
  type JetStreamClient,
  type JetStreamManager,
  type JsMsg,
} from '@nats-io/jetstream';
import { headers, nanos, nuid, type NatsConnection, type Subscription } from '@nats-io/transport-node';
import { ClientError, ConfigError, ShuttingDownError, errorMessage } from '../../errors.ts';
import type { Bus, BusStats, Delivery, OutboundListener } from '../../ports/bus.ts';
import { systemClock, type Clock } from '../../ports/clock.ts';
import {
  InboundMessageSchema,
  OutboundEventSchema,
  type InboundMessage,
  type OutboundEvent,
} from '../../protocol/index.ts';
import { followLinkStatus, type LinkStatus, type LinkStatusListener } from './connection.ts';
import { PartitionLeases, type ClusterLogger } from './partition-leases.ts';
import { ensureInboundStream, openBucket } from './resources.ts';
import { ConversationScheduler, type HeldMessage } from './scheduler.ts';
import {
  DEFAULT_PARTITIONS,
  INBOUND_STREAM,
  OUTBOUND_PREFIX,
  OWNERS_BUCKET,
  consumerName,
  inboundSubject,
  outboundSubject,
  partitionOf,
} from './subjects.ts';

export type { Delivery };

/** A worker's handler; the bus never runs two messages of one conversation at once, cluster-wide. */
export type FencedInboundHandler = (message: InboundMessage, delivery: Delivery) => Promise<void>;

export interface NatsBusOptions {
  nc: NatsConnection;
  nodeId: string;
  log: ClusterLogger;
  /** Turns running at once on this node. */
  concurrency: number;
  /** Partitions of the inbound stream; every node must agree (default 16). */
  partitions?: number;
  /** Burst window, as the in-process bus (0 = off). */
  coalesceMs?: number;
  /** Messages a partition delivers to its owner before acks (default 64). */
  maxAckPending?: number;
  /** JetStream redelivers a message not acked (nor marked in progress) within this long (default 60 s). */
  ackWaitMs?: number;
  /** Deliveries of one message before JetStream stops trying (default 100). */
  maxDeliver?: number;
  /** Partition lease time: how long a dead node's partitions wait for a new owner (default 10 s). */
  leaseTtlMs?: number;
  /** Lease renewal and balancing period (default a third of the lease time). */
  renewEveryMs?: number;
  /** Longest wait for JetStream to acknowledge a publish (default 5 s). */
  publishTimeoutMs?: number;
  /** Inbound messages no worker took within this long are dropped (default 7 days). */
  streamMaxAgeMs?: number;
  /** Stream and bucket replicas in a NATS cluster (default 1). */
  replicas?: number;
  /** Called when a handler rejects (it should not; this is the last net). */
  onHandlerError: (error: unknown, message: InboundMessage) => void;
  /** Close `nc` on `close()` (when the bus made the connection). */
  ownsConnection?: boolean;
  clock?: Clock;
}

/** Cluster figures for `/health` and the metrics stream. */
export interface NatsBusClusterStats {
  node_id: string;
  link: LinkStatus;
  partitions: number;
  owned_partitions: number[];
  live_workers: number;
  handled: number;
  redelivered: number;
  publish_refused: number;
}

const ORIGIN_HEADER = 'Leadbot-Origin';

/**
 * The cluster bus on NATS JetStream.
 *
 * - `publish` stores the message in the `LEADBOT_IN` work-queue stream on `leadbot.in.<p>` (p = a
 *   stable hash of the conversation) and resolves once JetStream acknowledged it. The msg id
 *   `<conversationId>/<message id>` makes JetStream drop a republished copy.
 * - A worker (`consume`) owns partitions through leases (see `PartitionLeases`); for each it runs a
 *   durable pull consumer named after the lease's fence. Taking a partition deletes the previous
 *   owner's consumer, so JetStream delivers every message that was not acked, in stream order,
 *   to the new owner at once.
 * - Messages of one conversation run one at a time in order; others concurrently (`concurrency`).
 *   A message is acked only after its turn settled, and only while the lease is still held.
 * - Outbound events go out on core NATS `leadbot.out.<tenant>.<channel>`; every node listens on
 *   `leadbot.out.>` and gives each event to its listeners (the channels holding the sockets).
 */
export class NatsBus implements Bus {
  private readonly nc: NatsConnection;
  private readonly js: JetStreamClient;
  private readonly jsm: JetStreamManager;
  private readonly partitions: number;
  private readonly instance = nuid.next();
  private readonly listeners = new Set<OutboundListener>();
  private readonly statusListeners = new Set<LinkStatusListener>();
  private readonly scheduler: ConversationScheduler<JsMsg>;
  private readonly pulls = new Map<number, ConsumerMessages>();
  private readonly clock: Clock;
  private leases: PartitionLeases | undefined;
  private handler: FencedInboundHandler | undefined;
  private outbound: Subscription | undefined;
  private stopStatus: (() => void) | undefined;
  private heartbeat: NodeJS.Timeout | undefined;
  private link: LinkStatus;
  private closing = false;
  private dead = false;
  private draining: Promise<void> | undefined;
  private workerStarting: Promise<void> | undefined;
  private counters = { handled: 0, redelivered: 0, publishRefused: 0 };

  private constructor(
    private readonly options: NatsBusOptions,
    jsm: JetStreamManager,
  ) {
    this.nc = options.nc;
    this.jsm = jsm;
    this.js = jetstream(options.nc, { timeout: options.publishTimeoutMs ?? 5_000 });
    this.partitions = options.partitions ?? DEFAULT_PARTITIONS;
    this.clock = options.clock ?? systemClock;
    this.link = options.nc.isClosed() ? 'disconnected' : 'connected';
    this.scheduler = new ConversationScheduler<JsMsg>({
      concurrency: options.concurrency,
      coalesceMs: options.coalesceMs ?? 0,
      run: (turn, held) => this.runTurn(turn, held),
    });
  }

  /** Creates the stream if needed, starts listening for outbound events and following the link. */
  static async create(options: NatsBusOptions): Promise<NatsBus> {
    const partitions = options.partitions ?? DEFAULT_PARTITIONS;
    if (!Number.isInteger(partitions) || partitions < 1 || partitions > 1024)
      throw new RangeError(`partitions must be a whole number from 1 to 1024, got ${partitions}`);
    const jsm = await jetstreamManager(options.nc).catch((cause: unknown) => {
      throw new ConfigError(
        `The NATS server has no JetStream (${errorMessage(cause)}): start nats-server with -js (or enable JetStream for this account).`,
        { cause },
      );
    });
    await ensureInboundStream(jsm, {
      partitions,
      maxAgeMs: options.streamMaxAgeMs ?? 7 * 24 * 3_600_000,
      duplicateWindowMs: 2 * 60_000,
      replicas: options.replicas ?? 1,
    });
    const bus = new NatsBus(options, jsm);
    bus.start();
    return bus;
  }

  private start(): void {
    this.outbound = this.nc.subscribe(`${OUTBOUND_PREFIX}.>`, {
      callback: (error, msg) => {
        if (error) {
          this.options.log.warn({ err: errorMessage(error) }, 'outbound subscription error');
          return;
        }
        if (msg.headers?.get(ORIGIN_HEADER) === this.instance) return;
        let raw: unknown;
        try {
          raw = msg.json();
        } catch (cause) {
          this.options.log.warn(
            { subject: msg.subject, err: errorMessage(cause) },
            'outbound event is not JSON',
          );
          return;
        }
        const parsed = OutboundEventSchema.safeParse(raw);
        if (!parsed.success) {
          this.options.log.warn({ subject: msg.subject }, 'outbound event with an unknown shape ignored');
          return;
        }
        this.deliverLocally(parsed.data);
      },
    });
    this.stopStatus = followLinkStatus(this.nc, (status) => {
      this.link = status;
      this.options.log.info({ link: status }, `NATS link ${status}`);
      for (const listener of this.statusListeners) listener(status);
    });
    void this.nc.closed().then(() => this.connectionClosed());
  }

  /** Link status changes (connected / reconnecting / disconnected); returns an unsubscribe. */
  onStatus(listener: LinkStatusListener): () => void {
    this.statusListeners.add(listener);
    return () => this.statusListeners.delete(listener);
  }

  get status(): LinkStatus {
    return this.link;
  }

  async publish(message: InboundMessage): Promise<void> {
    if (this.closing || this.dead) throw new ShuttingDownError();
    if (this.link !== 'connected') {
      this.counters.publishRefused++;
      throw unavailable();
    }
    const partition = partitionOf(message.conversationId, this.partitions);
    try {
      await this.js.publish(inboundSubject(partition), JSON.stringify(message), {
        msgID: `${message.conversationId}/${message.id}`,
        timeout: this.options.publishTimeoutMs ?? 5_000,
      });
    } catch (cause) {
      this.counters.publishRefused++;
      throw unavailable(cause);
    }
  }

  consume(handler: FencedInboundHandler): void {
    if (this.handler) throw new Error('NatsBus.consume: a handler is already set (one per node)');
    this.handler = handler;
    this.workerStarting = this.startWorker().catch((error: unknown) =>
      this.options.log.error({ err: errorMessage(error) }, 'could not start the NATS worker'),
    );
  }

  /** Fence of the conversation's partition while this node holds its lease, else undefined. */
  currentFence(conversationId: string): number | undefined {
    return this.leases?.fenceFor(conversationId);
  }

  private async startWorker(): Promise<void> {
    const ttlMs = this.options.leaseTtlMs ?? 10_000;
    const kvClient = jetstream(this.nc, { timeout: Math.max(1_000, Math.min(5_000, ttlMs / 3)) });
    for (;;) {
      if (this.closing || this.dead) return;
      try {
        const { kv, ttlMs: effective } = await openBucket(kvClient, OWNERS_BUCKET, {
          ttlMs,
          replicas: this.options.replicas ?? 1,
        });
        if (effective !== ttlMs)
          this.options.log.warn(
            { configuredMs: ttlMs, bucketMs: effective },
            'the owners bucket has another lease time; using the bucket’s',
          );
        const leases = new PartitionLeases({
          kv,
          partitions: this.partitions,
          nodeId: this.options.nodeId,
          instance: this.instance,
          ttlMs: effective,
          // Never slower than a third of the lease the bucket really has.
          renewEveryMs: Math.max(
            100,
            Math.min(this.options.renewEveryMs ?? Infinity, Math.floor(effective / 3)),
          ),
          log: this.options.log,
          clock: this.clock,
          hooks: {
            acquired: (p, fence) => this.startPartition(p, fence),
            releasing: (p) => this.stopPartition(p),
            lost: (p) => this.losePartition(p),
          },
        });
        this.leases = leases;
        await leases.start();
        break;
      } catch (error) {
        this.options.log.warn({ err: errorMessage(error) }, 'NATS worker start failed; retrying');
        await new Promise((resolve) => setTimeout(resolve, 1_000));
      }
    }
    const ackWait = this.options.ackWaitMs ?? 60_000;
    // Held messages (queued or in a long turn) are marked in progress well within the ack wait.
    this.heartbeat = setInterval(() => this.markInProgress(), Math.max(500, Math.floor(ackWait / 3)));
  }

  private async startPartition(partition: number, fence: number): Promise<void> {
    const subject = inboundSubject(partition);
    const name = consumerName(partition, fence);
    // The previous owner's consumer goes: what it did not ack is delivered again, in order, to ours.
    // What it had delivered may have been handled already: those messages are marked redelivered.
    let deliveredBefore = 0;
    for await (const info of this.jsm.consumers.list(INBOUND_STREAM)) {
      if (info.config.filter_subject !== subject || info.name === name) continue;
      deliveredBefore = Math.max(deliveredBefore, info.delivered.stream_seq);
      await this.jsm.consumers.delete(INBOUND_STREAM, info.name);
    }
    await this.jsm.consumers.add(INBOUND_STREAM, {
      durable_name: name,
      filter_subject: subject,
      ack_policy: AckPolicy.Explicit,
      deliver_policy: DeliverPolicy.All,
      ack_wait: nanos(this.options.ackWaitMs ?? 60_000),
      max_deliver: this.options.maxDeliver ?? 100,
      max_ack_pending: this.options.maxAckPending ?? 64,
    });
    const consumer = await this.js.consumers.get(INBOUND_STREAM, name);
    const messages = await consumer.consume({ max_messages: this.options.maxAckPending ?? 64 });
    this.pulls.set(partition, messages);
    void this.pull(partition, fence, messages, deliveredBefore);
  }

  private async pull(
    partition: number,
    fence: number,
    messages: ConsumerMessages,
    deliveredBefore: number,
  ): Promise<void> {
    try {
      for await (const msg of messages) {
        if (this.leases?.fence(partition) !== fence) break;
        this.receive(partition, msg, msg.redelivered || msg.seq <= deliveredBefore);
      }
    } catch (error) {
      this.options.log.warn({ partition, err: errorMessage(error) }, 'partition consumer stopped');
    }
  }

  private receive(partition: number, msg: JsMsg, redelivered: boolean): void {
    let raw: unknown;
    try {
      raw = msg.json();
    } catch {
      raw = undefined;
    }
    const parsed = InboundMessageSchema.safeParse(raw);
    if (!parsed.success) {
      // Nothing can ever handle it: terminate it rather than redeliver it for ever.
      this.options.log.warn({ partition, seq: msg.seq }, 'inbound message with an unknown shape dropped');
      msg.term();
      return;
    }
    if (redelivered) this.counters.redelivered++;
    this.scheduler.add({ seq: msg.seq, partition, message: parsed.data, redelivered, handle: msg });
  }

  private async runTurn(turn: InboundMessage, held: HeldMessage<JsMsg>[]): Promise<void> {
    const partition = held[0]!.partition;
    const fence = this.leases?.fence(partition);
    // The lease ran out while the message waited: the next owner runs it.
    if (fence === undefined || !this.handler || this.dead) return;
    try {
      await this.handler(turn, { fence, partition, redelivered: held.some((h) => h.redelivered) });
    } catch (error) {
      this.options.onHandlerError(error, turn);
    }
    this.counters.handled += held.length;
    // Acked only by the owner: after a lost lease the new owner handles it again (at least once).
    if (this.dead || this.leases?.fence(partition) !== fence) return;
    for (const h of held) {
      try {
        h.handle.ack();
      } catch (error) {
        this.options.log.warn({ partition, seq: h.seq, err: errorMessage(error) }, 'ack failed');
      }
    }
  }

  private markInProgress(): void {
    for (const held of this.scheduler.held()) {
      if (this.leases?.fence(held.partition) === undefined) continue;
      try {
        held.handle.working();
      } catch (error) {
        this.options.log.debug({ err: errorMessage(error) }, 'in-progress mark failed');
      }
    }
  }

  private async stopPartition(partition: number): Promise<void> {
    await this.closePull(partition);
    await this.scheduler.whenIdle(partition);
  }

  private losePartition(partition: number): void {
    void this.closePull(partition);
    this.scheduler.dropPartition(partition);
  }

  private async closePull(partition: number): Promise<void> {
    const messages = this.pulls.get(partition);
    this.pulls.delete(partition);
    try {
      await messages?.close();
    } catch (error) {
      this.options.log.debug({ partition, err: errorMessage(error) }, 'closing a partition consumer failed');
    }
  }

  publishOutbound(event: OutboundEvent): Promise<void> {
    this.deliverLocally(event);
    if (this.dead) return Promise.resolve();
    const h = headers();
    h.set(ORIGIN_HEADER, this.instance);
    try {
      // Core NATS: buffered by the client while reconnecting, at most once to each gateway.
      this.nc.publish(outboundSubject(event.tenantId, event.channel), JSON.stringify(event), { headers: h });
      return Promise.resolve();
    } catch (error) {
      return Promise.reject(error instanceof Error ? error : new Error(String(error)));
    }
  }

  /**
   * Reply ids handed to channels lately: a new owner that re-publishes the replies of a turn the dead
   * owner persisted (it cannot know whether they left) is not sent twice to the person.
   */
  private readonly deliveredReplies = new Set<string>();

  private deliverLocally(event: OutboundEvent): void {
    if (event.type === 'bot.message') {
      const key = `${event.conversationId}\u0000${event.id}`;
      if (this.deliveredReplies.has(key)) return;
      this.deliveredReplies.add(key);
      if (this.deliveredReplies.size > 20_000) {
        // Oldest first (Set keeps insertion order).
        for (const id of this.deliveredReplies) {
          this.deliveredReplies.delete(id);
          if (this.deliveredReplies.size <= 15_000) break;
        }
      }
    }
    for (const listener of this.listeners) {
      try {
        listener(event);
      } catch (error) {
        this.options.log.error(
          { conversationId: event.conversationId, err: errorMessage(error) },
          'outbound listener failed',
        );
      }
    }
  }

  subscribeOutbound(listener: OutboundListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  stats(): BusStats {
    return this.scheduler.stats();
  }

  clusterStats(): NatsBusClusterStats {
    return {
      node_id: this.options.nodeId,
      link: this.link,
      partitions: this.partitions,
      owned_partitions: (this.leases?.ownedPartitions() ?? []).map((o) => o.partition).sort((a, b) => a - b),
      live_workers: this.leases?.liveWorkers() ?? 0,
      handled: this.counters.handled,
      redelivered: this.counters.redelivered,
      publish_refused: this.counters.publishRefused,
    };
  }

  /**
   * Stops intake (publish refuses with `shutting_down`), hands every partition over after the
   * messages this node holds were handled and acked, so other workers continue at once.
   */
  drain(): Promise<void> {
    this.closing = true;
    return (this.draining ??= (async () => {
      await this.workerStarting;
      await this.leases?.stop();
      if (this.heartbeat) clearInterval(this.heartbeat);
      for (const partition of [...this.pulls.keys()]) await this.closePull(partition);
      await this.scheduler.whenIdle();
    })());
  }

  async close(): Promise<void> {
    await this.drain();
    this.outbound?.unsubscribe();
    this.stopStatus?.();
    this.listeners.clear();
    if (this.options.ownsConnection && !this.nc.isClosed()) await this.nc.drain();
  }

  /** The connection closed under us (not by `close`): stop everything; other nodes take over. */
  private connectionClosed(): void {
    if (this.dead) return;
    this.dead = true;
    if (!this.closing) this.options.log.error({}, 'NATS connection closed; this node stops consuming');
    this.leases?.kill();
    if (this.heartbeat) clearInterval(this.heartbeat);
    this.pulls.clear();
    this.scheduler.clear();
  }
}

/** The queue is unreachable: the channel tells the person to retry (no message was accepted). */
function unavailable(cause?: unknown): ClientError {
  return new ClientError(
    'unavailable',
    'leadbot cannot reach its message queue right now and is reconnecting; retry in a few seconds.',
    { status: 503, ...(cause === undefined ? {} : { cause }) },
  );
}
