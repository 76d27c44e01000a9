import type { FastifyInstance } from 'fastify';
import type { Config } from '../config/schema.ts';
import type { Logger } from '../logger.ts';
import type { Clock } from '../ports/clock.ts';
import type { Store } from '../ports/store.ts';
import type { ChannelName } from '../protocol/index.ts';
import type { Intake } from './intake.ts';

/** What every channel gets from the composition root. */
export interface ChannelDeps {
  config: Readonly<Config>;
  /** Hands a person's message to the runtime (`submit(intake, …)`); `intake.bus` carries replies back. */
  intake: Intake;
  log: Logger;
  clock: Clock;
  store: Store;
  /** The HTTP server, before `listen`: routes are registered on it (webhooks in their own plugin scope). */
  app: FastifyInstance;
  /** The replies a handled message got (from history), so a retried request is answered the same way. */
  repliesTo?: (conversationId: string, messageId: string) => Promise<string[]>;
  /** Cluster mode: the bus's link to NATS, so live clients can be told while it is down. */
  link?: {
    status: () => 'connected' | 'reconnecting' | 'disconnected';
    onStatus: (listener: (status: 'connected' | 'reconnecting' | 'disconnected') => void) => () => void;
  };
  /** A live client of a conversation went away (the key pool may release that conversation's key). */
  onDisconnect?: (conversationId: string) => void;
}

/**
 * One shape for every producer (web widget, REST, Telegram, WhatsApp Cloud, Twilio): it receives the
 * provider's update, normalises it into an `InboundMessage` and hands it over with `submit`; it sends
 * the `bot.message` events of its own channel back, formatted for that app.
 */
export interface Channel {
  readonly name: ChannelName;
  /** Called once the HTTP server listens (start polling, subscribe to replies…). */
  start(): Promise<void>;
  /** Stops intake and waits for replies in flight to be sent. */
  close(): Promise<void>;
  /** Shown in `/health` (mode, counts; never secrets). */
  status(): Record<string, unknown>;
}

/** Older name of `Channel`, kept for the provider channels' modules. */
export type MessagingChannel = Channel;

/** Builds a channel: undefined (after one clear log line saying how to turn it on) when it is not configured. */
export type ChannelFactory = (deps: ChannelDeps) => Channel | undefined;

/** A channel as the registry lists it: `LEADBOT_CHANNELS` names which of them a node runs. */
export interface ChannelPlugin {
  readonly name: ChannelName;
  readonly create: ChannelFactory;
}
