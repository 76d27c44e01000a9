import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LeadPayload } from '../../src/protocol/index.ts';
import { startLeadbotProcess, type LeadbotProcess } from '../helpers/leadbot-process.ts';
import { natsAvailable, startNatsServer, type NatsServer } from '../helpers/nats-server.ts';
import { runCli } from '../helpers/run-cli.ts';
import { WsClient } from '../helpers/ws-client.ts';
import { partitionOf } from '../../src/adapters/nats/subjects.ts';

const acquiredBy = (node: LeadbotProcess) => node.output().split('partition acquired').length - 1;

const TOKEN = 'cluster-admin-token';

describe.skipIf(!natsAvailable('the multi-process cluster tests'))(
  'cluster mode: leadbot processes on NATS',
  () => {
    let nats: NatsServer;
    let settings: string;
    const nodes: LeadbotProcess[] = [];

    const start = async (nodeId: string, role: string) => {
      const node = await startLeadbotProcess({
        env: {
          LEADBOT_NATS_URL: nats.url,
          LEADBOT_ROLE: role,
          LEADBOT_NODE_ID: nodeId,
          LEADBOT_CONFIG: settings,
          LEADBOT_ADMIN_TOKEN: TOKEN,
        },
      });
      nodes.push(node);
      return node;
    };

    beforeAll(async () => {
      nats = await startNatsServer({ jetstream: true });
      const dir = mkdtempSync(join(tmpdir(), 'leadbot-cluster-'));
      settings = join(dir, 'settings.json');
      writeFileSync(
        settings,
        JSON.stringify({
          cluster: { partitions: 8, leaseTtlMs: 2000, metricsEveryMs: 500 },
          conversation: { sessionTimeoutMs: 6000 },
        }),
      );
    }, 60_000);

    afterAll(async () => {
      for (const node of nodes) await node.stop('SIGKILL');
      await nats.dispose();
    });

    it('a gateway and two workers: conversations complete in order, a worker killed with -9 loses nothing and nobody gets a reply twice', async () => {
      const [gateway, w1, w2] = await Promise.all([
        start('gw', 'gateway'),
        start('w1', 'worker'),
        start('w2', 'worker'),
      ]);
      const acquired = (node: LeadbotProcess) => node.output().split('partition acquired').length - 1;
      // Both workers own partitions before the run (the first one up takes all, then hands some over).
      const deadline = Date.now() + 20_000;
      while ((acquired(w1) === 0 || acquired(w2) === 0) && Date.now() < deadline)
        await new Promise((r) => setTimeout(r, 100));
      expect(acquired(w1)).toBeGreaterThan(0);
      const before = acquired(w2);
      const people = Array.from({ length: 8 }, (_, i) => i);
      const clients = await Promise.all(
        people.map((i) => WsClient.connect(gateway.url, { tenant: 'demo', session: `person-${i}` })),
      );
      const say = (i: number, text: string) => clients[i]!.say(text);
      // First message of everyone, spread over both workers.
      const first = await Promise.all(
        people.map((i) => say(i, `Necesito cotizar rastreo para ${10 + i} camiones`)),
      );
      expect(first.map((r) => r.state)).toEqual(people.map(() => 'capture'));
      // Second messages go out while w1 dies: its partitions move to w2 and nothing is lost.
      const second = Promise.all(
        people.map((i) => say(i, `Soy Ana Pérez${i === 0 ? '' : ` ${String.fromCharCode(65 + i)}.`}`)),
      );
      w1.child.kill('SIGKILL');
      const names = await second;
      expect(names.every((r) => r.type === 'bot.message')).toBe(true);
      // w2 took w1's partitions over.
      expect(acquired(w2)).toBeGreaterThan(before);
      const done = await Promise.all(people.map((i) => say(i, `ana${i}@transportes.mx`)));
      expect(done.map((r) => r.state)).toEqual(people.map(() => 'handoff'));
      // No duplicate replies: nothing more arrives.
      await new Promise((r) => setTimeout(r, 1500));
      for (const client of clients) expect(client.frames.filter((f) => f.type === 'bot.message')).toEqual([]);
      // Every lead, from any node; turn numbers prove each message ran exactly once, in order.
      const res = await fetch(`${gateway.url}/api/leads`, { headers: { authorization: `Bearer ${TOKEN}` } });
      const { leads } = (await res.json()) as { leads: LeadPayload[] };
      expect(leads).toHaveLength(8);
      for (const lead of leads) {
        expect(lead.status).toBe('complete');
        expect(lead.field_turns).toMatchObject({ problem: 1, name: 2, email: 3 });
      }
      // Erasing a person through the gateway erases them everywhere: the shared copies and every
      // worker's local ones (their next message starts a new conversation).
      const auth = { authorization: `Bearer ${TOKEN}` };
      const erased = await fetch(`${gateway.url}/api/contacts/ana3@transportes.mx`, {
        method: 'DELETE',
        headers: auth,
      });
      expect(erased.status).toBe(200);
      expect(await erased.json()).toMatchObject({ erased: { leads: 1 } });
      expect((await fetch(`${gateway.url}/api/contacts/ana3@transportes.mx`, { headers: auth })).status).toBe(
        404,
      );
      const after = (await (await fetch(`${gateway.url}/api/leads`, { headers: auth })).json()) as {
        leads: LeadPayload[];
      };
      expect(after.leads.map((l) => l.contact_info.email)).not.toContain('ana3@transportes.mx');
      expect(after.leads).toHaveLength(7);
      const again = await say(3, 'Hola');
      expect(again.state).toBe('triage');
      // A person with no lead yet (their state only on a worker and in the replica) is found and erased too.
      const noLead = encodeURIComponent('demo:web:person-3');
      const exported = await fetch(`${gateway.url}/api/contacts/${noLead}`, { headers: auth });
      expect(exported.status).toBe(200);
      const body = (await exported.json()) as { conversations: { history: { text: string }[] }[] };
      expect(body.conversations.flatMap((c) => c.history.map((h) => h.text))).toContain('Hola');
      const gone = await fetch(`${gateway.url}/api/contacts/${noLead}`, { method: 'DELETE', headers: auth });
      expect(await gone.json()).toMatchObject({ erased: { conversations: 1, leads: 0 } });
      expect((await fetch(`${gateway.url}/api/contacts/${noLead}`, { headers: auth })).status).toBe(404);
      // The gateway's audit log (two lead reads, the exports and the erasure) verifies against the heads it
      // published to NATS.
      const audit = await runCli(
        ['audit', 'verify', '--json', '--data-dir', gateway.dataDir, '--nats', nats.url, '--node', 'gw'],
        '',
      );
      expect(audit.code).toBe(0);
      expect(JSON.parse(audit.stdout)).toMatchObject({ ok: true, entries: 5, checkpoints: 10 });
      for (const client of clients) await client.close();
    }, 90_000);

    it('durable timers live in NATS: a worker killed with -9 takes none with it (the session still expires)', async () => {
      const gateway = nodes.find((n) => n.output().includes('(role gateway)'))!;
      const w3 = await start('w3', 'worker');
      const survivors = nodes.filter(
        (n) => n !== gateway && n.child.exitCode === null && n.child.signalCode === null,
      );
      const conversationId = 'demo:web:timer-person';
      const partition = partitionOf(conversationId, 8);
      const ownerOf = () => {
        // The worker that acquired the conversation's partition last.
        let owner: LeadbotProcess | undefined;
        let at = -1;
        for (const node of survivors) {
          for (const line of node.output().split('\n')) {
            if (!line.includes('partition acquired')) continue;
            const parsed = JSON.parse(line) as { partition?: number; time?: number };
            if (parsed.partition === partition && (parsed.time ?? 0) > at) {
              at = parsed.time ?? 0;
              owner = node;
            }
          }
        }
        return owner;
      };
      const deadline = Date.now() + 20_000;
      while (acquiredBy(w3) === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
      const ws = await WsClient.connect(gateway.url, { tenant: 'demo', session: 'timer-person' });
      await ws.say('Necesito cotizar rastreo para 20 camiones');
      expect((await ws.say('Soy Rosa Díaz')).state).toBe('capture');
      await ws.close();
      const owner = ownerOf();
      expect(owner).toBeDefined();
      owner!.child.kill('SIGKILL');
      // The session timer (6 s) fires on the surviving worker: the capture is kept as a partial lead.
      const auth = { authorization: `Bearer ${TOKEN}` };
      let partial: LeadPayload | undefined;
      const until = Date.now() + 30_000;
      while (!partial && Date.now() < until) {
        const { leads } = (await (await fetch(`${gateway.url}/api/leads`, { headers: auth })).json()) as {
          leads: LeadPayload[];
        };
        partial = leads.find((l) => l.conversation_id === conversationId);
        if (!partial) await new Promise((r) => setTimeout(r, 250));
      }
      expect(partial).toMatchObject({ status: 'partial', contact_info: { name: 'Rosa Díaz' } });
    }, 90_000);

    it('every node publishes its metrics on leadbot.metrics.<node>; `leadbot metrics` shows the cluster', async () => {
      const r = await runCli(['metrics', '--url', nats.url], '');
      expect(r.code).toBe(0);
      const snapshot = JSON.parse(r.stdout) as { nodes: { node_id: string; role: string }[] };
      const roles = Object.fromEntries(snapshot.nodes.map((n) => [n.node_id, n.role]));
      expect(roles).toMatchObject({ gw: 'gateway' });
      expect(Object.values(roles)).toContain('worker');
    }, 30_000);
  },
);
