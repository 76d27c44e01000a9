import type { InboundMessage } from '../../protocol/index.ts';
import { coalesce } from '../../protocol/coalesce.ts';
import { PriorityHeap } from '../../util/priority-heap.ts';

/** One inbound message a worker holds (delivered by JetStream, not yet acknowledged). */
export interface HeldMessage<H> {
  /** Stream sequence: unique per stored message, the same on every redelivery. */
  readonly seq: number;
  readonly partition: number;
  readonly message: InboundMessage;
  /** Delivered before (to this node or to a previous owner): its turn may have run already. */
  readonly redelivered: boolean;
  /** The transport's handle (a JetStream message to ack); replaced when a redelivery arrives. */
  handle: H;
}

export interface SchedulerOptions<H> {
  /** Turns running at once on this node. */
  concurrency: number;
  /** Burst window (see `InProcessBusOptions.coalesceMs`); 0 = off. */
  coalesceMs?: number;
  /**
   * Runs one turn: `turn` is the message (or a burst merged into one), `held` the messages it
   * answers. Must not reject; the scheduler starts the conversation's next turn once it settled.
   */
  run(turn: InboundMessage, held: HeldMessage<H>[]): Promise<void>;
}

/** Most messages merged into one turn (as the in-process bus). */
const MAX_BATCH = 20;

interface Conversation<H> {
  readonly id: string;
  readonly queue: HeldMessage<H>[];
  running: boolean;
  /** Has an entry in the ready heap that was not popped yet. */
  ready: boolean;
  holding: NodeJS.Timeout | undefined;
}

/**
 * A node's local run queue for the messages JetStream delivered to it: one turn per conversation at
 * a time, in delivery (= stream) order, different conversations concurrently up to `concurrency`,
 * most urgent first. The same shape as the in-process bus, minus intake: messages arrive from the
 * partitions this node owns and leave when their turn settled (the caller then acks them).
 */
export class ConversationScheduler<H> {
  private readonly conversations = new Map<string, Conversation<H>>();
  private readonly readyHeap = new PriorityHeap<Conversation<H>>();
  private readonly bySeq = new Map<number, HeldMessage<H>>();
  /** Conversations with a turn running. */
  private running = 0;
  /** Messages inside running turns. */
  private runningMessages = 0;
  private waiters: { partition: number | undefined; resolve: () => void }[] = [];

  constructor(private readonly options: SchedulerOptions<H>) {}

  /**
   * Holds a delivered message. A redelivery of a message already held only refreshes its handle
   * (returns false): the message runs once.
   */
  add(held: HeldMessage<H>): boolean {
    const existing = this.bySeq.get(held.seq);
    if (existing) {
      existing.handle = held.handle;
      return false;
    }
    this.bySeq.set(held.seq, held);
    const id = held.message.conversationId;
    let conv = this.conversations.get(id);
    if (!conv) {
      conv = { id, queue: [], running: false, ready: false, holding: undefined };
      this.conversations.set(id, conv);
    }
    conv.queue.push(held);
    if (!conv.running && !conv.ready && !conv.holding) {
      const window = this.options.coalesceMs ?? 0;
      if (window > 0 && conv.queue.length === 1) {
        const c = conv;
        c.holding = setTimeout(() => {
          c.holding = undefined;
          if (this.conversations.get(c.id) === c) this.markReady(c);
          this.pump();
        }, window);
      } else {
        this.markReady(conv);
      }
    }
    this.pump();
    return true;
  }

  /**
   * Forgets the queued (not running) messages of a partition this node no longer owns; they are
   * redelivered to the new owner. Returns them.
   */
  dropPartition(partition: number): HeldMessage<H>[] {
    const dropped: HeldMessage<H>[] = [];
    for (const conv of [...this.conversations.values()]) {
      if (conv.queue[0]?.partition !== partition) continue;
      dropped.push(...conv.queue.splice(0));
      if (conv.holding) clearTimeout(conv.holding);
      conv.holding = undefined;
      if (!conv.running) this.conversations.delete(conv.id);
    }
    for (const held of dropped) this.bySeq.delete(held.seq);
    this.notifyIdle();
    return dropped;
  }

  /** Every message held now (queued or running), e.g. to tell JetStream they are still being worked on. */
  held(): IterableIterator<HeldMessage<H>> {
    return this.bySeq.values();
  }

  /** Messages held for `partition` (all partitions when undefined). */
  heldCount(partition?: number): number {
    if (partition === undefined) return this.bySeq.size;
    let n = 0;
    for (const held of this.bySeq.values()) if (held.partition === partition) n++;
    return n;
  }

  /** Whether a turn of this conversation is running now. */
  isRunning(conversationId: string): boolean {
    return this.conversations.get(conversationId)?.running ?? false;
  }

  /** Resolves once no message of `partition` (of any partition when undefined) is held. */
  whenIdle(partition?: number): Promise<void> {
    if (this.heldCount(partition) === 0) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push({ partition, resolve }));
  }

  stats(): { queued: number; inFlight: number; activeConversations: number } {
    return {
      queued: this.bySeq.size - this.runningMessages,
      inFlight: this.running,
      activeConversations: this.conversations.size,
    };
  }

  /** Stops the burst timers (the node is going away). */
  clear(): void {
    for (const conv of this.conversations.values()) if (conv.holding) clearTimeout(conv.holding);
    this.conversations.clear();
    this.bySeq.clear();
    this.notifyIdle();
  }

  private markReady(conv: Conversation<H>): void {
    const head = conv.queue[0];
    if (!head || conv.ready) return;
    conv.ready = true;
    this.readyHeap.push(conv, head.message.priority);
  }

  private pump(): void {
    while (this.running < this.options.concurrency && this.readyHeap.size > 0) {
      const conv = this.readyHeap.pop()!;
      if (!conv.ready) continue;
      conv.ready = false;
      if (conv.running || conv.queue.length === 0 || this.conversations.get(conv.id) !== conv) continue;
      const batch = [conv.queue.shift()!];
      const window = this.options.coalesceMs ?? 0;
      while (
        window > 0 &&
        batch.length < MAX_BATCH &&
        conv.queue[0] &&
        !batch[0]!.message.system &&
        !conv.queue[0].message.system &&
        conv.queue[0].message.receivedAt - batch[batch.length - 1]!.message.receivedAt <= window
      ) {
        batch.push(conv.queue.shift()!);
      }
      conv.running = true;
      this.running++;
      this.runningMessages += batch.length;
      void this.runTurn(conv, batch);
    }
  }

  private async runTurn(conv: Conversation<H>, batch: HeldMessage<H>[]): Promise<void> {
    try {
      await this.options.run(coalesce(batch.map((h) => h.message)), batch);
    } finally {
      for (const held of batch) this.bySeq.delete(held.seq);
      conv.running = false;
      this.running--;
      this.runningMessages -= batch.length;
      if (this.conversations.get(conv.id) === conv) {
        if (conv.queue.length > 0) this.markReady(conv);
        else if (!conv.holding) this.conversations.delete(conv.id);
      }
      this.notifyIdle();
      this.pump();
    }
  }

  private notifyIdle(): void {
    if (this.waiters.length === 0) return;
    const still: typeof this.waiters = [];
    for (const waiter of this.waiters) {
      if (this.heldCount(waiter.partition) === 0) waiter.resolve();
      else still.push(waiter);
    }
    this.waiters = still;
  }
}
