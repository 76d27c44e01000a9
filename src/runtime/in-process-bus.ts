import { ClientError, ShuttingDownError } from '../errors.ts';
import type { Bus, BusStats, InboundHandler, OutboundListener } from '../ports/bus.ts';
import type { InboundMessage, OutboundEvent } from '../protocol/index.ts';
import { PriorityHeap } from './priority-heap.ts';

export interface InProcessBusOptions {
  /** Conversations handled at the same time. */
  concurrency: number;
  /** Messages waiting per conversation before `publish` refuses with `busy`. */
  maxQueuedPerConversation: number;
  /** Called when a handler rejects (the handler should not; this is the last net). */
  onHandlerError: (error: unknown, message: InboundMessage) => void;
}

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
    if (queue.length === 1 && !this.running.has(message.conversationId))
      this.ready.push(message.conversationId, message.priority);
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
      const message = queue?.shift();
      if (!queue || !message) continue;
      this.queued--;
      this.running.add(conversationId);
      void this.run(this.handler, message, queue);
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
