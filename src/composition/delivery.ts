import { LmdbOutbox } from '../adapters/lmdb-outbox.ts';
import type { LmdbStore } from '../adapters/lmdb-store.ts';
import type { TenantConfig } from '../config/tenant.ts';
import type { Config } from '../config/schema.ts';
import { errorMessage } from '../errors.ts';
import type { Logger } from '../logger.ts';
import type { Clock } from '../ports/clock.ts';
import type { DeliveryClaims } from '../ports/delivery-claims.ts';
import type { OutboxAdmin } from '../ports/outbox.ts';
import type { Store } from '../ports/store.ts';
import { LeadDelivery } from '../runtime/lead-delivery.ts';
import { leadReference } from '../runtime/lead-payload.ts';
import { OutboxDispatcher } from '../runtime/outbox-dispatcher.ts';
import type { ClusterLayer } from './cluster.ts';
import type { Part } from './lifecycle.ts';

/** Leads to the CRM: stored, queued in the outbox (when a webhook is set) and pushed by the dispatcher. */
export interface Delivery extends Part {
  delivery: LeadDelivery;
  /** The CRM outbox for operators; absent without a webhook. */
  outbox?: OutboxAdmin;
}

/** The outbox and its dispatcher as one operator handle. */
export function outboxAdmin(outbox: LmdbOutbox, dispatcher: OutboxDispatcher | undefined): OutboxAdmin {
  return {
    async status() {
      const oldestPendingAt = outbox.oldestPendingAt();
      const state = dispatcher?.state() ?? { inFlight: 0, consecutiveFailures: 0 };
      return { ...(await outbox.stats()), ...(oldestPendingAt ? { oldestPendingAt } : {}), ...state };
    },
    list: (query) => outbox.list(query),
    async redrive(id, tenantId) {
      const found = await outbox.get(id);
      if (!found || (tenantId && found.tenantId !== tenantId)) return undefined;
      if (found.status !== 'dead') return { entry: found, redriven: false };
      const entry = (await outbox.redrive(id)) ?? found;
      dispatcher?.notify();
      return { entry, redriven: entry.status === 'pending' };
    },
    async redriveAll(tenantId) {
      const count = await outbox.redriveAll(tenantId);
      dispatcher?.notify();
      return count;
    },
  };
}

/** Two letters of the tenant's company for lead references (`RU-…`), `LB` when it has none. */
function referencePrefix(tenants: ReadonlyMap<string, TenantConfig>, tenantId: string): string {
  return (
    (tenants.get(tenantId)?.companyName ?? 'LB')
      .replace(/[^A-Za-z]/g, '')
      .slice(0, 2)
      .toUpperCase() || 'LB'
  );
}

function dispatcherFor(
  config: Readonly<Config>,
  outbox: LmdbOutbox,
  delivery: LeadDelivery,
  clock: Clock,
  log: Logger,
  claims: DeliveryClaims | undefined,
) {
  const { webhookUrl } = config.crm;
  const secret = config.secrets.crmWebhookSecret;
  if (!webhookUrl || !secret) return undefined;
  return new OutboxDispatcher({
    outbox,
    clock,
    log: log.child({ component: 'outbox' }),
    webhook: { url: webhookUrl, secret, timeoutMs: config.crm.timeoutMs },
    ...(config.crm.maxAttempts ? { maxAttempts: config.crm.maxAttempts } : {}),
    retryForMs: config.crm.retryForMs,
    concurrency: config.crm.concurrency,
    baseBackoffMs: config.crm.baseBackoffMs,
    maxBackoffMs: config.crm.maxBackoffMs,
    onDelivered: (entry) => delivery.markDelivered(entry),
    ...(claims ? { claims } : {}),
  });
}

export function createDelivery(
  config: Readonly<Config>,
  deps: {
    store: LmdbStore;
    leadStore: Store;
    /** Cluster mode: shared delivery claims, and the bus whose partition takeovers adopt entries. */
    cluster?: Pick<ClusterLayer, 'claims' | 'nats'>;
    tenants: ReadonlyMap<string, TenantConfig>;
    clock: Clock;
    log: Logger;
  },
): Delivery {
  const outbox = config.crm.webhookUrl ? new LmdbOutbox({ store: deps.store, clock: deps.clock }) : undefined;
  /** Set just below: the delivery wakes the dispatcher, which reports back to the delivery. */
  const late: { dispatcher?: OutboxDispatcher } = {};
  const claims = outbox ? deps.cluster?.claims : undefined;
  const delivery = new LeadDelivery({
    store: deps.leadStore,
    recoverFrom: deps.store,
    log: deps.log,
    ...(claims ? { claims } : {}),
    ...(outbox ? { outbox, notify: () => late.dispatcher?.notify() } : {}),
    reference: (lead) => leadReference(lead.lead_id, referencePrefix(deps.tenants, lead.tenant_id)),
  });
  const dispatcher = outbox
    ? dispatcherFor(config, outbox, delivery, deps.clock, deps.log, claims)
    : undefined;
  if (dispatcher) late.dispatcher = dispatcher;
  return {
    name: 'crm-outbox',
    delivery,
    ...(outbox ? { outbox: outboxAdmin(outbox, dispatcher) } : {}),
    async start() {
      if (!dispatcher) return;
      // A partition this node takes over brings the undelivered leads its last owner held.
      deps.cluster?.nats?.bus.onPartitionAcquired((partition) => {
        delivery
          .adopt(partition)
          .catch((error: unknown) =>
            deps.log.warn({ partition, err: errorMessage(error) }, 'could not adopt undelivered leads'),
          );
      });
      await delivery.recover();
      void dispatcher.start();
    },
    close: () => dispatcher?.close(),
  };
}
