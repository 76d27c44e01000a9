import type { FastifyInstance } from 'fastify';
import type { Config } from '../config/schema.ts';
import type { Logger } from '../logger.ts';
import type { Clock } from '../ports/clock.ts';
import type { Store } from '../ports/store.ts';
import type { ChannelName } from '../protocol/index.ts';
import type { Intake } from './intake.ts';

/** What a messaging channel (Telegram, WhatsApp Cloud, Twilio) gets from the composition root. */
export interface ChannelDeps {
  config: Readonly<Config>;
  /** Hands a person's message to the runtime (`submit(intake, …)`); `intake.bus` carries replies back. */
  intake: Intake;
  log: Logger;
  clock: Clock;
  store: Store;
  /** The HTTP server, before `listen`: webhook routes are registered on it (in their own plugin scope). */
  app: FastifyInstance;
}

/**
 * A provider channel behind the same seam as the web widget: its producer turns provider updates into
 * `InboundMessage`s through `submit`, and it sends the `bot.message` events of its own channel back
 * through the provider's API, formatted for that app.
 */
export interface MessagingChannel {
  readonly name: ChannelName;
  /** Called once the HTTP server listens (start polling, subscribe to replies…). */
  start(): Promise<void>;
  /** Stops intake and waits for replies in flight to be sent. */
  close(): Promise<void>;
  /** Shown in `/health` (mode, counts; never secrets). */
  status(): Record<string, unknown>;
}

/** A channel factory: undefined (after one clear log line saying how to turn it on) when credentials are missing. */
export type ChannelFactory = (deps: ChannelDeps) => MessagingChannel | undefined;
