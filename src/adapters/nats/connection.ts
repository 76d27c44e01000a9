import { connect, type NatsConnection } from '@nats-io/transport-node';
import { StorageError, errorMessage } from '../../errors.ts';

/** How a node's link to NATS is doing (the widget shows "reconnecting" from this). */
export type LinkStatus = 'connected' | 'reconnecting' | 'disconnected';
export type LinkStatusListener = (status: LinkStatus) => void;

export interface ConnectNatsOptions {
  /** One or more server URLs, comma-separated (`nats://host:4222,nats://other:4222`). */
  url: string;
  /** Connection name shown by the server (`nats server report connections`). */
  name: string;
  /** Keep reconnecting for ever after a loss (default true); false gives up at once (the ops CLI). */
  reconnect?: boolean;
  /** How long the first connect may take (default 5 s). */
  timeoutMs?: number;
}

/** A server URL without credentials (`nats://user:pass@host` shows as `nats://host`), for messages and logs. */
export function redactUrl(url: string): string {
  return url.replace(/\/\/[^@/]*@/g, '//');
}

/**
 * Connects to NATS. Nodes reconnect for ever (`maxReconnectAttempts: -1`), every half second with
 * jitter; publishes made while disconnected are buffered by the client and sent on reconnect.
 * A server that cannot be reached at start is a `StorageError` naming the URL.
 */
export async function connectNats(options: ConnectNatsOptions): Promise<NatsConnection> {
  const servers = options.url
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  try {
    return await connect({
      servers,
      name: options.name,
      maxReconnectAttempts: options.reconnect === false ? 0 : -1,
      reconnectTimeWait: 500,
      reconnectJitter: 250,
      timeout: options.timeoutMs ?? 5_000,
    });
  } catch (cause) {
    throw new StorageError(
      `Cannot reach NATS at ${servers.map(redactUrl).join(', ')} (${errorMessage(cause)}). Start nats-server with JetStream (-js) or fix LEADBOT_NATS_URL.`,
      { cause },
    );
  }
}

/**
 * Follows a connection's status events and calls `listener` whenever the link status changes.
 * Returns a function that stops following.
 */
export function followLinkStatus(nc: NatsConnection, listener: LinkStatusListener): () => void {
  let current: LinkStatus = nc.isClosed() ? 'disconnected' : 'connected';
  let stopped = false;
  const set = (next: LinkStatus) => {
    if (stopped || next === current) return;
    current = next;
    listener(next);
  };
  void (async () => {
    for await (const status of nc.status()) {
      if (stopped) return;
      switch (status.type) {
        case 'disconnect':
        case 'reconnecting':
        case 'staleConnection':
          set('reconnecting');
          break;
        case 'reconnect':
          set('connected');
          break;
        case 'close':
          set('disconnected');
          return;
        default:
          break;
      }
    }
  })().catch(() => set('disconnected'));
  void nc.closed().then(() => set('disconnected'));
  return () => {
    stopped = true;
  };
}
