import type { InboundMessage, OutboundEvent } from '../protocol/index.ts';

/** Handles one inbound message; the bus never runs two messages of one conversation at once. */
export type InboundHandler = (message: InboundMessage) => Promise<void>;
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
