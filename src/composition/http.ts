import type { FastifyInstance } from 'fastify';
import type { AuditLog } from '../audit/audit-log.ts';
import type { Channel } from '../channels/channel.ts';
import type { Intake } from '../channels/intake.ts';
import { createChannels } from '../channels/registry.ts';
import { repliesFromHistory } from '../channels/rest.ts';
import type { TenantConfig } from '../config/tenant.ts';
import type { Config } from '../config/schema.ts';
import type { Handoff } from '../handoff/index.ts';
import { createHttpServer, type HttpServerDeps } from '../http/server.ts';
import type { Logger } from '../logger.ts';
import type { Clock } from '../ports/clock.ts';
import type { OutboxAdmin } from '../ports/outbox.ts';
import type { DiskGuard } from '../runtime/disk-guard.ts';
import { outboxStatusView } from '../runtime/outbox-view.ts';
import type { KeyPoolApi } from '../runtime/key-pool-actor.ts';
import type { Metrics } from '../runtime/metrics.ts';
import type { ConversationSupervisor } from '../runtime/supervisor.ts';
import type { ClusterLayer } from './cluster.ts';
import type { Part } from './lifecycle.ts';

export interface HttpDeps {
  cluster: ClusterLayer;
  intake: Intake;
  metrics: Metrics;
  tenants: ReadonlyMap<string, TenantConfig>;
  handoff: Handoff;
  supervisor: ConversationSupervisor;
  pool: KeyPoolApi | undefined;
  modelName: string;
  admin: { token: string };
  audit: Pick<AuditLog, 'append'>;
  contacts: HttpServerDeps['contacts'];
  crmOutbox?: OutboxAdmin;
  disk?: Pick<DiskGuard, 'status'>;
  clock: Clock;
  log: Logger;
}

/** The HTTP server with the channels on it. Filled in by `start`; absent for the embedded CLI chat. */
export interface Http extends Part {
  app?: FastifyInstance;
  url?: string;
  channels: Channel[];
}

/**
 * The CRM outbox part of `/health`: `degraded` with reason `crm_unreachable` once the CRM has failed
 * for `crm.degradedAfterMs` (a blip is not an outage). The HTTP status stays 200: the node still
 * talks with prospects.
 */
async function crmHealth(
  outbox: OutboxAdmin | undefined,
  clock: Clock,
  degradedAfterMs: number,
): Promise<{ crm?: object; degraded?: string }> {
  if (!outbox) return {};
  const status = await outbox.status();
  const { pending, dead, oldest_pending_age_s, receiver } = outboxStatusView(status, clock.now());
  const crm = { pending, dead, oldest_pending_age_s, receiver };
  const down = status.failingSince !== undefined && clock.now() - status.failingSince >= degradedAfterMs;
  return down ? { degraded: 'crm_unreachable', crm } : { crm };
}

/** The data disk in `/health`: `degraded` (`disk_full`) while intake refuses for lack of space. */
function diskHealth(disk: HttpDeps['disk']): { disk?: object; degraded?: string } {
  if (!disk) return {};
  const status = disk.status();
  const mb = (bytes: number | null) => (bytes === null ? null : Math.floor(bytes / 2 ** 20));
  const view = {
    full: status.full,
    free_mb: mb(status.freeBytes),
    min_free_mb: mb(status.minFreeBytes),
    ...(status.reason ? { reason: status.reason } : {}),
  };
  return status.full ? { disk: view, degraded: 'disk_full' } : { disk: view };
}

/** What `/health` adds about the node's dependencies, with `status: degraded` and the reasons. */
async function dependencies(config: Readonly<Config>, deps: HttpDeps): Promise<Record<string, unknown>> {
  const crm = await crmHealth(deps.crmOutbox, deps.clock, config.crm.degradedAfterMs);
  const disk = diskHealth(deps.disk);
  const degraded = [disk.degraded, crm.degraded].filter((r) => r !== undefined);
  return {
    ...(degraded.length > 0 ? { status: 'degraded', degraded } : {}),
    ...(crm.crm ? { crm: crm.crm } : {}),
    ...(disk.disk ? { disk: disk.disk } : {}),
  };
}

