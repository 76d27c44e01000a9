import { describe, expect, it } from 'vitest';
import { ConversationReplica, StaleOwnerError } from '../../src/cluster/conversation-replica.ts';
import { ReplicatedStore } from '../../src/cluster/replicated-store.ts';
import { MemoryVersionedStore } from '../../src/cluster/versioned-store.ts';
import { MemoryStore, type HistoryEntry, type TurnWrite } from '../../src/ports/store.ts';

const ID = 'demo:whatsapp:+5215512345678';

function turn(n: number, updatedAt = n * 1000): TurnWrite {
  const history: HistoryEntry[] = [
    { role: 'user', text: `hola ${n}`, at: updatedAt, turn: n, messageId: `in-${n}` },
    { role: 'assistant', text: `respuesta ${n}`, at: updatedAt, turn: n, messageId: `out-${n}` },
  ];
  return {
    conversation: {
      conversationId: ID,
      tenantId: 'demo',
      channel: 'whatsapp',
      userId: '+5215512345678',
      snapshot: { value: 'capture', context: { turn: n } },
      machineVersion: 1,
      updatedAt,
    },
    history,
  };
}

describe('ConversationReplica (fenced writes)', () => {
  it('refuses a write whose fence is lower than the last one written', async () => {
    const replica = new ConversationReplica({ store: new MemoryVersionedStore() });
    await replica.save(5, turn(1));
    await expect(replica.save(3, turn(2))).rejects.toBeInstanceOf(StaleOwnerError);
    await replica.save(5, turn(2));
    await replica.save(9, turn(3));
    await expect(replica.save(5, turn(4))).rejects.toThrow(/fence 9 > 5/);
    const stored = await replica.load(ID);
    expect(stored?.fence).toBe(9);
    expect(stored?.conversation.updatedAt).toBe(3000);
    expect(stored?.history.map((h) => h.messageId)).toEqual([
      'in-1',
      'out-1',
      'in-2',
      'out-2',
      'in-3',
      'out-3',
    ]);
  });

  it('keeps only the last history lines and stores the conversation under a hash', async () => {
    const store = new MemoryVersionedStore();
    const replica = new ConversationReplica({ store, historyLines: 3 });
    for (let n = 1; n <= 4; n++) await replica.save(1, turn(n));
    expect((await replica.load(ID))?.history.map((h) => h.messageId)).toEqual(['out-3', 'in-4', 'out-4']);
    expect(await store.get(`c.${ID}`)).toBeUndefined();
  });
});

describe('ReplicatedStore (a worker’s store in cluster mode)', () => {
  it('a new owner continues from the replica; the old owner’s late write is refused and changes nothing', async () => {
    const replica = new ConversationReplica({ store: new MemoryVersionedStore() });
    const fences = new Map<string, number | undefined>([
      ['a', 4],
      ['b', undefined],
    ]);
    const localA = new MemoryStore();
    const localB = new MemoryStore();
    const a = new ReplicatedStore({ local: localA, replica, fence: () => fences.get('a') });
    const b = new ReplicatedStore({ local: localB, replica, fence: () => fences.get('b') });
    await a.saveTurn(turn(1));
    await a.saveTurn(turn(2));

    // Without a lease, node b refuses to write at all.
    await expect(b.saveTurn(turn(3))).rejects.toBeInstanceOf(StaleOwnerError);
    // b takes the partition over (a higher fence) and reads a's state.
    fences.set('b', 7);
    expect((await b.getConversation(ID))?.updatedAt).toBe(2000);
    expect((await localB.getHistory(ID, 10)).map((h) => h.messageId)).toEqual([
      'in-1',
      'out-1',
      'in-2',
      'out-2',
    ]);
    await b.saveTurn(turn(3));

    // a still believes it owns the conversation (fence 4): refused, and its local copy is untouched.
    await expect(a.saveTurn(turn(9))).rejects.toBeInstanceOf(StaleOwnerError);
    expect((await localA.getConversation(ID))?.updatedAt).toBe(2000);
    // Back on a (say after a rebalance with a new fence), it catches up on what b wrote.
    fences.set('a', 11);
    expect((await a.getConversation(ID))?.updatedAt).toBe(3000);
    expect((await localA.getHistory(ID, 10)).map((h) => h.messageId)).toEqual([
      'in-1',
      'out-1',
      'in-2',
      'out-2',
      'in-3',
      'out-3',
    ]);
  });

  it('reads the local copy when it is current (no write)', async () => {
    const replica = new ConversationReplica({ store: new MemoryVersionedStore() });
    const local = new MemoryStore();
    const store = new ReplicatedStore({ local, replica, fence: () => 1 });
    await store.saveTurn(turn(1));
    expect((await store.getConversation(ID))?.updatedAt).toBe(1000);
    expect(await local.getHistory(ID, 10)).toHaveLength(2);
  });
});
