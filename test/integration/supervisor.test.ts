import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { fromPromise } from 'xstate';
import {
  MACHINE_VERSION,
  conversationMachine,
  type AnalyseInput,
  type AnalyseOutput,
  type DeliverInput,
  type DeliverOutput,
  type ReplyRequest,
  type ThinkOutput,
} from '../../machines/conversation-machine.ts';
import { LmdbStore } from '../../src/adapters/lmdb-store.ts';
import { createLogger } from '../../src/logger.ts';
import { systemClock } from '../../src/ports/clock.ts';
import type { InboundMessage, OutboundEvent } from '../../src/protocol/index.ts';
import { InProcessBus } from '../../src/runtime/in-process-bus.ts';
import { ConversationSupervisor } from '../../src/runtime/supervisor.ts';
import { analysis } from '../fakes/analysis.ts';

let cleanup: (() => Promise<void>) | undefined;
afterEach(async () => {
  await cleanup?.();
  cleanup = undefined;
});

/** A real supervisor on real LMDB with a think effect that fails as told. */
function setup(thinkFails: (conversationId: string, attempt: number) => boolean) {
  const store = LmdbStore.open(mkdtempSync(join(tmpdir(), 'leadbot-sup-')));
  const bus = new InProcessBus({ concurrency: 8, maxQueuedPerConversation: 50, onHandlerError: () => {} });
  const attempts = new Map<string, number>();
  const machine = conversationMachine.provide({
    actors: {
      analyse: fromPromise<AnalyseOutput, AnalyseInput>(() =>
        Promise.resolve({ analysis: analysis({ greetingOnly: true }) }),
      ),
      think: fromPromise<ThinkOutput, ReplyRequest>(({ input }) => {
        const n = (attempts.get(input.conversationId) ?? 0) + 1;
        attempts.set(input.conversationId, n);
        if (thinkFails(input.conversationId, n)) return Promise.reject(new Error('think exploded'));
        return Promise.resolve({ text: `reply to ${input.userText}?` });
      }),
      deliverLead: fromPromise<DeliverOutput, DeliverInput>(() =>
        Promise.resolve({ leadId: 'l', reference: 'R' }),
      ),
    },
  });
  const events = { restarts: 0, escalations: 0 };
  const supervisor = new ConversationSupervisor({
    machine,
    store,
    bus,
    tenants: new Map(),
    clock: systemClock,
    log: createLogger({ level: 'silent', content: false, pretty: false, nodeId: 't' }),
    turnTimeoutMs: 5000,
    idleTimeoutMs: 60_000,
    maxDeliveryAttempts: 3,
    restartIntensity: { maxRestarts: 2, withinMs: 10_000, backoffMs: 1 },
    onRestart: () => events.restarts++,
    onEscalate: () => events.escalations++,
  });
  bus.consume((m) => supervisor.handle(m));
  const out: OutboundEvent[] = [];
  bus.subscribeOutbound((e) => out.push(e));
  cleanup = async () => {
    await bus.close();
    supervisor.stop();
    await store.close();
  };
  let seq = 0;
  const send = async (conversationId: string, text: string) => {
    const message: InboundMessage = {
      type: 'user.message',
      id: `m${++seq}`,
      tenantId: 'demo',
      channel: 'web',
      conversationId,
      userId: 'u',
      text,
      receivedAt: Date.now(),
      priority: 5,
    };
    const done = new Promise<void>((resolve) => {
      const off = bus.subscribeOutbound((e) => {
        if (e.type === 'turn.completed' && e.inReplyTo === message.id) {
          off();
          resolve();
        }
      });
    });
    await bus.publish(message);
    await done;
    return out
      .filter((e) => e.type === 'bot.message' && e.inReplyTo === message.id)
      .map((e) => (e as { text: string }).text);
  };
  return { store, bus, supervisor, send, events, out, attempts };
}

