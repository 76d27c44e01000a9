import { describe, expect, it } from 'vitest';
import { ConversationScheduler, type HeldMessage } from '../../src/adapters/nats/scheduler.ts';
import type { InboundMessage } from '../../src/protocol/index.ts';

function held(seq: number, conversationId: string, partition = 0, extra: Partial<InboundMessage> = {}) {
  const message: InboundMessage = {
    type: 'user.message',
    id: `m${seq}`,
    tenantId: 't',
    channel: 'web',
    conversationId,
    userId: 'u',
    text: `text ${seq}`,
    receivedAt: seq,
    priority: 5,
    ...extra,
  };
  return {
    seq,
    partition,
    message,
    redelivered: false,
    handle: `delivery-${seq}`,
  } satisfies HeldMessage<string>;
}

const tick = (ms = 0) => new Promise((resolve) => setTimeout(resolve, ms));

/** A turn the test finishes by hand. */
function controlled() {
  const turns: { message: InboundMessage; held: HeldMessage<string>[]; finish: () => void }[] = [];
  const run = (message: InboundMessage, batch: HeldMessage<string>[]) =>
    new Promise<void>((resolve) => turns.push({ message, held: batch, finish: resolve }));
  return { turns, run };
}

describe('ConversationScheduler (the NATS worker’s local run queue)', () => {
  it('runs one turn per conversation at a time, in arrival order; conversations concurrently', async () => {
    const { turns, run } = controlled();
    const scheduler = new ConversationScheduler<string>({ concurrency: 4, run });
    scheduler.add(held(1, 'a'));
    scheduler.add(held(2, 'a'));
    scheduler.add(held(3, 'b'));
    expect(turns.map((t) => t.message.id)).toEqual(['m1', 'm3']);
    expect(scheduler.stats()).toEqual({ queued: 1, inFlight: 2, activeConversations: 2 });
    turns[0]!.finish();
    await tick();
    expect(turns.map((t) => t.message.id)).toEqual(['m1', 'm3', 'm2']);
    turns[1]!.finish();
    turns[2]!.finish();
    await scheduler.whenIdle();
    expect(scheduler.stats()).toEqual({ queued: 0, inFlight: 0, activeConversations: 0 });
  });

  it('never runs more turns than its concurrency, most urgent conversation first', async () => {
    const { turns, run } = controlled();
    const scheduler = new ConversationScheduler<string>({ concurrency: 1, run });
    scheduler.add(held(1, 'a'));
    scheduler.add(held(2, 'b', 0, { priority: 1 }));
    scheduler.add(held(3, 'c', 0, { priority: 9 }));
    expect(turns).toHaveLength(1);
    turns[0]!.finish();
    await tick();
    expect(turns.map((t) => t.message.id)).toEqual(['m1', 'm3']);
    turns[1]!.finish();
    await tick();
    expect(turns.map((t) => t.message.id)).toEqual(['m1', 'm3', 'm2']);
    turns[2]!.finish();
    await scheduler.whenIdle();
  });

  it('a redelivery of a message it holds only refreshes the handle', async () => {
    const { turns, run } = controlled();
    const scheduler = new ConversationScheduler<string>({ concurrency: 1, run });
    scheduler.add(held(1, 'a'));
    expect(scheduler.add(held(2, 'a'))).toBe(true);
    expect(scheduler.add({ ...held(2, 'a'), handle: 'redelivery-2' })).toBe(false);
    turns[0]!.finish();
    await tick();
    expect(turns).toHaveLength(2);
    expect(turns[1]!.held[0]!.handle).toBe('redelivery-2');
    turns[1]!.finish();
    await scheduler.whenIdle();
  });

  it('dropping a lost partition forgets its queued messages but lets running turns finish', async () => {
    const { turns, run } = controlled();
    const scheduler = new ConversationScheduler<string>({ concurrency: 4, run });
    scheduler.add(held(1, 'a', 3));
    scheduler.add(held(2, 'a', 3));
    scheduler.add(held(3, 'b', 5));
    const dropped = scheduler.dropPartition(3);
    expect(dropped.map((h) => h.seq)).toEqual([2]);
    expect(scheduler.heldCount(3)).toBe(1);
    let idle3 = false;
    void scheduler.whenIdle(3).then(() => (idle3 = true));
    turns[0]!.finish();
    await tick();
    expect(idle3).toBe(true);
    expect(turns.map((t) => t.message.id)).toEqual(['m1', 'm3']);
    expect(scheduler.heldCount()).toBe(1);
    turns[1]!.finish();
    await scheduler.whenIdle();
  });

  it('merges a burst into one turn that answers every message of it', async () => {
    const { turns, run } = controlled();
    const scheduler = new ConversationScheduler<string>({ concurrency: 2, coalesceMs: 30, run });
    scheduler.add(held(100, 'a'));
    scheduler.add(held(110, 'a'));
    scheduler.add(held(120, 'a'));
    expect(turns).toHaveLength(0);
    await tick(50);
    expect(turns).toHaveLength(1);
    expect(turns[0]!.message).toMatchObject({
      id: 'm120',
      text: 'text 100\ntext 110\ntext 120',
      coalesced: ['m100', 'm110'],
    });
    expect(turns[0]!.held.map((h) => h.seq)).toEqual([100, 110, 120]);
    turns[0]!.finish();
    await scheduler.whenIdle();
  });
});
