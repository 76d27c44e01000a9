import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import websocket from '@fastify/websocket';
import Fastify, {
  LogController,
  type FastifyBaseLogger,
  type FastifyError,
  type FastifyInstance,
} from 'fastify';
import { ClientError, LeadbotError, errorMessage } from '../errors.ts';
import type { Logger } from '../logger.ts';
import type { Store } from '../ports/store.ts';
import type { TenantConfig } from '../config/tenant.ts';
import type { Metrics } from '../runtime/metrics.ts';
import { requireAdmin } from './auth.ts';
import { renderLandingPage } from './landing.ts';

export interface HttpServerDeps {
  log: Logger;
  store: Store;
  metrics: Metrics;
  tenants: ReadonlyMap<string, TenantConfig>;
  defaultTenant: string;
  adminToken: string;
  bodyLimitBytes: number;
  wsMaxPayloadBytes: number;
  /** Extra health fields (live actors, queue…). */
  health: () => Record<string, unknown>;
  /** Export / erase everything about one person (admin API). */
  contacts?: {
    export(query: { id: string; tenantId?: string }): Promise<unknown>;
    erase(query: { id: string; tenantId?: string }): Promise<unknown>;
    found(query: { id: string; tenantId?: string }): Promise<boolean>;
  };
}

const WIDGET_PATH = fileURLToPath(new URL('../../public/widget.js', import.meta.url));

/** Fastify with the common routes; channels add theirs before `listen`. */
export async function createHttpServer(deps: HttpServerDeps): Promise<FastifyInstance> {
  const httpLog: FastifyBaseLogger = deps.log.child({ component: 'http' });
  const app = Fastify({
    loggerInstance: httpLog,
    bodyLimit: deps.bodyLimitBytes,
    // Request lines would carry URLs with session ids; turns are logged by the runtime instead.
    logController: new LogController({ disableRequestLogging: true }),
    return503OnClosing: true,
  });
  await app.register(websocket, { options: { maxPayload: deps.wsMaxPayloadBytes } });

  app.setErrorHandler((error: FastifyError | LeadbotError, request, reply) => {
    if (error instanceof LeadbotError) {
      if (!(error instanceof ClientError))
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
          message: `The body is larger than ${deps.bodyLimitBytes} bytes.`,
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
  });
  app.setNotFoundHandler((request, reply) =>
    reply.code(404).send({
      error: { code: 'not_found', message: `No route ${request.method} ${request.url.split('?')[0]}.` },
    }),
  );

  const widget = readFileSync(WIDGET_PATH, 'utf8');
  app.get('/widget.js', (_request, reply) =>
    reply
      .type('application/javascript; charset=utf-8')
      .header('cache-control', 'public, max-age=300')
      .header('access-control-allow-origin', '*')
      .send(widget),
  );

  app.get('/', (request, reply) => {
    const query = request.query as Record<string, unknown>;
    const tenantId = typeof query.tenant === 'string' ? query.tenant : deps.defaultTenant;
    const tenant = deps.tenants.get(tenantId);
    if (!tenant)
      throw new ClientError('unknown_tenant', `Unknown tenant '${tenantId.slice(0, 64)}'.`, { status: 404 });
    const language = query.lang === 'en' || query.lang === 'es' ? query.lang : tenant.defaultLanguage;
    return reply.type('text/html; charset=utf-8').send(renderLandingPage(tenant, { language }));
  });

  app.get('/health', async () => ({ status: 'ok', ...deps.health(), store: await deps.store.stats() }));
  app.get('/metrics', () => deps.metrics.report());
  app.get('/metrics/prometheus', async (_request, reply) =>
    reply.type(deps.metrics.registry.contentType).send(await deps.metrics.registry.metrics()),
  );

  app.get('/api/leads', async (request) => {
    requireAdmin(request, deps.adminToken);
    const query = request.query as Record<string, unknown>;
    const tenantId = typeof query.tenant === 'string' ? query.tenant : undefined;
    if (tenantId !== undefined && !deps.tenants.has(tenantId)) {
      throw new ClientError('unknown_tenant', `Unknown tenant '${tenantId.slice(0, 64)}'.`, { status: 404 });
    }
    const limit =
      typeof query.limit === 'string' && /^\d+$/.test(query.limit)
        ? Math.min(Number(query.limit), 10_000)
        : undefined;
    const leads = await deps.store.listLeads({
      ...(tenantId ? { tenantId } : {}),
      ...(limit ? { limit } : {}),
    });
    return { leads };
  });

  const contactQuery = async (request: { params: unknown; query: unknown }) => {
    const { id } = request.params as { id: string };
    const query = request.query as Record<string, unknown>;
    const tenantId = typeof query.tenant === 'string' ? query.tenant : undefined;
    if (tenantId !== undefined && !deps.tenants.has(tenantId))
      throw new ClientError('unknown_tenant', `Unknown tenant '${tenantId.slice(0, 64)}'.`, { status: 404 });
    if (id.length === 0 || id.length > 320)
      throw new ClientError('invalid_message', 'The contact id is 1-320 characters.');
    const q = { id, ...(tenantId ? { tenantId } : {}) };
    if (!(await deps.contacts?.found(q)))
      throw new ClientError('not_found', 'Nothing is stored about that contact.', { status: 404 });
    return q;
  };
  app.get('/api/contacts/:id', async (request) => {
    requireAdmin(request, deps.adminToken);
    return deps.contacts!.export(await contactQuery(request));
  });
  app.delete('/api/contacts/:id', async (request) => {
    requireAdmin(request, deps.adminToken);
    return { erased: await deps.contacts!.erase(await contactQuery(request)) };
  });
  return app;
}
