import type {} from '@fastify/websocket';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { RawData, WebSocket } from 'ws';
import { z } from 'zod';
import { ClientError, OverloadedError, errorMessage, type ErrorCode } from '../errors.ts';
import { sourceCounter } from '../http/source-limits.ts';
import { newId } from '../ids.ts';
import type { Logger } from '../logger.ts';
import type { OutboundEvent } from '../protocol/index.ts';
import type { ChannelPlugin } from './channel.ts';
import { EXTERNAL_ID, conversationIdFor, resolveTenant, submit, type Intake } from './intake.ts';
import { isLoopbackHost } from './rest-auth.ts';

/** Client → server frame. */
const ClientFrame = z.object({
  type: z.literal('user.message'),
  id: z.string().min(1).max(200).optional(),
  text: z.string(),
});

/** Server → client frames (DESIGN.md). */
export type ServerFrame =
  | { type: 'bot.message'; text: string; conversationId: string; state: string }
  | { type: 'bot.typing' }
  /** A person of the team took the chat over (`agent.left`: gave it back to the assistant). */
  | { type: 'agent.joined' | 'agent.left'; name: string }
  /** A message written by that person. */
  | { type: 'agent.message'; text: string; name: string; conversationId: string }
  /** `id`: the client message the error is about, when there is one (retryable codes: resend it). */
  | { type: 'error'; code: ErrorCode; message: string; id?: string; retryAfterS?: number }
  /** Cluster mode: the node lost (`reconnecting`) or regained (`online`) its message queue. */
  | { type: 'status'; state: 'online' | 'reconnecting' };

export interface WebChannelOptions {
  log: Logger;
  /** `channels.publicUrl`: pages at its origin are the server's own (behind a proxy that rewrites Host). */
  publicUrl?: string;
  /** Seconds between pings; a socket that misses one is closed. */
  heartbeatMs?: number;
  /** Called when a socket of a conversation closes (the key pool releases on this later). */
  onDisconnect?: (conversationId: string) => void;
  /** Web chat sockets one source may open a minute (`0` or unset: unlimited). */
  sessionsPerSourcePerMinute?: number;
  /** Loopback sockets are not counted per source. */
  exemptLoopback?: boolean;
  /** Cluster mode: the bus's link to NATS; widgets are told while it is down. */
  link?: {
    status: () => 'connected' | 'reconnecting' | 'disconnected';
    onStatus: (listener: (status: 'connected' | 'reconnecting' | 'disconnected') => void) => () => void;
  };
}

/**
 * The web widget's channel: WebSocket `/ws?tenant=<id>&session=<sessionId>`. One conversation per
 * tenant + session; several sockets (tabs) may share it, and reconnecting resumes it.
 */
export class WebChannel {
  private readonly sockets = new Map<string, Set<WebSocket>>();
  private readonly alive = new WeakSet<WebSocket>();
  private heartbeat: NodeJS.Timeout | undefined;
  private unsubscribe: (() => void) | undefined;
  private unsubscribeLink: (() => void) | undefined;

  constructor(
    private readonly intake: Intake,
    private readonly options: WebChannelOptions,
  ) {}

  register(app: FastifyInstance): void {
    this.unsubscribe = this.intake.bus.subscribeOutbound((event) => this.deliver(event));
    this.unsubscribeLink = this.options.link?.onStatus((status) => this.broadcastStatus(status));
    const overSourceLimit = sourceCounter(
      app,
      this.options.sessionsPerSourcePerMinute ?? 0,
      this.options.exemptLoopback ?? true,
    );
    const limited = new WeakSet<FastifyRequest>();
    // Before the upgrade: a page from an origin the tenant does not allow gets a 403; a source over
    // its sessions a minute is upgraded only to be told to try again shortly (the widget says so).
    const preValidation = async (request: FastifyRequest, reply: FastifyReply) => {
      if (!this.originOk(request)) {
        return reply.code(403).send({
          error: { code: 'forbidden', message: 'This page may not open this chat (origin not allowed).' },
        });
      }
      if (await overSourceLimit(request)) limited.add(request);
      return undefined;
    };
    app.get('/ws', { websocket: true, preValidation }, (socket, request) => {
      if (limited.has(request)) return this.refuseSource(socket, request);
      const query = request.query as Record<string, unknown>;
      this.accept(
        socket,
        typeof query.tenant === 'string' ? query.tenant : undefined,
        typeof query.session === 'string' ? query.session : undefined,
      );
    });
    const every = this.options.heartbeatMs ?? 30_000;
    this.heartbeat = setInterval(() => this.ping(), every);
    this.heartbeat.unref();
  }

