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
          cluster: { partitions: 4 },
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
  },
);
