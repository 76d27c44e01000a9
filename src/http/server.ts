import { createServer } from 'node:http';
import websocket from '@fastify/websocket';
import Fastify, {
  LogController,
  type FastifyBaseLogger,
  type FastifyError,
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
} from 'fastify';
import { ClientError, LeadbotError, OverloadedError, errorMessage } from '../errors.ts';
import type { Logger } from '../logger.ts';
import type { OutboxAdmin } from '../ports/outbox.ts';
import type { Store } from '../ports/store.ts';
import type { TenantConfig } from '../config/tenant.ts';
import type { Metrics } from '../runtime/metrics.ts';
import { requireMetricsAccess, tenantScope } from './auth.ts';
import { registerOutboxRoutes } from './outbox-routes.ts';
import { registerSourceLimits } from './source-limits.ts';
import { renderLandingPage } from './landing.ts';
import { widgetBundle } from './widget-bundle.ts';

export interface HttpServerDeps {
  log: Logger;
  store: Store;
  metrics: Metrics;
  tenants: ReadonlyMap<string, TenantConfig>;
  defaultTenant: string;
  adminToken: string;
  /** `LEADBOT_METRICS_TOKEN`: when set, `/metrics` needs it (or the admin token). */
  metricsToken?: string;
  bodyLimitBytes: number;
  wsMaxPayloadBytes: number;
  /** Whole request (headers and body) must arrive within this; `headersTimeoutMs` for the headers. */
  requestTimeoutMs?: number;
  /** Proxies whose `X-Forwarded-For` is believed (`server.trustProxy`). */
  trustProxy?: boolean | string[];
  /** Loopback clients are not limited per source (`server.sourceLimits.exemptLoopback`). */
  exemptLoopback?: boolean;
  headersTimeoutMs?: number;
  /** Extra health fields (live actors, queue…). */
  health: () => Record<string, unknown> | Promise<Record<string, unknown>>;
  /** A bulk read of the admin API was served (audited: who read how many leads of which tenant). */
  onAdminRead?: (read: { route: string; tenantId: string | null; count: number }) => void;
  /** The CRM outbox for operators (`/api/outbox`); absent without a CRM webhook. */
  outbox?: OutboxAdmin;
  /** Export / erase everything about one person (admin API). */
  contacts?: {
    export(query: { id: string; tenantId?: string }): Promise<unknown>;
    erase(query: { id: string; tenantId?: string }): Promise<unknown>;
    found(query: { id: string; tenantId?: string }): Promise<boolean>;
  };
}

/** Fastify with the common routes; channels add theirs before `listen`. */
export async function createHttpServer(deps: HttpServerDeps): Promise<FastifyInstance> {
  const httpLog: FastifyBaseLogger = deps.log.child({ component: 'http' });
  const app = Fastify({
    loggerInstance: httpLog,
    bodyLimit: deps.bodyLimitBytes,
    trustProxy: deps.trustProxy ?? false,
    // Request lines would carry URLs with session ids; turns are logged by the runtime instead.
    logController: new LogController({ disableRequestLogging: true }),
    return503OnClosing: true,
    // Node closes (408) a connection whose headers or whole request take longer than these to
    // arrive, checked every second: a slow-body client cannot hold sockets open.
    serverFactory: (handler) => {
      const requestTimeout = deps.requestTimeoutMs ?? 15_000;
      const server = createServer(
        {
          requestTimeout,
          headersTimeout: Math.min(deps.headersTimeoutMs ?? 10_000, requestTimeout),
          connectionsCheckingInterval: 1_000,
        },
        handler,
      );
      // Fastify's own default (Node's 5 s would drop idle keep-alive sockets under a load balancer).
      server.keepAliveTimeout = 72_000;
      return server;
    },
  });
  await registerSourceLimits(app, deps.exemptLoopback ?? true);
  await app.register(websocket, {
    options: { maxPayload: deps.wsMaxPayloadBytes },
    // A protocol error (a frame over maxPayload, a bad frame): ws has already sent the close frame
    // with its code (1009 too big, 1002 protocol) and finishes the handshake; terminating it here, as
    // the plugin's default does, would leave the client with 1006 and no reason.
    errorHandler: (error, socket, request) => {
      request.log.debug({ err: errorMessage(error) }, 'websocket error');
      if (socket.readyState === socket.CLOSING || socket.readyState === socket.CLOSED) return;
      socket.terminate();
    },
  });
  // JSON APIs take JSON: a text/plain body is a 415, not a string the routes would refuse as 400.
  // (Webhooks that take other types register their own parsers in their own scope.)
  app.removeContentTypeParser('text/plain');

  app.setErrorHandler((error: FastifyError | LeadbotError, request, reply) =>
    handleError(error, request, reply, deps.bodyLimitBytes),
  );
  app.setNotFoundHandler((request, reply) =>
    reply.code(404).send({
      error: { code: 'not_found', message: `No route ${request.method} ${request.url.split('?')[0]}.` },
    }),
  );

  registerWidgetRoute(app, await widgetBundle());
  registerLandingRoute(app, deps);
  registerStatusRoutes(app, deps);
  registerLeadRoutes(app, deps);
  registerContactRoutes(app, deps);
  registerOutboxRoutes(app, deps);
  return app;
}

