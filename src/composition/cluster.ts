import { auditHeadKey, openAuditHeads } from '../adapters/nats/audit-heads.ts';
import { startNatsCluster, type NatsCluster } from '../adapters/nats/cluster.ts';
import { ErasureMarkers } from '../adapters/nats/erasures.ts';
import { openLeadBucket, SharedLeadStore } from '../adapters/nats/shared-leads.ts';
import { NatsDeliveryClaims, openOutboxBucket } from '../adapters/nats/shared-outbox.ts';
import { ClusterBudget } from '../cluster/cluster-budget.ts';
import { ConversationReplica } from '../cluster/conversation-replica.ts';
import { ReplicatedStore } from '../cluster/replicated-store.ts';
import type { Config } from '../config/schema.ts';
import { errorMessage } from '../errors.ts';
import type { Logger } from '../logger.ts';
import type { DeliveryClaims } from '../ports/delivery-claims.ts';
import type { Store } from '../ports/store.ts';
import type { Keys } from './keys.ts';
import type { Part } from './lifecycle.ts';
import type { Storage } from './storage.ts';

/**
 * Cluster mode (`LEADBOT_NATS_URL`): the bus, the conversation replica, shared leads, erasure markers and
 * the shared key budget live on NATS. On one node every field but the stores is absent and both stores
 * are the local LMDB.
 */
export interface ClusterLayer extends Part {
  nats?: NatsCluster;
  role: Config['cluster']['role'];
  erasures?: ErasureMarkers;
  sharedLeads?: SharedLeadStore;
  replica?: ConversationReplica;
  budget?: ClusterBudget;
  /** Who holds and who delivered each CRM outbox entry, across nodes. */
  claims?: DeliveryClaims;
  /** Leads: shared through NATS KV in cluster mode, so every node lists and updates the same leads. */
  leadStore: Store;
  /** Conversations and history: replicated under the owner's fence in cluster mode. */
  turnStore: Store;
}

function connect(config: Readonly<Config>, log: Logger): Promise<NatsCluster> {
  return startNatsCluster({
    url: config.cluster.natsUrl!,
    nodeId: config.nodeId,
    log: log.child({ component: 'cluster' }),
    concurrency: config.bus.concurrency || Infinity,
    coalesceMs: config.bus.coalesceMs,
    partitions: config.cluster.partitions,
    leaseTtlMs: config.cluster.leaseTtlMs,
    ackWaitMs: config.cluster.ackWaitMs,
    replicas: config.cluster.replicas,
    conversationTtlMs: config.retention.conversationTtlMs,
    onHandlerError: (error, message) =>
      log.error({ conversationId: message.conversationId, err: errorMessage(error) }, 'handler failed'),
  });
}

/** Opens the cluster's shared state on `start`; a single node starts with nothing to open. */
export function createClusterLayer(
  config: Readonly<Config>,
  deps: { storage: Storage; keys: Keys; log: Logger },
): ClusterLayer {
  const { store, contacts } = deps.storage;
  const layer: ClusterLayer = {
    name: 'cluster',
    role: 'all',
    leadStore: store,
    turnStore: store,
    async start() {
      if (!config.cluster.natsUrl) return;
      const nats = await connect(config, deps.log);
      layer.nats = nats;
      layer.role = config.cluster.role;
      const replicas = config.cluster.replicas;
      const erasures = await ErasureMarkers.open(nats.nc, deps.log.child({ component: 'privacy' }), replicas);
      layer.erasures = erasures;
      const heads = await openAuditHeads(nats.nc, replicas);
      deps.storage.publishAuditHeads(
        (checkpoint) =>
          void heads
            .put(auditHeadKey(config.nodeId), JSON.stringify(checkpoint))
            .catch((error: unknown) =>
              deps.log.warn({ err: errorMessage(error) }, 'audit head not published to NATS'),
            ),
      );
      // A worker's lead writes are fenced like its conversation writes (a gateway writes none).
      const leadFence =
        config.cluster.role === 'gateway' ? undefined : (id: string) => nats.bus.currentFence(id);
      const sharedLeads = new SharedLeadStore(store, await openLeadBucket(nats.nc, replicas), leadFence);
      const replica = new ConversationReplica({
        store: nats.conversationStore,
        historyLines: Math.max(50, config.conversation.historyWindow),
      });
      const claims = new NatsDeliveryClaims({
        kv: await openOutboxBucket(nats.nc, replicas),
        nodeId: config.nodeId,
        instance: nats.bus.instanceId,
        partitionOf: (conversationId) => nats.bus.partitionFor(conversationId),
      });
      Object.assign(layer, { sharedLeads, replica, claims, leadStore: sharedLeads });
      // A worker's conversation writes go to the shared replica under its fence, then to LMDB; reads take
      // the newer of the two, so a conversation continues on whichever node owns it now.
      layer.turnStore = new ReplicatedStore({
        local: sharedLeads,
        replica,
        fence: (conversationId) => nats.bus.currentFence(conversationId),
        erased: (conversationId, updatedAt) => erasures.erased(conversationId, updatedAt),
        onErased: (conversationId) => {
          contacts.erase({ id: conversationId }, [], [conversationId]);
        },
      });
      if (deps.keys.pool)
        layer.budget = new ClusterBudget({ store: nats.budgetStore, limits: deps.keys.limits });
    },
    async close() {
      layer.erasures?.close();
      await layer.nats?.close();
    },
  };
  return layer;
}