function healthOf(config: Readonly<Config>, deps: HttpDeps, http: Http) {
  const { cluster, pool, supervisor, tenants } = deps;
  const nats = cluster.nats;
  return async () => ({
    node_id: config.nodeId,
    model: deps.modelName,
    llm_keys: pool?.keyIds.length ?? 0,
    bus: nats ? `nats (${cluster.role})` : 'in-process',
    ...(nats ? { cluster: nats.bus.clusterStats() } : {}),
    live_conversations: supervisor.liveCount,
    websockets: http.channels.find((c) => c.name === 'web')?.status().websockets ?? 0,
    channels: Object.fromEntries(
      http.channels.filter((c) => c.name !== 'web' && c.name !== 'rest').map((c) => [c.name, c.status()]),
    ),
    // How many, not which: /health is public, and tenant ids name customers.
    tenants: tenants.size,
    ...(await dependencies(config, deps)),
  });
}

/** Channels run on gateways and single nodes; a worker's HTTP server has health, metrics and the API only. */
function channelsFor(config: Readonly<Config>, deps: HttpDeps, app: FastifyInstance): Channel[] {
  if (deps.cluster.role === 'worker') return [];
  deps.handoff.attach(app);
  const nats = deps.cluster.nats;
  const pool = deps.pool;
  return createChannels(
    {
      config,
      intake: deps.intake,
      log: deps.log,
      clock: deps.clock,
      store: deps.cluster.leadStore,
      app,
      repliesTo: repliesFromHistory(deps.cluster.turnStore),
      ...(nats
        ? { link: { status: () => nats.bus.status, onStatus: (listener) => nats.bus.onStatus(listener) } }
        : {}),
      ...(pool
        ? { onDisconnect: (conversationId: string) => void pool.release(conversationId, 'disconnected') }
        : {}),
    },
    config.channels.enabled,
  );
}

function urlOf(app: FastifyInstance, config: Readonly<Config>): string {
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : config.server.port;
  const host = config.server.host.includes(':') ? `[${config.server.host}]` : config.server.host;
  return `http://${host}:${port}`;
}

export function createHttp(config: Readonly<Config>, deps: HttpDeps, enabled: boolean): Http {
  const http: Http = {
    name: 'http',
    channels: [],
    async start() {
      if (!enabled) return;
      const app = await createHttpServer({
        log: deps.log,
        store: deps.cluster.leadStore,
        metrics: deps.metrics,
        tenants: deps.tenants,
        defaultTenant: config.defaultTenant,
        adminToken: deps.admin.token,
        ...(config.secrets.metricsToken ? { metricsToken: config.secrets.metricsToken } : {}),
        bodyLimitBytes: config.server.bodyLimitBytes,
        wsMaxPayloadBytes: config.server.wsMaxPayloadBytes,
        requestTimeoutMs: config.server.requestTimeoutMs,
        headersTimeoutMs: config.server.headersTimeoutMs,
        trustProxy: config.server.trustProxy,
        exemptLoopback: config.server.sourceLimits.exemptLoopback,
        ...(deps.contacts ? { contacts: deps.contacts } : {}),
        ...(deps.crmOutbox ? { outbox: deps.crmOutbox } : {}),
        // Bulk reads are audited: which tenant's leads, how many (the reader is the token's scope).
        onAdminRead: ({ route, tenantId, count }) =>
          deps.audit.append({
            type: 'admin.access',
            ...(tenantId ? { tenantId } : {}),
            data: { route, count, scope: tenantId ?? 'all' },
          }),
        health: healthOf(config, deps, http),
      });
      http.app = app;
      http.channels = channelsFor(config, deps, app);
      await app.listen({ host: config.server.host, port: config.server.port });
      for (const channel of http.channels) await channel.start();
      http.url = urlOf(app, config);
    },
    async close() {
      for (const channel of http.channels) await channel.close();
      await http.app?.close();
    },
  };
  return http;
}
