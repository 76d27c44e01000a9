import { LmdbOutbox } from '../adapters/lmdb-outbox.ts';
import type { LmdbStore } from '../adapters/lmdb-store.ts';
import type { TenantConfig } from '../config/tenant.ts';
import type { Config } from '../config/schema.ts';
import type { Logger } from '../logger.ts';
import type { Clock } from '../ports/clock.ts';
import type { Store } from '../ports/store.ts';
import { LeadDelivery } from '../runtime/lead-delivery.ts';
import { leadReference } from '../runtime/lead-payload.ts';
import { OutboxDispatcher } from '../runtime/outbox-dispatcher.ts';
import type { Part } from './lifecycle.ts';

/** Leads to the CRM: stored, queued in the outbox (when a webhook is set) and pushed by the dispatcher. */
export interface Delivery extends Part {
  delivery: LeadDelivery;
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
) {
  const { webhookUrl } = config.crm;
  const secret = config.secrets.crmWebhookSecret;
  if (!webhookUrl || !secret) return undefined;
  return new OutboxDispatcher({
    outbox,
    clock,
    log: log.child({ component: 'outbox' }),
    webhook: { url: webhookUrl, secret, timeoutMs: config.crm.timeoutMs },
    maxAttempts: config.crm.maxAttempts,
    baseBackoffMs: config.crm.baseBackoffMs,
    maxBackoffMs: config.crm.maxBackoffMs,
    onDelivered: (entry) => delivery.markDelivered(entry),
  });
}

export function createDelivery(
  config: Readonly<Config>,
  deps: {
    store: LmdbStore;
    leadStore: Store;
    tenants: ReadonlyMap<string, TenantConfig>;
    clock: Clock;
    log: Logger;
  },
): Delivery {
  const outbox = config.crm.webhookUrl ? new LmdbOutbox({ store: deps.store, clock: deps.clock }) : undefined;
  /** Set just below: the delivery wakes the dispatcher, which reports back to the delivery. */
  const late: { dispatcher?: OutboxDispatcher } = {};
  const delivery = new LeadDelivery({
    store: deps.leadStore,
    recoverFrom: deps.store,
    log: deps.log,
    ...(outbox ? { outbox, notify: () => late.dispatcher?.notify() } : {}),
    reference: (lead) => leadReference(lead.lead_id, referencePrefix(deps.tenants, lead.tenant_id)),
  });
  const dispatcher = outbox ? dispatcherFor(config, outbox, delivery, deps.clock, deps.log) : undefined;
  if (dispatcher) late.dispatcher = dispatcher;
  return {
    name: 'crm-outbox',
    delivery,
    async start() {
      if (!dispatcher) return;
      await delivery.recover();
      void dispatcher.start();
    },
    close: () => dispatcher?.close(),
  };
}
