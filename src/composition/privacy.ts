import { erasureKey } from '../adapters/nats/erasures.ts';
import { SharedTimers } from '../adapters/nats/shared-timers.ts';
import type { Config } from '../config/schema.ts';
import { errorMessage } from '../errors.ts';
import type { Logger } from '../logger.ts';
import type { Clock } from '../ports/clock.ts';
import type { ContactData } from '../privacy/contacts.ts';
import type { DurableTimers } from '../runtime/durable-timers.ts';
import type { ConversationSupervisor } from '../runtime/supervisor.ts';
import type { ClusterLayer } from './cluster.ts';
import type { Part } from './lifecycle.ts';

/** Cluster mode: a privacy erasure every node applies to its own local copies. */
const ERASE_SUBJECT = 'leadbot.privacy.erase';

type Query = { id: string; tenantId?: string };

interface PrivacyDeps {
  cluster: ClusterLayer;
  contacts: ContactData;
  supervisor: ConversationSupervisor;
  timers: DurableTimers | SharedTimers;
  clock: Clock;
  log: Logger;
}

/**
 * A person's conversations and leads: local, shared leads, and (cluster mode) a conversation id whose
 * state only the shared replica holds (no lead yet, handled on a worker).
 */
async function findEverywhere({ cluster, contacts }: PrivacyDeps, query: Query) {
  const shared = cluster.sharedLeads ? await cluster.sharedLeads.listLeads() : [];
  const found = contacts.find(query, shared);
  const inTenant = !query.tenantId || query.id.startsWith(`${query.tenantId}:`);
  const { replica } = cluster;
  if (replica && inTenant && !found.conversationIds.includes(query.id) && (await replica.load(query.id)))
    return { ...contacts.find(query, shared, [query.id]), shared };
  return { ...found, shared };
}

/**
 * Cluster mode: a durable marker first (a node that is down applies it when it is back), then the shared
 * copies go, and every connected node erases its own local copies now.
 */
async function eraseShared(
  deps: PrivacyDeps,
  config: Readonly<Config>,
  query: Query,
  found: Awaited<ReturnType<typeof findEverywhere>>,
) {
  const { cluster, timers, clock } = deps;
  const { conversationIds, leads } = found;
  for (const id of conversationIds) await cluster.erasures?.mark(id, clock.now());
  for (const id of conversationIds) {
    await cluster.replica?.remove(id);
    if (timers instanceof SharedTimers) await timers.forget(id);
    await cluster.claims?.forget(id);
  }
  for (const lead of leads) await cluster.sharedLeads?.removeLead(lead.tenant_id, lead.lead_id);
  cluster.nats?.nc.publish(ERASE_SUBJECT, JSON.stringify({ query, conversationIds, from: config.nodeId }));
}

/** The admin API's export / erase of one person, across this node and (cluster mode) the shared copies. */
export function privacyApi(config: Readonly<Config>, deps: PrivacyDeps) {
  const { cluster, contacts, supervisor, clock } = deps;
  return {
    found: async (query: Query) => (await findEverywhere(deps, query)).conversationIds.length > 0,
    export: async (query: Query) => {
      const { conversationIds, shared } = await findEverywhere(deps, query);
      const exported = contacts.export(query, clock.now(), shared, conversationIds);
      // Cluster mode: state handled on workers comes from the shared replica.
      for (const id of conversationIds) {
        if (!cluster.replica || exported.conversations.some((c) => c.record.conversationId === id)) continue;
        const remote = await cluster.replica.load(id);
        if (remote) exported.conversations.push({ record: remote.conversation, history: remote.history });
      }
      return exported;
    },
    erase: async (query: Query) => {
      const found = await findEverywhere(deps, query);
      for (const id of found.conversationIds) supervisor.evict(id);
      if (cluster.nats) await eraseShared(deps, config, query, found);
      const result = contacts.erase(query, found.shared, found.conversationIds);
      // What went from the shared copies counts too (this node may hold no local copy).
      return {
        ...result,
        conversations: Math.max(result.conversations, found.conversationIds.length),
        leads: Math.max(result.leads, found.leads.length),
      };
    },
  };
}

/** Another node erased a person: drop them from memory and erase the local copies here too. */
function onRemoteErasure(config: Readonly<Config>, { supervisor, contacts, log }: PrivacyDeps, body: string) {
  try {
    const request = JSON.parse(body) as { query: Query; conversationIds: string[]; from: string };
    if (request.from === config.nodeId) return;
    for (const id of request.conversationIds) supervisor.evict(id);
    const erased = contacts.erase(request.query, [], request.conversationIds);
    log.info({ from: request.from, ...erased }, 'privacy erasure requested by another node applied here');
  } catch (cause) {
    log.error({ err: errorMessage(cause) }, 'could not apply an erasure from another node');
  }
}

/** Cluster mode: erasures missed while this node was away are applied, and live ones as they come. */
export function erasureSync(config: Readonly<Config>, deps: PrivacyDeps): Part {
  const { cluster, contacts, supervisor, log } = deps;
  return {
    name: 'erasure-sync',
    async start() {
      if (!cluster.nats || !cluster.erasures) return;
      const local = new Map(contacts.localConversations().map((c) => [erasureKey(c.conversationId), c]));
      await cluster.erasures.start((key, at) => {
        const copy = local.get(key);
        if (!copy || copy.updatedAt > at) return;
        local.delete(key);
        supervisor.evict(copy.conversationId);
        const erased = contacts.erase({ id: copy.conversationId }, [], [copy.conversationId]);
        log.info({ ...erased }, 'privacy erasure missed while away applied here');
      });
      cluster.nats.nc.subscribe(ERASE_SUBJECT, {
        callback: (error, msg) => {
          if (!error) onRemoteErasure(config, deps, msg.string());
        },
      });
    },
  };
}
