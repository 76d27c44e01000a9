import { headers, type NatsConnection, type Subscription } from '@nats-io/transport-node';
import { errorMessage } from '../../errors.ts';
import type { OutboundListener } from '../../ports/bus.ts';
import { OutboundEventSchema, type OutboundEvent } from '../../protocol/index.ts';
import type { ClusterLogger } from './partition-leases.ts';
import { OUTBOUND_PREFIX, outboundSubject } from './subjects.ts';

const ORIGIN_HEADER = 'Leadbot-Origin';

/**
 * Outbound fan-out: events go out on core NATS `leadbot.out.<tenant>.<channel>`; every node listens
 * on `leadbot.out.>` and gives each event to its local listeners (the channels holding the
 * sockets). An event this node published reaches its own listeners directly, not over NATS.
 */
export class OutboundFanOut {
  private readonly listeners = new Set<OutboundListener>();
  /**
   * Reply ids handed to channels lately: a new owner that re-publishes the replies of a turn the dead
   * owner persisted (it cannot know whether they left) is not sent twice to the person.
   */
  private readonly deliveredReplies = new Set<string>();
  private subscription: Subscription | undefined;

  constructor(
    private readonly nc: NatsConnection,
    /** This bus instance, stamped on what it publishes so it skips its own events. */
    private readonly instance: string,
    private readonly log: ClusterLogger,
  ) {}

  /** Starts listening for other nodes' events. */
  listen(): void {
    this.subscription = this.nc.subscribe(`${OUTBOUND_PREFIX}.>`, {
      callback: (error, msg) => {
        if (error) {
          this.log.warn({ err: errorMessage(error) }, 'outbound subscription error');
          return;
        }
        if (msg.headers?.get(ORIGIN_HEADER) === this.instance) return;
        let raw: unknown;
        try {
          raw = msg.json();
        } catch (cause) {
          this.log.warn({ subject: msg.subject, err: errorMessage(cause) }, 'outbound event is not JSON');
          return;
        }
        const parsed = OutboundEventSchema.safeParse(raw);
        if (!parsed.success) {
          this.log.warn({ subject: msg.subject }, 'outbound event with an unknown shape ignored');
          return;
        }
        this.deliverLocally(parsed.data);
      },
    });
  }

  /** Delivers locally, then (unless the connection is gone for good) to every other node. */
  publish(event: OutboundEvent, dead: boolean): Promise<void> {
    this.deliverLocally(event);
    if (dead) return Promise.resolve();
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

  subscribe(listener: OutboundListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Stops listening for other nodes' events. */
  unsubscribe(): void {
    this.subscription?.unsubscribe();
  }

  clearListeners(): void {
    this.listeners.clear();
  }

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
        this.log.error(
          { conversationId: event.conversationId, err: errorMessage(error) },
          'outbound listener failed',
        );
      }
    }
  }
}
