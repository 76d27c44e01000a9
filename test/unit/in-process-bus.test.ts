import { describe, expect, it } from 'vitest';
import { InProcessBus } from '../../src/runtime/in-process-bus.ts';
import { PriorityHeap } from '../../src/util/priority-heap.ts';
import type { InboundMessage } from '../../src/protocol/index.ts';

function msg(conversationId: string, id: string, priority = 5, receivedAt = 0): InboundMessage {
  return {
    type: 'user.message',
    id,
    tenantId: 't',
    channel: 'web',
    conversationId,
    userId: 'u',
    text: id,
    receivedAt,
    priority,
  };
}

const tick = (ms = 1) => new Promise((r) => setTimeout(r, ms));

describe('PriorityHeap', () => {
  it('pops by priority, FIFO within a priority', () => {
    const heap = new PriorityHeap<string>();
    for (const [v, p] of [
      ['a', 1],
      ['b', 5],
      ['c', 5],
      ['d', 9],
      ['e', 1],
    ] as const)
      heap.push(v, p);
    expect([heap.pop(), heap.pop(), heap.pop(), heap.pop(), heap.pop(), heap.pop()]).toEqual([
      'd',
      'b',
      'c',
      'a',
      'e',
      undefined,
    ]);
  });
});

describe('InProcessBus', () => {
  const options = { concurrency: 4, maxQueuedPerConversation: 10, onHandlerError: () => {} };

  it('handles one conversation strictly in order, one at a time', async () => {
    const bus = new InProcessBus(options);
    const seen: string[] = [];
    let running = 0;
    let maxRunning = 0;
    bus.consume(async (m) => {
      running++;
      maxRunning = Math.max(maxRunning, running);
      await tick(Math.random() < 0.5 ? 1 : 3);
      seen.push(m.id);
      running--;
    });
    for (let i = 0; i < 8; i++) await bus.publish(msg('c1', `m${i}`));
    await bus.drain();
    expect(seen).toEqual(['m0', 'm1', 'm2', 'm3', 'm4', 'm5', 'm6', 'm7']);
    expect(maxRunning).toBe(1);
  });

  it('runs different conversations concurrently up to the limit', async () => {
    const bus = new InProcessBus({ ...options, concurrency: 3 });
    let running = 0;
    let maxRunning = 0;
    bus.consume(async () => {
      running++;
      maxRunning = Math.max(maxRunning, running);
      await tick(5);
      running--;
    });
    for (let i = 0; i < 6; i++) await bus.publish(msg(`c${i}`, 'm'));
    await bus.drain();
    expect(maxRunning).toBe(3);
  });

  it('lets urgent conversations go first when workers are scarce', async () => {
    const bus = new InProcessBus({ ...options, concurrency: 1 });
    const order: string[] = [];
    for (const [c, p] of [
      ['low', 0],
      ['normal', 5],
      ['urgent', 9],
    ] as const)
      await bus.publish(msg(c, c, p));
    bus.consume((m) => {
      order.push(m.conversationId);
      return Promise.resolve();
    });
    await bus.drain();
    expect(order).toEqual(['urgent', 'normal', 'low']);
  });

  it('a failing handler does not stop the conversation', async () => {
    const errors: unknown[] = [];
    const bus = new InProcessBus({ ...options, onHandlerError: (e) => errors.push(e) });
    const seen: string[] = [];
    bus.consume((m) => {
      if (m.id === 'boom') return Promise.reject(new Error('boom'));
      seen.push(m.id);
      return Promise.resolve();
    });
    await bus.publish(msg('c', 'boom'));
    await bus.publish(msg('c', 'after'));
    await bus.drain();
    expect(errors).toHaveLength(1);
    expect(seen).toEqual(['after']);
  });

  it('refuses with busy past the per-conversation queue limit, and after drain', async () => {
    const bus = new InProcessBus({ ...options, maxQueuedPerConversation: 2 });
    await bus.publish(msg('c', '1'));
    await bus.publish(msg('c', '2'));
    await expect(bus.publish(msg('c', '3'))).rejects.toMatchObject({ code: 'busy' });
    bus.consume(() => Promise.resolve());
    await bus.drain();
    await expect(bus.publish(msg('c', '4'))).rejects.toMatchObject({ code: 'shutting_down' });
  });

  it('coalesces a burst into one turn when a window is set', async () => {
    const bus = new InProcessBus({ ...options, coalesceMs: 50 });
    const seen: InboundMessage[] = [];
    bus.consume((m) => {
      seen.push(m);
      return Promise.resolve();
    });
    const t = Date.now();
    await bus.publish(msg('c', 'hola', 5, t));
    await bus.publish(msg('c', 'necesito', 5, t + 10));
    await bus.publish(msg('c', 'precios', 9, t + 20));
    await bus.publish(msg('other', 'x', 5, t));
    await tick(120);
    await bus.publish(msg('c', 'later', 5, t + 5000));
    await bus.drain();
    const burst = seen.find((m) => m.conversationId === 'c')!;
    expect(burst).toMatchObject({
      id: 'precios',
      text: 'hola\nnecesito\nprecios',
      coalesced: ['hola', 'necesito'],
      priority: 9,
      receivedAt: t,
    });
    expect(seen.filter((m) => m.conversationId === 'c').map((m) => m.id)).toEqual(['precios', 'later']);
    expect(seen.find((m) => m.conversationId === 'other')?.coalesced).toBeUndefined();
  });
});
