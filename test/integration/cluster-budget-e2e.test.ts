import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeLlmServer, type FakeLlmServer } from '../../src/fake-llm/server.ts';
import type { Leadbot } from '../../src/main.ts';
import { startTestLeadbot } from '../helpers/in-process.ts';
import { natsAvailable, startNatsServer, type NatsServer } from '../helpers/nats-server.ts';

describe.skipIf(!natsAvailable('the cluster key-budget test'))(
  'cluster-wide key budget (two nodes, one key)',
  () => {
    let nats: NatsServer;
    let fake: FakeLlmServer;
    const nodes: (Leadbot & { url: string })[] = [];

    beforeAll(async () => {
      nats = await startNatsServer({ jetstream: true });
      // The provider allows 4 requests a minute on this key, and so does the configured budget.
      fake = await startFakeLlmServer({ keys: { k1: { rpm: 4 } } });
      const dir = mkdtempSync(join(tmpdir(), 'leadbot-budget-'));
      const file = join(dir, 'settings.json');
      writeFileSync(
        file,
        JSON.stringify({
          llm: { queueDeadlineMs: 1000 },
          memory: { insights: false },
          cluster: { partitions: 4, metricsEveryMs: 500 },
        }),
      );
      for (const id of ['n1', 'n2'])
        nodes.push(
          await startTestLeadbot({
            LEADBOT_NATS_URL: nats.url,
            LEADBOT_NODE_ID: id,
            LEADBOT_CONFIG: file,
            LEADBOT_LLM_KEYS: 'k1',
            LEADBOT_LLM_BASE_URL: fake.url,
            LEADBOT_LLM_MODEL: 'fake-builtin',
            LEADBOT_LLM_RPM: '4',
          }),
        );
    }, 60_000);

    afterAll(async () => {
      for (const node of nodes) await node.close();
      await fake?.close();
      await nats?.dispose();
    });

    it('two nodes never spend the key twice over: no 429 from the provider, the rest answered by the built-in model', async () => {
      const send = (node: Leadbot & { url: string }, sender: string) =>
        fetch(`${node.url}/webhooks/rest`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ sender, message: 'Hola, necesito cotizar rastreo para 12 camiones' }),
        }).then((r) => r.json() as Promise<{ text: string }[]>);
      const replies = await Promise.all(
        Array.from({ length: 10 }, (_, i) => send(nodes[i % 2]!, `budget-${i}`)),
      );
      // Everyone was answered (by the LLM or, past the deadline, by the built-in model)…
      for (const reply of replies) expect(reply.length).toBeGreaterThan(0);
      // …and the key was never used beyond its limit across the two nodes.
      const stats = fake.stats().keys.k1!;
      expect(stats.rateLimited).toBe(0);
      expect(stats.accepted).toBeLessThanOrEqual(4);
      expect(stats.accepted).toBeGreaterThan(0);
    }, 60_000);

    it('/metrics on either node shows the pool across the cluster, not only its own slice', async () => {
      interface Line {
        key_id: string;
        active_conversations: number;
        requests_last_minute: number;
        capacity_pct: number;
      }
      interface Report {
        pool_status: Line[];
        total_active: number;
        cluster_pool: { nodes: number; pool_status: Line[]; total_active: number; pool_capacity_pct: number };
      }
      const read = (node: Leadbot & { url: string }) =>
        fetch(`${node.url}/metrics`).then((r) => r.json() as Promise<Report>);
      // Both nodes have published at least twice since the turns above.
      await new Promise((resolve) => setTimeout(resolve, 1_200));
      const [a, b] = await Promise.all([read(nodes[0]!), read(nodes[1]!)]);
      const own = (r: Report) => r.pool_status.find((k) => k.key_id === 'key-1')!;
      const requests = own(a).requests_last_minute + own(b).requests_last_minute;
      const active = a.total_active + b.total_active;
      expect(requests).toBeGreaterThan(0);
      for (const report of [a, b]) {
        const k1 = report.cluster_pool.pool_status.find((k) => k.key_id === 'key-1')!;
        expect(report.cluster_pool.nodes).toBe(2);
        expect(k1.requests_last_minute).toBe(requests);
        expect(report.cluster_pool.total_active).toBe(active);
        // 4 requests a minute: the cluster's share of the key follows from both nodes' requests.
        expect(k1.capacity_pct).toBeGreaterThanOrEqual(Math.round((requests / 4) * 100));
      }
    }, 30_000);
  },
);