/** Every error as a JSON `{ error: { code, message } }` body with a fitting status. */
function handleError(
  error: FastifyError | LeadbotError,
  request: FastifyRequest,
  reply: FastifyReply,
  bodyLimitBytes: number,
): FastifyReply {
  if (error instanceof LeadbotError) {
    if (error instanceof OverloadedError) reply.header('retry-after', String(error.retryAfterS));
    else if (!(error instanceof ClientError))
      request.log.error({ err: errorMessage(error), code: error.code }, 'request failed');
    return reply.code(error.status).send({ error: error.toJSON() });
  }
  const status = error.statusCode ?? 500;
  if (
    error.code === 'FST_ERR_CTP_INVALID_JSON_BODY' ||
    error.code === 'FST_ERR_CTP_EMPTY_JSON_BODY' ||
    (error instanceof SyntaxError && status === 400)
  ) {
    return reply.code(400).send({ error: { code: 'bad_json', message: 'The body is not valid JSON.' } });
  }
  if (error.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
    return reply.code(413).send({
      error: {
        code: 'message_too_long',
        message: `The body is larger than ${bodyLimitBytes} bytes.`,
      },
    });
  }
  if (error.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') {
    return reply
      .code(415)
      .send({ error: { code: 'invalid_message', message: 'Send the body as application/json.' } });
  }
  if (status < 500)
    return reply.code(status).send({ error: { code: 'invalid_message', message: error.message } });
  request.log.error({ err: errorMessage(error) }, 'unhandled request error');
  return reply
    .code(500)
    .send({ error: { code: 'internal_error', message: 'Something failed inside leadbot.' } });
}

/** `GET /widget.js`: the bundled web-chat widget, embeddable from any origin. */
function registerWidgetRoute(app: FastifyInstance, widget: string): void {
  app.get('/widget.js', (_request, reply) =>
    reply
      .type('application/javascript; charset=utf-8')
      .header('cache-control', 'public, max-age=300')
      .header('access-control-allow-origin', '*')
      .send(widget),
  );
}

/** `GET /`: the tenant's demo landing page (`?tenant=`, `?lang=`). */
function registerLandingRoute(app: FastifyInstance, deps: HttpServerDeps): void {
  app.get('/', (request, reply) => {
    const query = request.query as Record<string, unknown>;
    const tenantId = typeof query.tenant === 'string' ? query.tenant : deps.defaultTenant;
    const tenant = deps.tenants.get(tenantId);
    if (!tenant)
      throw new ClientError('unknown_tenant', `Unknown tenant '${tenantId.slice(0, 64)}'.`, { status: 404 });
    const language = query.lang === 'en' || query.lang === 'es' ? query.lang : tenant.defaultLanguage;
    return reply.type('text/html; charset=utf-8').send(renderLandingPage(tenant, { language }));
  });
}

/** Health and metrics (JSON and Prometheus). */
function registerStatusRoutes(app: FastifyInstance, deps: HttpServerDeps): void {
  app.get('/health', async () => ({
    status: 'ok',
    ...(await deps.health()),
    store: await deps.store.stats(),
  }));
  const guard = (request: FastifyRequest) =>
    requireMetricsAccess(request, deps.metricsToken, deps.adminToken);
  app.get('/metrics', (request) => {
    guard(request);
    return deps.metrics.report();
  });
  app.get('/metrics/prometheus', async (request, reply) => {
    guard(request);
    return reply.type(deps.metrics.registry.contentType).send(await deps.metrics.registry.metrics());
  });
}

/** `GET /api/leads` (admin): captured leads, optionally of one tenant, at most `?limit=` (≤ 10 000). */
function registerLeadRoutes(app: FastifyInstance, deps: HttpServerDeps): void {
  app.get('/api/leads', async (request) => {
    const tenantId = tenantScope(request, deps.adminToken, deps.tenants);
    const query = request.query as Record<string, unknown>;
    const limit =
      typeof query.limit === 'string' && /^\d+$/.test(query.limit)
        ? Math.min(Number(query.limit), 10_000)
        : undefined;
    const leads = await deps.store.listLeads({
      ...(tenantId ? { tenantId } : {}),
      ...(limit ? { limit } : {}),
    });
    deps.onAdminRead?.({ route: 'leads', tenantId: tenantId ?? null, count: leads.length });
    return { leads };
  });
}

/** `GET` / `DELETE /api/contacts/:id` (admin): export or erase everything stored about one person. */
function registerContactRoutes(app: FastifyInstance, deps: HttpServerDeps): void {
  const contactQuery = async (request: FastifyRequest) => {
    const tenantId = tenantScope(request, deps.adminToken, deps.tenants);
    const { id } = request.params as { id: string };
    if (id.length === 0 || id.length > 320)
      throw new ClientError('invalid_message', 'The contact id is 1-320 characters.');
    const q = { id, ...(tenantId ? { tenantId } : {}) };
    if (!(await deps.contacts?.found(q)))
      throw new ClientError('not_found', 'Nothing is stored about that contact.', { status: 404 });
    return q;
  };
  app.get('/api/contacts/:id', async (request) => {
    return deps.contacts!.export(await contactQuery(request));
  });
  app.delete('/api/contacts/:id', async (request) => {
    return { erased: await deps.contacts!.erase(await contactQuery(request)) };
  });
}
