import {
  jetstream,
  jetstreamManager,
  type JetStreamClient,
  type JetStreamManager,
  type JsMsg,
} from '@nats-io/jetstream';
import { nuid, type NatsConnection } from '@nats-io/transport-node';
import { ClientError, ConfigError, ShuttingDownError, errorMessage } from '../../errors.ts';
import type { Bus, BusStats, Delivery, OutboundListener } from '../../ports/bus.ts';
import { systemClock, type Clock } from '../../ports/clock.ts';
import { InboundMessageSchema, type InboundMessage, type OutboundEvent } from '../../protocol/index.ts';
import { followLinkStatus, type LinkStatus, type LinkStatusListener } from './connection.ts';
import { OutboundFanOut } from './nats-outbound.ts';
import { PartitionConsumers } from './nats-partition-consumers.ts';
import type { NatsBusClusterStats, NatsBusOptions } from './nats-bus-options.ts';
import { PartitionLeases } from './partition-leases.ts';
import { ensureInboundStream, openBucket } from './resources.ts';
import { ConversationScheduler, type HeldMessage } from './scheduler.ts';
import { WorkerPresence } from './worker-presence.ts';
import { DEFAULT_PARTITIONS, OWNERS_BUCKET, inboundSubject, partitionOf } from './subjects.ts';

export type { Delivery };
export type { NatsBusClusterStats, NatsBusOptions } from './nats-bus-options.ts';

/** A worker's handler; the bus never runs two messages of one conversation at once, cluster-wide. */
export type FencedInboundHandler = (message: InboundMessage, delivery: Delivery) => Promise<void>;

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
  private readonly partitions: number;
  private readonly instance = nuid.next();
  private readonly fanOut: OutboundFanOut;
  private readonly statusListeners = new Set<LinkStatusListener>();
  private readonly acquiredListeners = new Set<(partition: number) => void>();
  private readonly scheduler: ConversationScheduler<JsMsg>;
  private readonly consumers: PartitionConsumers;
  private readonly clock: Clock;
  private leases: PartitionLeases | undefined;
  private presence: WorkerPresence | undefined;
  private handler: FencedInboundHandler | undefined;
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
    this.js = jetstream(options.nc, { timeout: options.publishTimeoutMs ?? 5_000 });
    this.partitions = options.partitions ?? DEFAULT_PARTITIONS;
    this.clock = options.clock ?? systemClock;
    this.link = options.nc.isClosed() ? 'disconnected' : 'connected';
    this.scheduler = new ConversationScheduler<JsMsg>({
      concurrency: options.concurrency,
      coalesceMs: options.coalesceMs ?? 0,
      run: (turn, held) => this.runTurn(turn, held),
    });
    this.fanOut = new OutboundFanOut(options.nc, this.instance, options.log);
    this.consumers = new PartitionConsumers({
      js: this.js,
      jsm,
      log: options.log,
      ackWaitMs: options.ackWaitMs,
      maxDeliver: options.maxDeliver,
      maxAckPending: options.maxAckPending,
      // Held, not necessarily usable: a consumer keeps running through a short link loss.
      fence: (partition) => this.leases?.heldFence(partition),
      receive: (partition, msg, redelivered) => this.receive(partition, msg, redelivered),
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
    this.fanOut.listen();
    this.stopStatus = followLinkStatus(this.nc, (status) => {
      this.link = status;
      this.leases?.setLinked(status === 'connected');
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

  /** This process run's id (what its leases and delivery claims carry). */
  get instanceId(): string {
    return this.instance;
  }

  partitionFor(conversationId: string): number {
    return partitionOf(conversationId, this.partitions);
  }

  /** Called each time this node takes a partition (a new owner picks up what the old one left). */
  onPartitionAcquired(listener: (partition: number) => void): () => void {
    this.acquiredListeners.add(listener);
    return () => this.acquiredListeners.delete(listener);
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
            acquired: async (p, fence) => {
              await this.consumers.start(p, fence);
              for (const listener of this.acquiredListeners) listener(p);
            },
            releasing: (p) => this.stopPartition(p),
            lost: (p) => this.losePartition(p),
          },
        });
        this.leases = leases;
        this.presence ??= new WorkerPresence({
          nc: this.nc,
          instance: this.instance,
          log: this.options.log,
          probeEveryMs: this.options.probeEveryMs,
          peers: () => this.leases?.peers() ?? [],
          dead: (instance) => this.leases?.markDead(instance),
        });
        // Answer probes before taking any lease, so nobody takes this node for dead.
        await this.presence.start();
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
    // Waits out a link loss (the lease is renewed first); undefined: the next owner runs it.
    const fence = await this.leases?.usableFence(partition);
    if (fence === undefined || !this.handler || this.dead) return;
    let laterMs: number | undefined;
    const retryLater = (delayMs: number) => (laterMs = delayMs);
    try {
      const redelivered = held.some((h) => h.redelivered);
      await this.handler(turn, { fence, partition, redelivered, retryLater });
    } catch (error) {
      this.options.onHandlerError(error, turn);
      // Never dropped for an unexpected failure (the disk filled while catching up…): it comes again.
      laterMs ??= 2_000;
    }
    // Not handled now (the disk is full): queued again, a little later each time (up to a minute).
    if (laterMs !== undefined) return this.nakAll(held, laterMs);
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

  private nakAll(held: HeldMessage<JsMsg>[], delayMs: number): void {
    for (const h of held) {
      try {
        h.handle.nak(Math.min(60_000, delayMs * h.handle.info.deliveryCount));
      } catch (error) {
        this.options.log.warn({ seq: h.seq, err: errorMessage(error) }, 'nak failed');
      }
    }
  }

  private markInProgress(): void {
    for (const held of this.scheduler.held()) {
      if (this.leases?.heldFence(held.partition) === undefined) continue;
      try {
        held.handle.working();
      } catch (error) {
        this.options.log.debug({ err: errorMessage(error) }, 'in-progress mark failed');
      }
    }
  }

  private async stopPartition(partition: number): Promise<void> {
    await this.consumers.close(partition);
    await this.scheduler.whenIdle(partition);
  }

  private losePartition(partition: number): void {
    void this.consumers.close(partition);
    this.scheduler.dropPartition(partition);
  }

  publishOutbound(event: OutboundEvent): Promise<void> {
    return this.fanOut.publish(event, this.dead);
  }

  subscribeOutbound(listener: OutboundListener): () => void {
    return this.fanOut.subscribe(listener);
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
      this.presence?.stop();
      if (this.heartbeat) clearInterval(this.heartbeat);
      for (const partition of this.consumers.partitions()) await this.consumers.close(partition);
      await this.scheduler.whenIdle();
    })());
  }

  async close(): Promise<void> {
    await this.drain();
    this.fanOut.unsubscribe();
    this.stopStatus?.();
    this.fanOut.clearListeners();
    if (this.options.ownsConnection && !this.nc.isClosed()) await this.nc.drain();
  }

  /** The connection closed under us (not by `close`): stop everything; other nodes take over. */
  private connectionClosed(): void {
    if (this.dead) return;
    this.dead = true;
    if (!this.closing) this.options.log.error({}, 'NATS connection closed; this node stops consuming');
    this.leases?.kill();
    this.presence?.stop();
    if (this.heartbeat) clearInterval(this.heartbeat);
    this.consumers.clear();
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
