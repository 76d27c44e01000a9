/**
 * Composition root: the only place that wires concrete parts together. Each part is built by its own
 * `create…(config, deps)` in src/composition/ and added to one declared start list; the node closes in
 * the reverse order (intake drains first, the store closes last). `npm start` runs this file; the CLI
 * and the tests call `startLeadbot`.
 */
import { realpathSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { logListening } from './composition/banner.ts';
import { createAdmission, createBus, createMetrics, intakeFor } from './composition/bus.ts';
import { createClusterLayer } from './composition/cluster.ts';
import { publishing, startConsuming } from './composition/consuming.ts';
import { createConversations, type ConversationDeps } from './composition/conversations.ts';
import { createDelivery } from './composition/delivery.ts';
import { createHttp } from './composition/http.ts';
import { createKeys } from './composition/keys.ts';
import { createInspection } from './composition/inspect.ts';
import { Lifecycle } from './composition/lifecycle.ts';
import { runNode } from './composition/process.ts';
import { createMaintenance } from './composition/maintenance.ts';
import { createMemory } from './composition/memory.ts';
import { createModels } from './composition/model.ts';
import { nodeOf, type Leadbot, type StartOptions } from './composition/node.ts';
import { erasureSync, privacyApi } from './composition/privacy.ts';
import { createSecurity } from './composition/security.ts';
import { createStorage, type Storage } from './composition/storage.ts';
import { loadConfig, loadTenants } from './config/load.ts';
import type { Config } from './config/schema.ts';
import { createHandoff } from './handoff/index.ts';
import { createLogger, logKeyFor, type Logger } from './logger.ts';
import { systemClock } from './ports/clock.ts';
import type { ConversationSupervisor } from './runtime/supervisor.ts';

export type { Leadbot, StartOptions } from './composition/node.ts';

/** What every phase of the start gets: config, the start list, the logger, clock and tenants. */
type Base = {
  config: Readonly<Config>;
  life: Lifecycle;
  log: Logger;
  http: boolean;
  /** Set once the supervisor exists (metrics read it lazily). */
  live: { supervisor?: ConversationSupervisor };
} & Pick<ConversationDeps, 'clock' | 'tenants'>;

/** Storage, keys, cluster, model and bus: what every other part stands on. */
async function foundation({ config, life, log, clock, live }: Base) {
  const supervisor = () => live.supervisor;
  const storage = await life.add(createStorage(config));
  const keys = await life.add(createKeys(config, clock, log));
  const inspection = await life.add(await createInspection(config, log));
  if (keys.pool) inspection.attachStore('keypool', keys.pool.store);
  const cluster = await life.add(createClusterLayer(config, { storage, keys, log }));
  const models = createModels(config, { keys, cluster, log });
  const { bus } = await life.add(createBus(config, cluster, log));
  const pool = keys.pool;
  const metrics = createMetrics(config, { model: models.model.name, bus, pool, supervisor });
  const inspect = inspection.observer;
  return { storage, pool, cluster, models, bus, metrics, ...(inspect ? { inspect } : {}) };
}

/** The CRM outbox, memory, the guard and the human handoff: the services conversations call. */
async function services(
  base: Base,
  found: Awaited<ReturnType<typeof foundation>>,
): Promise<ConversationDeps> {
  const { config, life, log, clock, tenants } = base;
  const { storage, pool, cluster, models, bus } = found;
  const { store, audit, contacts } = storage;
  const { leadStore, turnStore } = cluster;
  const { delivery, outbox } = await life.add(
    createDelivery(config, { store, leadStore, cluster, tenants, clock, log }),
  );
  if (outbox) found.metrics.setOutbox(() => outbox.status());
  const llm = pool ? models.model : undefined;
  const memoryDeps = { store, turnStore, tenants, ...(llm ? { llm } : {}), delivery, clock, log };
  const memory = await life.add(createMemory(config, memoryDeps));
  const handoff = createHandoff(config, { ...storage, turnStore, leadStore, bus, tenants, clock, log });
  await life.add({ name: 'handoff', close: () => handoff.close() });
  found.metrics.setAlertsOutbox(() => handoff.alertsStatus());
  contacts.onErased = (ids) => handoff.forget(ids);
  const security = createSecurity(config, llm);
  const crm = outbox ? { crmOutbox: outbox } : {};
  return { ...found, store, delivery, ...crm, memory, security, handoff, audit, clock, log, tenants };
}

/** Housekeeping, privacy sync, HTTP with the channels, then intake: the node takes work last. */
async function edges(base: Base, deps: ConversationDeps, storage: Storage) {
  const { config, life, log, clock, tenants } = base;
  const { bus, cluster, metrics, security, store } = deps;
  const conversations = await life.add(await createConversations(config, deps));
  const { supervisor, timers, dedupe, skills } = conversations;
  base.live.supervisor = supervisor;
  const maybeDedupe = dedupe ? { dedupe } : {};
  await life.add(createMaintenance(config, { store, ...maybeDedupe, flood: security.flood, clock, log }));
  const privacy = { cluster, contacts: storage.contacts, supervisor, timers, clock, log };
  await life.add(erasureSync(config, privacy));
  const { admission } = await life.add(createAdmission(config, bus, storage.disk));
  const intake = intakeFor(config, { bus, clock, tenants, ...maybeDedupe, metrics, admission });
  const disk = storage.disk ? { disk: storage.disk } : {};
  const view = {
    ...deps,
    intake,
    supervisor,
    modelName: deps.models.model.name,
    admin: storage.admin,
    ...disk,
  };
  const http = await life.add(
    createHttp(config, { ...view, contacts: privacyApi(config, privacy) }, base.http),
  );
  await life.add(startConsuming({ bus, cluster, supervisor, timers, ...maybeDedupe, clock }));
  await life.add(publishing(config, cluster, metrics, log));
  if (http.url) logListening(config, log, { ...view, url: http.url });
  return { http, intake, supervisor, skills };
}

/**
 * Starts a node. When any part fails to start (a channel with a bad setting, a port in use…), what was
 * already started is closed again before the error is thrown: no open store, no stray timers.
 */
export async function startLeadbot(config: Readonly<Config>, options: StartOptions = {}): Promise<Leadbot> {
  const { level, content, pretty } = config.log;
  const log =
    options.logger ??
    createLogger({ level, content, pretty, nodeId: config.nodeId, idKey: logKeyFor(config.dataDir) });
  const life = new Lifecycle(log);
  try {
    for (const warning of config.warnings) log.warn(warning);
    const tenants = loadTenants(config.tenantsDir);
    const clock = options.clock ?? systemClock;
    const base: Base = { config, life, log, http: options.http !== false, clock, tenants, live: {} };
    const found = await foundation(base);
    const deps = await services(base, found);
    const edge = await edges(base, deps, found.storage);
    return nodeOf(base, { ...found, ...deps }, edge);
  } catch (error) {
    await life.close();
    throw error;
  }
}

/** `npm start`: load config, start, stop cleanly on SIGINT/SIGTERM. */
const entry = process.argv[1];
if (entry && import.meta.url === pathToFileURL(realpathSync(entry)).href)
  void runNode(loadConfig, startLeadbot);