  /** Whether the page's `Origin` may open the tenant's chat (no `Origin`: not a browser page). */
  private originOk(request: FastifyRequest): boolean {
    const query = request.query as Record<string, unknown>;
    const origin = request.headers.origin;
    const tenant = this.intake.tenants.get(
      typeof query.tenant === 'string' ? query.tenant : this.intake.defaultTenant,
    );
    if (origin === undefined || !tenant) return true;
    const publicOrigin = this.options.publicUrl
      ? new URL(this.options.publicUrl).origin.toLowerCase()
      : undefined;
    if (originAllowed(origin, request.headers.host, tenant.allowedOrigins)) return true;
    if (publicOrigin !== undefined && origin.toLowerCase() === publicOrigin) return true;
    this.options.log.warn(
      { tenantId: tenant.id, origin: origin.slice(0, 200) },
      'web chat refused: origin not allowed',
    );
    return false;
  }

  /** A source over its sessions a minute: told kindly, in the tenant's language, to retry; closed 1013 (the widget reconnects later). */
  private refuseSource(socket: WebSocket, request: FastifyRequest): void {
    this.options.log.warn('web chat refused: too many sessions from one source');
    const query = request.query as Record<string, unknown>;
    const tenant = this.intake.tenants.get(
      typeof query.tenant === 'string' ? query.tenant : this.intake.defaultTenant,
    );
    const message =
      tenant?.defaultLanguage === 'en'
        ? 'Many chats are open from your network right now. Please try again in a minute.'
        : 'Hay muchos chats abiertos desde su red en este momento. Por favor, inténtelo de nuevo en un minuto.';
    this.sendError(socket, new ClientError('rate_limited', message, { status: 429 }));
    socket.close(1013, 'try again later');
  }

  private accept(socket: WebSocket, tenantId: string | undefined, session: string | undefined): void {
    let tenant;
    try {
      tenant = resolveTenant(this.intake, tenantId);
    } catch (error) {
      this.sendError(socket, error);
      socket.close(1008, 'unknown tenant');
      return;
    }
    if (session !== undefined && !EXTERNAL_ID.test(session)) {
      this.sendError(
        socket,
        new ClientError('invalid_message', 'session must be 1-128 letters, digits or _.:@+=-'),
      );
      socket.close(1008, 'invalid session');
      return;
    }
    const sessionId = session ?? newId('s_');
    const conversationId = conversationIdFor(tenant.id, 'web', sessionId);
    let set = this.sockets.get(conversationId);
    if (!set) {
      set = new Set();
      this.sockets.set(conversationId, set);
    }
    set.add(socket);
    this.alive.add(socket);
    const link = this.options.link?.status();
    if (link && link !== 'connected') socket.send(JSON.stringify({ type: 'status', state: 'reconnecting' }));
    socket.on('pong', () => this.alive.add(socket));
    socket.on('message', (data: RawData, isBinary: boolean) => {
      void this.onFrame(socket, tenant.id, sessionId, data, isBinary);
    });
    socket.on('close', () => {
      set.delete(socket);
      if (set.size === 0) {
        this.sockets.delete(conversationId);
        this.options.onDisconnect?.(conversationId);
      }
    });
    socket.on('error', (error) =>
      this.options.log.debug({ conversationId, err: errorMessage(error) }, 'websocket error'),
    );
  }

  private async onFrame(
    socket: WebSocket,
    tenantId: string,
    sessionId: string,
    data: RawData,
    isBinary: boolean,
  ): Promise<void> {
    let clientId: string | undefined;
    try {
      if (isBinary)
        throw new ClientError('unsupported_frame', 'Binary frames are not supported; send JSON text frames.');
      let json: unknown;
      try {
        json = JSON.parse(rawToString(data));
      } catch (cause) {
        throw new ClientError(
          'bad_json',
          'The frame is not valid JSON. Send {"type":"user.message","id":"…","text":"…"}.',
          { cause },
        );
      }
      const frame = ClientFrame.safeParse(json);
      if (!frame.success) {
        throw new ClientError(
          'invalid_message',
          'Expected {"type":"user.message","id":"<client message id>","text":"<text>"}.',
        );
      }
      clientId = frame.data.id;
      await submit(this.intake, {
        id: frame.data.id ?? newId('web_'),
        tenantId,
        channel: 'web',
        userId: sessionId,
        text: frame.data.text,
      });
    } catch (error) {
      this.sendError(socket, error, clientId);
    }
  }

  private broadcastStatus(status: 'connected' | 'reconnecting' | 'disconnected'): void {
    const text = JSON.stringify({
      type: 'status',
      state: status === 'connected' ? 'online' : 'reconnecting',
    });
    for (const set of this.sockets.values())
      for (const socket of set) if (socket.readyState === socket.OPEN) socket.send(text);
  }

