import type { NatsConnection } from '@nats-io/transport-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startNatsCluster, type NatsCluster } from '../../src/adapters/nats/cluster.ts';
import { connectNats } from '../../src/adapters/nats/connection.ts';
import { ClusterBudget } from '../../src/cluster/cluster-budget.ts';
import { ConversationReplica } from '../../src/cluster/conversation-replica.ts';
import { MetricsPublisher } from '../../src/cluster/metrics-publisher.ts';
import { ReplicatedStore } from '../../src/cluster/replicated-store.ts';
import { MemoryStore } from '../../src/ports/store.ts';
import type { OutboundEvent } from '../../src/protocol/index.ts';
import { natsAvailable, startNatsServer, type NatsServer } from '../helpers/nats-server.ts';

const log = { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} };
let server: NatsServer;
const clusters: NatsCluster[] = [];
const others: NatsConnection[] = [];

async function node(nodeId: string): Promise<NatsCluster> {
  const cluster = await startNatsCluster({
    url: server.url,
    nodeId,
    log,
    concurrency: 4,
    partitions: 4,
    leaseTtlMs: 1_500,
    onHandlerError: () => {},
  });
  clusters.push(cluster);
  return cluster;
}

describe.skipIf(!natsAvailable('the cluster wiring test'))(
  'startNatsCluster (one node’s NATS pieces)',
  () => {
    beforeAll(async () => {
      server = await startNatsServer({ jetstream: true });
    });

    afterAll(async () => {
      for (const cluster of clusters.splice(0)) await cluster.close();
      for (const nc of others.splice(0)) await nc.close();
      await server?.dispose();
    });

    it('a gateway and a worker: the turn is written under the worker’s fence, its budget is shared, its reply reaches the gateway, its metrics are on the stream', async () => {
      const gateway = await node('gw');
      const worker = await node('wk');
      const store = new ReplicatedStore({
        local: new MemoryStore(),
        replica: new ConversationReplica({ store: worker.conversationStore }),
        fence: (id) => worker.bus.currentFence(id),
      });
      const budget = new ClusterBudget({ store: worker.budgetStore, limits: { k1: { rpm: 1 } } });
      const budgetOnGateway = new ClusterBudget({ store: gateway.budgetStore, limits: { k1: { rpm: 1 } } });
      worker.bus.consume(async (message, delivery) => {
        const admitted = await budget.tryConsume('k1', { tokens: 20 });
        await store.saveTurn({
          conversation: {
            conversationId: message.conversationId,
            tenantId: message.tenantId,
            channel: message.channel,
            userId: message.userId,
            snapshot: { value: 'triage', fence: delivery.fence },
            machineVersion: 1,
            updatedAt: Date.now(),
          },
          history: [
            { role: 'user', text: message.text, at: message.receivedAt, turn: 1, messageId: message.id },
          ],
        });
        await worker.bus.publishOutbound({
          type: 'bot.message',
          id: 'out-1',
          tenantId: message.tenantId,
          channel: message.channel,
          conversationId: message.conversationId,
          userId: message.userId,
          inReplyTo: message.id,
          text: admitted ? 'model reply' : 'built-in reply',
          state: 'triage',
          language: 'es',
        });
      });
      const publisher = new MetricsPublisher({
        link: worker.metricsLink,
        nodeId: 'wk',
        role: 'worker',
        report: () => Promise.resolve({ live_conversations: 1 }),
        cluster: () => worker.bus.clusterStats(),
        everyMs: 100,
        log,
      });
      const reader = await connectNats({ url: server.url, name: 'reader' });
      others.push(reader);
      const reports: Record<string, unknown>[] = [];
      reader.subscribe('leadbot.metrics.>', {
        callback: (_e, msg) => {
          reports.push(msg.json());
        },
      });
      publisher.start();

      const replies: OutboundEvent[] = [];
      gateway.bus.subscribeOutbound((event) => replies.push(event));
      const deadline = Date.now() + 10_000;
      while (worker.bus.clusterStats().owned_partitions.length < 4 && Date.now() < deadline)
        await new Promise((resolve) => setTimeout(resolve, 20));
      await gateway.bus.publish({
        type: 'user.message',
        id: 'm1',
        tenantId: 'demo',
        channel: 'web',
        conversationId: 'demo:web:s1',
        userId: 's1',
        text: 'Hola',
        receivedAt: Date.now(),
        priority: 5,
      });
      while (replies.length === 0 && Date.now() < deadline)
        await new Promise((resolve) => setTimeout(resolve, 20));
      while (worker.bus.clusterStats().handled === 0 && Date.now() < deadline)
        await new Promise((resolve) => setTimeout(resolve, 20));
      await publisher.publishNow();
      const handledReport = () =>
        reports.some(
          (r) => r.node_id === 'wk' && (r.cluster as { handled?: number } | undefined)?.handled === 1,
        );
      while (!handledReport() && Date.now() < deadline)
        await new Promise((resolve) => setTimeout(resolve, 20));
      await publisher.close();

      expect(replies).toMatchObject([{ type: 'bot.message', inReplyTo: 'm1', text: 'model reply' }]);
      const replicated = await new ConversationReplica({ store: gateway.conversationStore }).load(
        'demo:web:s1',
      );
      expect(replicated?.fence).toBe(worker.bus.currentFence('demo:web:s1'));
      expect(replicated?.history.map((h) => h.messageId)).toEqual(['m1']);
      // The worker spent the key's only request this minute: the gateway's view of the budget agrees.
      expect(await budgetOnGateway.tryConsume('k1')).toBe(false);
      const last = reports.filter((r) => r.node_id === 'wk').at(-1);
      expect(last).toMatchObject({
        role: 'worker',
        live_conversations: 1,
        cluster: { node_id: 'wk', handled: 1 },
      });
    });
  },
);
