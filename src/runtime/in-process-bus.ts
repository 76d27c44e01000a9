import { ClientError, ShuttingDownError } from '../errors.ts';
import type { Bus, BusStats, InboundHandler, OutboundListener } from '../ports/bus.ts';
import type { InboundMessage, OutboundEvent } from '../protocol/index.ts';
import { PriorityHeap } from '../util/priority-heap.ts';
import { coalesce } from '../protocol/coalesce.ts';

export { coalesce } from '../protocol/coalesce.ts';

export interface InProcessBusOptions {
  /** Conversations handled at the same time. */
  concurrency: number;
  /** Messages waiting per conversation before `publish` refuses with `busy`. */
  maxQueuedPerConversation: number;
  /** Called when a handler rejects (the handler should not; this is the last net). */
  onHandlerError: (error: unknown, message: InboundMessage) => void;
  /**
   * Burst window: a conversation's first message waits this long for more, and messages that
   * arrived within this long of each other are handled as one turn. 0 = off.
   */
  coalesceMs?: number;
}

/** Most messages merged into one turn. */
const MAX_BATCH = 20;

/**
 * The embedded bus: a priority queue of conversations with work. A conversation is in the ready
 * heap at most once, keyed by the priority of its oldest waiting message, and never while one of
 * its messages is running: that gives per-conversation order with cross-conversation concurrency.
 */
export class InProcessBus implements Bus {
  private readonly queues = new Map<string, InboundMessage[]>();
  private readonly running = new Set<string>();
  private readonly ready = new PriorityHeap<string>();
  private readonly listeners = new Set<OutboundListener>();
  private handler: InboundHandler | undefined;
  private queued = 0;
  private closed = false;
  private idleWaiters: (() => void)[] = [];
  /** Conversations whose first message waits for the rest of its burst. */
  private readonly holding = new Map<string, NodeJS.Timeout>();

  constructor(private readonly options: InProcessBusOptions) {}

  publish(message: InboundMessage): Promise<void> {
    if (this.closed) return Promise.reject(new ShuttingDownError());
    let queue = this.queues.get(message.conversationId);
    if (!queue) {
      queue = [];
      this.queues.set(message.conversationId, queue);
    }
    if (queue.length >= this.options.maxQueuedPerConversation) {
      return Promise.reject(
        new ClientError('busy', 'Too many messages are waiting in this conversation; wait for the replies.', {
          status: 429,
        }),
      );
    }
    queue.push(message);
    this.queued++;
    const coalesceMs = this.options.coalesceMs ?? 0;
    const id = message.conversationId;
    if (queue.length === 1 && !this.running.has(id) && !this.holding.has(id)) {
      if (coalesceMs > 0) {
        this.holding.set(
          id,
          setTimeout(() => {
            this.holding.delete(id);
            const head = this.queues.get(id)?.[0];
            if (head && !this.running.has(id)) this.ready.push(id, head.priority);
            this.pump();
          }, coalesceMs),
        );
      } else {
        this.ready.push(id, message.priority);
      }
    }
    this.pump();
    return Promise.resolve();
  }

  consume(handler: InboundHandler): void {
    this.handler = handler;
    this.pump();
  }

  private pump(): void {
    if (!this.handler) return;
    while (this.running.size < this.options.concurrency && this.ready.size > 0) {
      const conversationId = this.ready.pop()!;
      const queue = this.queues.get(conversationId);
      const head = queue?.shift();
      if (!queue || !head) continue;
      const batch = [head];
      const window = this.options.coalesceMs ?? 0;
      while (
        window > 0 &&
        batch.length < MAX_BATCH &&
        queue[0] &&
        !head.system &&
        !queue[0].system &&
        queue[0].receivedAt - batch[batch.length - 1]!.receivedAt <= window
      ) {
        batch.push(queue.shift()!);
      }
      this.queued -= batch.length;
      this.running.add(conversationId);
      void this.run(this.handler, coalesce(batch), queue);
    }
    if (this.running.size === 0 && this.queued === 0) {
      const waiters = this.idleWaiters;
      this.idleWaiters = [];
      for (const resolve of waiters) resolve();
    }
  }

  private async run(
    handler: InboundHandler,
    message: InboundMessage,
    queue: InboundMessage[],
  ): Promise<void> {
    try {
      await handler(message);
    } catch (error) {
      this.options.onHandlerError(error, message);
    } finally {
      this.running.delete(message.conversationId);
      const next = queue[0];
      if (next) this.ready.push(message.conversationId, next.priority);
      else this.queues.delete(message.conversationId);
      this.pump();
    }
  }

  publishOutbound(event: OutboundEvent): Promise<void> {
    for (const listener of this.listeners) listener(event);
    return Promise.resolve();
  }

  subscribeOutbound(listener: OutboundListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  stats(): BusStats {
    return { queued: this.queued, inFlight: this.running.size, activeConversations: this.queues.size };
  }

  drain(): Promise<void> {
    this.closed = true;
    if (this.running.size === 0 && (this.queued === 0 || !this.handler)) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  async close(): Promise<void> {
    await this.drain();
    this.listeners.clear();
  }
}
