import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { TenantConfig } from '../config/tenant.ts';
import { ClientError } from '../errors.ts';
import type { OutboxAdmin, OutboxEntry } from '../ports/outbox.ts';
import { outboxStatusView } from '../runtime/outbox-view.ts';
import { requireAdminScope, tenantScope } from './auth.ts';

interface OutboxRouteDeps {
  /** Absent without a CRM webhook: the routes then say so. */
  outbox?: OutboxAdmin | undefined;
  adminToken: string;
  tenants: ReadonlyMap<string, TenantConfig>;
  onAdminRead?: (read: { route: string; tenantId: string | null; count: number }) => void;
}

/** An entry as the API shows it: what it is and how its delivery goes, never the lead itself. */
export function entryView(entry: OutboxEntry) {
  const payload = (entry.payload ?? {}) as { lead_id?: unknown; conversation_id?: unknown };
  return {
    id: entry.id,
    kind: entry.kind,
    tenant_id: entry.tenantId,
    status: entry.status,
    attempts: entry.attempts,
    created_at: new Date(entry.createdAt).toISOString(),
    ...(entry.status === 'pending' ? { next_attempt_at: new Date(entry.nextAttemptAt).toISOString() } : {}),
    ...(entry.deliveredAt ? { delivered_at: new Date(entry.deliveredAt).toISOString() } : {}),
    ...(entry.lastError ? { last_error: entry.lastError } : {}),
    ...(typeof payload.lead_id === 'string' ? { lead_id: payload.lead_id } : {}),
    ...(typeof payload.conversation_id === 'string' ? { conversation_id: payload.conversation_id } : {}),
  };
}

function listQuery(request: FastifyRequest): { status: 'pending' | 'dead'; limit: number } {
  const query = request.query as Record<string, unknown>;
  const status = query.status ?? 'dead';
  if (status !== 'dead' && status !== 'pending')
    throw new ClientError('invalid_message', '?status= is dead (default) or pending.');
  const raw = query.limit;
  if (raw !== undefined && !(typeof raw === 'string' && /^\d{1,6}$/.test(raw) && Number(raw) > 0))
    throw new ClientError('invalid_message', '?limit= is a whole number from 1 to 1000.');
  return { status, limit: Math.min(raw === undefined ? 100 : Number(raw), 1000) };
}

/**
 * `GET /api/outbox` (dead letters or pending CRM pushes, with the outbox's counts), `POST
 * /api/outbox/:id/redrive` and `POST /api/outbox/redrive` (every dead letter in scope). Admin token,
 * or a tenant admin token for its own tenant's entries (the counts are then left out: they span
 * every tenant).
 */
export function registerOutboxRoutes(app: FastifyInstance, routeDeps: OutboxRouteDeps): void {
  /** The call's tenant scope (checking the token first) and the outbox; 404 without a CRM webhook. */
  const scopeOf = (request: FastifyRequest) => {
    const tenantId = tenantScope(request, routeDeps.adminToken, routeDeps.tenants);
    const outbox = routeDeps.outbox;
    if (!outbox)
      throw new ClientError(
        'not_found',
        'No CRM webhook is configured (LEADBOT_CRM_WEBHOOK_URL), so nothing is queued for a CRM: leads are stored and listed at /api/leads.',
        { status: 404 },
      );
    return { tenantId, outbox };
  };
  app.get('/api/outbox', async (request) => {
    const { tenantId, outbox } = scopeOf(request);
    const { status, limit } = listQuery(request);
    const entries = await outbox.list({ status, limit, ...(tenantId ? { tenantId } : {}) });
    routeDeps.onAdminRead?.({ route: 'outbox', tenantId: tenantId ?? null, count: entries.length });
    const tenantAdmin = requireAdminScope(request, routeDeps.adminToken, routeDeps.tenants) !== null;
    return {
      ...(tenantAdmin ? {} : { outbox: outboxStatusView(await outbox.status(), Date.now()) }),
      entries: entries.map(entryView),
    };
  });
  app.post('/api/outbox/:id/redrive', async (request) => {
    const { tenantId, outbox } = scopeOf(request);
    const { id } = request.params as { id: string };
    const result = await outbox.redrive(id, tenantId);
    if (!result) throw new ClientError('not_found', 'No outbox entry with that id.', { status: 404 });
    if (!result.redriven)
      throw new ClientError('not_dead', `The entry is ${result.entry.status}, not a dead letter.`, {
        status: 409,
      });
    routeDeps.onAdminRead?.({ route: 'outbox.redrive', tenantId: tenantId ?? null, count: 1 });
    return { entry: entryView(result.entry) };
  });
  app.post('/api/outbox/redrive', async (request) => {
    const { tenantId, outbox } = scopeOf(request);
    const redriven = await outbox.redriveAll(tenantId);
    routeDeps.onAdminRead?.({ route: 'outbox.redrive', tenantId: tenantId ?? null, count: redriven });
    return { redriven };
  });
}
