import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectNats } from '../../src/adapters/nats/connection.ts';
import { ErasureMarkers, erasureKey } from '../../src/adapters/nats/erasures.ts';
import { ConversationReplica } from '../../src/cluster/conversation-replica.ts';
import { ReplicatedStore } from '../../src/cluster/replicated-store.ts';
import { MemoryVersionedStore } from '../../src/cluster/versioned-store.ts';
import { createLogger } from '../../src/logger.ts';
import { MemoryStore } from '../../src/ports/store.ts';
import { natsAvailable, startNatsServer, type NatsServer } from '../helpers/nats-server.ts';

const log = createLogger({ level: 'silent', content: false, pretty: false, nodeId: 't' });
const ID = 'demo:whatsapp:5215512345678';

describe.skipIf(!natsAvailable('the erasure marker tests'))(
  'privacy erasure markers (real nats-server)',
  () => {
    let nats: NatsServer;
    beforeAll(async () => {
      nats = await startNatsServer({ jetstream: true });
    }, 30_000);
    afterAll(async () => {
      await nats?.dispose();
    });

    it('a node that was away sees the erasures made meanwhile, and never revives an older local copy', async () => {
      const a = await connectNats({ url: nats.url, name: 'a' });
      const b = await connectNats({ url: nats.url, name: 'b' });
      try {
        const writer = await ErasureMarkers.open(a, log);
        await writer.mark(ID, 5000);
        // Node b starts later: the marker reaches it from the bucket.
        const reader = await ErasureMarkers.open(b, log);
        const seen: [string, number][] = [];
        await reader.start((key, at) => seen.push([key, at]));
        const deadline = Date.now() + 5000;
        while (seen.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
        expect(seen).toEqual([[erasureKey(ID), 5000]]);
        expect(erasureKey(ID)).not.toContain('5215512345678');
        expect(reader.erased(ID, 4000)).toBe(true);
        expect(reader.erased(ID, 6000)).toBe(false);

        // A local copy from before the erasure is erased on first read, not copied back.
        const local = new MemoryStore();
        await local.saveTurn({
          conversation: {
            conversationId: ID,
            tenantId: 'demo',
            channel: 'whatsapp',
            userId: '5215512345678',
            snapshot: {},
            machineVersion: 1,
            updatedAt: 4000,
          },
          history: [{ role: 'user', text: 'hola', at: 4000, turn: 1, messageId: 'm1' }],
        });
        const erased: string[] = [];
        const store = new ReplicatedStore({
          local,
          replica: new ConversationReplica({ store: new MemoryVersionedStore() }),
          fence: () => 1,
          erased: (id, at) => reader.erased(id, at),
          onErased: (id) => {
            erased.push(id);
            local.conversations.delete(id);
            local.history.delete(id);
          },
        });
        expect(await store.getConversation(ID)).toBeUndefined();
        expect(erased).toEqual([ID]);
        expect(await store.getHistory(ID, 10)).toEqual([]);
        reader.close();
        writer.close();
      } finally {
        await a.close();
        await b.close();
      }
    });
  },
);