describe('supervision (real LMDB, real bus)', () => {
  it('a failing actor restarts from its last snapshot and the same message is answered once', async () => {
    const s = setup((_c, attempt) => attempt === 2);
    expect(await s.send('c1', 'hola')).toEqual(['reply to hola?']);
    // Turn 2 fails once, the actor restarts, and the message is processed again from the snapshot.
    expect(await s.send('c1', 'otra vez')).toEqual(['reply to otra vez?']);
    expect(s.events).toEqual({ restarts: 1, escalations: 0 });
    const history = await s.store.getHistory('c1', 10);
    expect(history.map((h) => `${h.role}:${h.text}`)).toEqual([
      'user:hola',
      'assistant:reply to hola?',
      'user:otra vez',
      'assistant:reply to otra vez?',
    ]);
    expect(history.map((h) => h.turn)).toEqual([1, 1, 2, 2]);
  });

  it('past the restart intensity it escalates: an apology, the message kept, other conversations unaffected', async () => {
    const s = setup((c) => c === 'bad');
    const [bad, good] = await Promise.all([s.send('bad', 'hola'), s.send('good', 'hola')]);
    expect(good).toEqual(['reply to hola?']);
    expect(bad).toHaveLength(1);
    expect(bad[0]).toMatch(/problema técnico/);
    expect(s.events).toEqual({ restarts: 3, escalations: 1 });
    expect((await s.store.getHistory('bad', 10)).map((h) => h.text)).toEqual(['hola']);
    // Marked failed (state and record), with no message text in the mark.
    const apology = s.out.find((e) => e.type === 'bot.message' && e.conversationId === 'bad');
    expect(apology).toMatchObject({ state: 'failed' });
    const record = await s.store.getConversation('bad');
    expect(record?.failure).toMatchObject({ messageId: 'm1', error: 'think exploded' });
    expect((await s.store.getConversation('good'))?.failure).toBeUndefined();
    // Next message: a fresh chance (the actor is rebuilt; still failing here, so escalation again).
    expect(await s.send('bad', 'sigo aquí')).toHaveLength(1);
  });

  it('between turns a conversation is dormant (no running actor) and wakes from its snapshot', async () => {
    const s = setup(() => false);
    expect(await s.send('d1', 'hola')).toEqual(['reply to hola?']);
    expect(s.supervisor.liveCount).toBe(1);
    expect(s.supervisor.runningActors).toBe(0);
    expect(await s.send('d1', 'sigo')).toEqual(['reply to sigo?']);
    const history = await s.store.getHistory('d1', 10);
    expect(history.map((h) => h.turn)).toEqual([1, 1, 2, 2]);
    expect(s.supervisor.runningActors).toBe(0);
  });

  it('a conversation that recovers after an escalation is no longer marked failed', async () => {
    let broken = true;
    const s = setup((c) => c === 'flaky' && broken);
    expect(await s.send('flaky', 'hola')).toEqual([expect.stringMatching(/problema técnico/)]);
    expect((await s.store.getConversation('flaky'))?.failure).toBeDefined();
    broken = false;
    expect(await s.send('flaky', 'hola de nuevo')).toEqual(['reply to hola de nuevo?']);
    expect((await s.store.getConversation('flaky'))?.failure).toBeUndefined();
  });

  it('a corrupt snapshot starts the conversation over instead of failing it', async () => {
    const s = setup(() => false);
    await s.store.saveTurn({
      conversation: {
        conversationId: 'corrupt',
        tenantId: 'demo',
        channel: 'web',
        userId: 'u',
        snapshot: { status: 'active', value: { nowhere: 'nothing' }, context: null },
        machineVersion: MACHINE_VERSION,
        updatedAt: 0,
      },
      history: [],
    });
    expect(await s.send('corrupt', 'hola')).toEqual(['reply to hola?']);
  });
});

describe('turn deadline', () => {
  it('a turn past its deadline is answered with an apology once, not retried', async () => {
    const store = LmdbStore.open(mkdtempSync(join(tmpdir(), 'leadbot-sup-')));
    const bus = new InProcessBus({ concurrency: 2, maxQueuedPerConversation: 5, onHandlerError: () => {} });
    let thinks = 0;
    const machine = conversationMachine.provide({
      actors: {
        analyse: fromPromise<AnalyseOutput, AnalyseInput>(() =>
          Promise.resolve({ analysis: analysis({ greetingOnly: true }) }),
        ),
        think: fromPromise<ThinkOutput, ReplyRequest>(() => {
          thinks++;
          return new Promise<ThinkOutput>(() => {});
        }),
      },
    });
    const events = { restarts: 0 };
    const supervisor = new ConversationSupervisor({
      machine,
      store,
      bus,
      tenants: new Map(),
      clock: systemClock,
      log: createLogger({ level: 'silent', content: false, pretty: false, nodeId: 't' }),
      turnTimeoutMs: 200,
      idleTimeoutMs: 60_000,
      maxDeliveryAttempts: 3,
      restartIntensity: { maxRestarts: 3, withinMs: 10_000, backoffMs: 1 },
      onRestart: () => events.restarts++,
    });
    bus.consume((m) => supervisor.handle(m));
    const replies: string[] = [];
    const done = new Promise<void>((resolve) =>
      bus.subscribeOutbound((e) => {
        if (e.type === 'bot.message') replies.push(e.text);
        if (e.type === 'turn.completed') resolve();
      }),
    );
    const started = Date.now();
    await bus.publish({
      type: 'user.message',
      id: 'slow',
      tenantId: 'demo',
      channel: 'web',
      conversationId: 'slow',
      userId: 'u',
      text: 'hola',
      receivedAt: started,
      priority: 5,
    });
    await done;
    expect(Date.now() - started).toBeLessThan(1500);
    expect(thinks).toBe(1);
    expect(events.restarts).toBe(0);
    expect(replies).toHaveLength(1);
    expect(replies[0]).toMatch(/problema técnico/);
    expect((await store.getHistory('slow', 5)).map((h) => h.text)).toEqual(['hola']);
    await bus.close();
    supervisor.stop();
    await store.close();
  });
});