  private deliver(event: OutboundEvent): void {
    if (event.channel !== 'web') return;
    const set = this.sockets.get(event.conversationId);
    if (!set) return;
    let frame: ServerFrame | undefined;
    if (event.type === 'bot.message' && event.agent)
      frame = {
        type: 'agent.message',
        text: event.text,
        name: event.agent,
        conversationId: event.conversationId,
      };
    else if (event.type === 'agent.joined' || event.type === 'agent.left')
      frame = { type: event.type, name: event.name };
    else if (event.type === 'bot.message')
      frame = {
        type: 'bot.message',
        text: event.text,
        conversationId: event.conversationId,
        state: event.state,
      };
    else if (event.type === 'bot.typing') frame = { type: 'bot.typing' };
    else if (event.type === 'turn.refused')
      // Not kept (the disk is full): the widget sends the message again after the pause.
      frame = {
        type: 'error',
        code: event.code,
        message: event.text,
        id: event.inReplyTo,
        retryAfterS: event.retryAfterS,
      };
    if (!frame) return;
    const text = JSON.stringify(frame);
    for (const socket of set) if (socket.readyState === socket.OPEN) socket.send(text);
  }

  private sendError(socket: WebSocket, error: unknown, id?: string): void {
    const frame: ServerFrame =
      error instanceof OverloadedError
        ? {
            type: 'error',
            code: error.code,
            message: error.message,
            retryAfterS: error.retryAfterS,
            ...(id ? { id } : {}),
          }
        : error instanceof ClientError
          ? { type: 'error', code: error.code, message: error.message, ...(id ? { id } : {}) }
          : {
              type: 'error',
              code: 'internal_error',
              message: 'Something failed on our side; please send your message again.',
            };
    if (!(error instanceof ClientError) && !(error instanceof OverloadedError))
      this.options.log.error({ err: errorMessage(error) }, 'web channel error');
    if (socket.readyState === socket.OPEN) socket.send(JSON.stringify(frame));
  }

  private ping(): void {
    for (const set of this.sockets.values()) {
      for (const socket of set) {
        if (!this.alive.has(socket)) {
          socket.terminate();
          continue;
        }
        this.alive.delete(socket);
        socket.ping();
      }
    }
  }

  /** Open sockets (for metrics). */
  get connections(): number {
    let n = 0;
    for (const set of this.sockets.values()) n += set.size;
    return n;
  }

  /** Closes every socket with 1001 (going away); clients reconnect and resume. */
  close(): void {
    if (this.heartbeat) clearInterval(this.heartbeat);
    this.unsubscribe?.();
    this.unsubscribeLink?.();
    for (const set of this.sockets.values())
      for (const socket of set) socket.close(1001, 'server shutting down');
    this.sockets.clear();
  }
}

function rawToString(data: RawData): string {
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  if (data instanceof ArrayBuffer) return Buffer.from(data).toString('utf8');
  return data.toString('utf8');
}

/** The web widget as a channel plug-in: its WebSocket route is registered on the server before `listen`. */
export const webChannel: ChannelPlugin = {
  name: 'web',
  create(deps) {
    const publicUrl = deps.config.channels.publicUrl;
    const web = new WebChannel(deps.intake, {
      log: deps.log,
      sessionsPerSourcePerMinute: deps.config.server.sourceLimits.webSessionsPerMinute,
      exemptLoopback: deps.config.server.sourceLimits.exemptLoopback,
      ...(publicUrl ? { publicUrl } : {}),
      ...(deps.link ? { link: deps.link } : {}),
      ...(deps.onDisconnect ? { onDisconnect: deps.onDisconnect } : {}),
    });
    web.register(deps.app);
    return {
      name: 'web',
      start: () => Promise.resolve(),
      close: () => Promise.resolve(web.close()),
      status: () => ({ websockets: web.connections }),
    };
  },
};

/** Whether a page at `origin` may open the tenant's chat (`allowedOrigins`, else own pages and loopback). */
export function originAllowed(
  origin: string,
  host: string | undefined,
  allowed: readonly string[] | undefined,
): boolean {
  const o = origin.toLowerCase();
  if (allowed?.includes('*')) return true;
  if (allowed?.some((a) => a.toLowerCase() === o)) return true;
  if (host && (o === `http://${host.toLowerCase()}` || o === `https://${host.toLowerCase()}`)) return true;
  return URL.canParse(o) && /^https?:$/.test(new URL(o).protocol) && isLoopbackHost(new URL(o).hostname);
}
