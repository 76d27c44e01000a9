import OpenAI from 'openai';
import type { NatsConnection } from '@nats-io/transport-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectNats } from '../../src/adapters/nats/connection.ts';
import { openBudgetStore } from '../../src/adapters/nats/kv-store.ts';
import { ClusterBudget, type SharedKeyLimits } from '../../src/cluster/cluster-budget.ts';
import { startFakeLlmServer } from '../../src/fake-llm/server.ts';
import { natsAvailable, startNatsServer, type NatsServer } from '../helpers/nats-server.ts';

let server: NatsServer;
const connections: NatsConnection[] = [];

/** One node's budget client, on its own NATS connection. */
async function budgetNode(
  limits: Record<string, SharedKeyLimits>,
  conversationTtlMs?: number,
  clock?: { now: () => number },
) {
  const nc = await connectNats({ url: server.url, name: `budget-${connections.length}` });
  connections.push(nc);
  return new ClusterBudget({
    store: await openBudgetStore(nc),
    limits,
    attempts: 500,
    ...(conversationTtlMs ? { conversationTtlMs } : {}),
    ...(clock ? { clock } : {}),
  });
}

describe.skipIf(!natsAvailable('the ClusterBudget tests'))(
  'ClusterBudget on NATS KV (real nats-server)',
  () => {
    beforeAll(async () => {
      server = await startNatsServer({ jetstream: true });
    });

    afterAll(async () => {
      for (const nc of connections.splice(0)) await nc.close();
      await server?.dispose();
    });

    it('three nodes racing for one key never admit more than its requests per minute', async () => {
      const limits = { race: { rpm: 30 } };
      const nodes = await Promise.all([budgetNode(limits), budgetNode(limits), budgetNode(limits)]);
      const results = await Promise.all(
        nodes.flatMap((node) => Array.from({ length: 15 }, () => node.tryConsume('race', { tokens: 10 }))),
      );
      expect(results.filter(Boolean)).toHaveLength(30);
      expect(await nodes[0].usage('race')).toMatchObject({ requests: 30, tokens: 300 });
      expect(await nodes[2].tryConsume('race')).toBe(false);
      // The window frees no earlier than a minute after the first charge. `retryAt` answers from what
      // this node last saw; under contention its last read may predate the others' charges, so it
      // reads the shared usage first.
      await nodes[1].usage('race');
      expect(nodes[1].retryAt('race')).toBeGreaterThan(Date.now() + 55_000);
    });

    it('three nodes racing never admit more than the tokens per minute', async () => {
      const limits = { tokens: { tpm: 1_000 } };
      // One instant for all three nodes: the race may take longer than a 1 s slot, and the correction
      // below must find its charges in the slot it names (a real caller passes the charge's own time).
      const at = Date.now();
      const clock = { now: () => at };
      const nodes = await Promise.all([
        budgetNode(limits, undefined, clock),
        budgetNode(limits, undefined, clock),
        budgetNode(limits, undefined, clock),
      ]);
      const results = await Promise.all(
        nodes.flatMap((node) => Array.from({ length: 8 }, () => node.tryConsume('tokens', { tokens: 120 }))),
      );
      expect(results.filter(Boolean)).toHaveLength(8);
      const usage = await nodes[0].usage('tokens');
      expect(usage.tokens).toBe(960);
      // A correction after the real usage frees the over-estimate.
      await nodes[1].adjustTokens('tokens', at, -600);
      expect(await nodes[2].tryConsume('tokens', { tokens: 500 })).toBe(true);
      expect((await nodes[0].usage('tokens')).tokens).toBe(860);
    });

    it('active conversations per key are capped cluster-wide; a dead node’s holds lapse', async () => {
      const limits = { conv: { maxConversations: 5 } };
      const a = await budgetNode(limits);
      const b = await budgetNode(limits);
      const dying = await budgetNode(limits, 400);
      const holds = await Promise.all([
        ...[0, 1, 2].map((i) => a.holdConversation('conv', `demo:web:a${i}`)),
        ...[0, 1, 2].map((i) => b.holdConversation('conv', `demo:web:b${i}`)),
        ...[0, 1, 2].map((i) => dying.holdConversation('conv', `demo:web:d${i}`)),
      ]);
      expect(holds.filter(Boolean)).toHaveLength(5);
      expect((await a.usage('conv')).conversations).toBe(5);
      // A conversation that holds the key keeps it; a new one is refused while the key is full.
      const holder = ['a0', 'a1', 'a2', 'b0', 'b1', 'b2', 'd0', 'd1', 'd2'][holds.indexOf(true)]!;
      expect(await a.holdConversation('conv', `demo:web:${holder}`)).toBe(true);
      expect(await a.holdConversation('conv', 'demo:web:new')).toBe(false);
      await a.releaseConversation('conv', `demo:web:${holder}`);
      expect(await b.holdConversation('conv', 'demo:web:new')).toBe(true);
      // The dying node's holds (400 ms) lapse without a release.
      await new Promise((resolve) => setTimeout(resolve, 500));
      const left = (await a.usage('conv')).conversations;
      const dyingHeld = holds.slice(6).filter(Boolean).length;
      expect(left).toBe(5 - dyingHeld);
    });

    it('three nodes sending through the budget never get a 429 from the test LLM server’s per-key limit', async () => {
      const llm = await startFakeLlmServer({ keys: { 'sk-shared': { rpm: 12 } } });
      try {
        const limits = { shared: { rpm: 12 } };
        const nodes = await Promise.all([budgetNode(limits), budgetNode(limits), budgetNode(limits)]);
        const client = new OpenAI({ apiKey: 'sk-shared', baseURL: llm.url, maxRetries: 0, logLevel: 'off' });
        let sent = 0;
        await Promise.all(
          nodes.flatMap((node) =>
            Array.from({ length: 8 }, async () => {
              if (!(await node.tryConsume('shared', { tokens: 50 }))) return;
              sent++;
              await client.chat.completions.create({
                model: 'fake-builtin',
                messages: [{ role: 'user', content: 'Hola, necesito información de precios' }],
              });
            }),
          ),
        );
        const stats = llm.stats().keys['sk-shared']!;
        expect(sent).toBe(12);
        expect(stats.accepted).toBe(12);
        expect(stats.rateLimited).toBe(0);
      } finally {
        await llm.close();
      }
    });
  },
);
