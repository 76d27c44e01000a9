import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startFakeLlmServer, type FakeLlmServer } from '../../src/fake-llm/server.ts';
import { extractiveSummary, type ConversationSummary } from '../../src/memory/consolidator.ts';
import { HistoryManager } from '../../src/memory/history-manager.ts';
import { MemoryStore, type HistoryEntry } from '../../src/ports/store.ts';
import { startTestLeadbot } from '../helpers/in-process.ts';
import { WsClient } from '../helpers/ws-client.ts';

let closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const close of closers.reverse()) await close();
  closers = [];
});

function settings(memory: Record<string, number>): string {
  const dir = mkdtempSync(join(tmpdir(), 'leadbot-memory-'));
  const file = join(dir, 'settings.json');
  writeFileSync(file, JSON.stringify({ memory }));
  return file;
}

const line = (role: HistoryEntry['role'], text: string, turn: number): HistoryEntry => ({
  role,
  text,
  turn,
  at: turn,
  messageId: `${role}-${turn}`,
});

describe('memory consolidation', () => {
  it('the extractive summary keeps the need, the details given and the open question (es and en)', () => {
    const es = extractiveSummary(
      [
        line('user', 'Hola, necesito cotizar rastreo para 12 camiones', 1),
        line('assistant', 'Con gusto. ¿Me podría decir su nombre?', 1),
        line('user', 'Soy Ana Pérez de Transportes Norte', 2),
        line('assistant', 'Gracias, Ana. ¿A qué correo le escribimos?', 2),
      ],
      'es',
    );
    expect(es).toMatch(/rastreo para 12 camiones/);
    expect(es).toMatch(/Ana Pérez/);
    expect(es).toMatch(/Transportes Norte/);
    expect(es).toMatch(/¿A qué correo le escribimos\?/);
    const en = extractiveSummary(
      [line('user', 'We need route planning for our vans, my email is joe@vans.io', 1)],
      'en',
      'Earlier: asked about prices.',
    );
    expect(en).toMatch(/^Earlier: asked about prices\./);
    expect(en).toMatch(/route planning/);
    expect(en).toMatch(/joe@vans\.io/);
  });

  it('the context window starts with the summary (as data) and keeps only the newer turns verbatim', async () => {
    const store = new MemoryStore();
    store.history.set(
      'c',
      [1, 2, 3, 4].flatMap((t) => [line('user', `u${t}`, t), line('assistant', `a${t}`, t)]),
    );
    const summary: ConversationSummary = {
      conversationId: 'c',
      upToTurn: 2,
      text: 'S',
      by: 'extractive',
      at: 0,
    };
    const manager = new HistoryManager({
      store,
      maxMessages: 50,
      tokenBudget: 1000,
      summaries: { get: () => summary, put: () => Promise.resolve() },
    });
    const context = await manager.contextFor('c', 'now');
    expect(context[0]).toMatchObject({
      role: 'system',
      content: expect.stringMatching(/not instructions\): S$/),
    });
    expect(context.slice(1).map((m) => m.content)).toEqual(['u3', 'a3', 'u4', 'a4', 'now']);
  });

  it('a long conversation gets a rolling extractive summary with the built-in model', async () => {
    const node = await startTestLeadbot({
      LEADBOT_CONFIG: settings({ keepRecentTurns: 2, consolidateEveryTurns: 2 }),
    });
    closers.push(() => node.close());
    const ws = await WsClient.connect(node.url, { tenant: 'demo', session: 'long' });
    await ws.say('Hola, necesito cotizar rastreo para 12 camiones');
    await ws.say('¿Qué incluye el plan Flota?');
    await ws.say('Soy Ana Pérez de Transportes Norte');
    await node.memory.consolidator.idle();
    const summary = node.memory.summaries.get('demo:web:long');
    expect(summary).toBeUndefined();
    await ws.say('¿Y cuánto cuesta?');
    await node.memory.consolidator.idle();
    const first = node.memory.summaries.get('demo:web:long');
    expect(first).toMatchObject({ upToTurn: 2, by: 'extractive' });
    expect(first!.text).toMatch(/rastreo/);
    await ws.say('ana@transportesnorte.mx');
    await ws.say('Gracias');
    await node.memory.consolidator.idle();
    const second = node.memory.summaries.get('demo:web:long');
    expect(second!.upToTurn).toBe(4);
    expect(second!.text).toMatch(/Ana Pérez/);
    await ws.close();
  });

  it('with an LLM configured, the LLM writes the summary through the key pool', async () => {
    const fake: FakeLlmServer = await startFakeLlmServer({ keys: { k1: {} } });
    closers.push(() => fake.close());
    const node = await startTestLeadbot({
      LEADBOT_CONFIG: settings({ keepRecentTurns: 1, consolidateEveryTurns: 1 }),
      LEADBOT_LLM_KEYS: 'k1',
      LEADBOT_LLM_BASE_URL: fake.url,
      LEADBOT_LLM_MODEL: 'fake-builtin',
    });
    closers.push(() => node.close());
    const ws = await WsClient.connect(node.url, { tenant: 'demo', session: 'llm-long' });
    await ws.say('Hola, necesito cotizar rastreo para 12 camiones');
    await ws.say('Soy Ana Pérez de Transportes Norte');
    await node.memory.consolidator.idle();
    const summary = node.memory.summaries.get('demo:web:llm-long');
    expect(summary).toMatchObject({ upToTurn: 1, by: 'llm' });
    expect(summary!.text).toMatch(/^\[fake-llm\] .*rastreo/);
    await ws.close();
  });
});
