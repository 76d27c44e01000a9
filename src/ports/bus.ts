import type { InboundMessage, OutboundEvent } from '../protocol/index.ts';

/** What a worker learns besides the message (the cluster bus; the in-process bus passes none). */
export interface Delivery {
  /**
   * Fencing token of the ownership the turn runs under: larger for every later owner of the
   * conversation's partition. A store refuses a write whose fence is lower than one it saw.
   */
  fence: number;
  partition: number;
  /** Delivered before (to this node or the previous owner): its turn may have run already. */
  redelivered: boolean;
  /**
   * The message cannot be handled now (the data disk is full): leave it queued and deliver it again
   * after `delayMs` instead of acknowledging it. Only a durable bus (NATS) offers it.
   */
  retryLater?: (delayMs: number) => void;
}

/** Handles one inbound message; the bus never runs two messages of one conversation at once. */
export type InboundHandler = (message: InboundMessage, delivery?: Delivery) => Promise<void>;
export type OutboundListener = (event: OutboundEvent) => void;

export interface BusStats {
  /** Messages accepted and waiting. */
  queued: number;
  /** Messages being handled now. */
  inFlight: number;
  /** Conversations with work queued or running. */
  activeConversations: number;
}

/**
 * Carries inbound messages from channels to conversation workers and outbound events back.
 * Guarantees: per-conversation order, one message of a conversation at a time, different
 * conversations concurrently, higher `priority` first when workers are scarce.
 */
export interface Bus {
  /** Resolves once the message is accepted; rejects with `busy` or `shutting_down` otherwise. */
  publish(message: InboundMessage): Promise<void>;
  /** Sets the worker handler (one per node). */
  consume(handler: InboundHandler): void;
  publishOutbound(event: OutboundEvent): Promise<void>;
  subscribeOutbound(listener: OutboundListener): () => void;
  stats(): BusStats;
  /** Stops intake and waits until every accepted message was handled. */
  drain(): Promise<void>;
  close(): Promise<void>;
}
