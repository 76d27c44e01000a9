import { describe, expect, it } from 'vitest';
import { HistoryManager, estimateTokens, fitToBudget } from '../../src/memory/history-manager.ts';
import { MemoryStore, type HistoryEntry } from '../../src/ports/store.ts';

const line = (role: 'user' | 'assistant', text: string, turn: number): HistoryEntry => ({
  role,
  text,
  at: turn,
  turn,
  messageId: `${role}${turn}`,
});

describe('HistoryManager: the context window within a token budget', () => {
  const history = [
    line('user', 'a'.repeat(400), 1),
    line('assistant', 'b'.repeat(400), 1),
    line('user', 'c'.repeat(40), 2),
    line('assistant', 'd'.repeat(40), 2),
  ];

  it('keeps the newest lines that fit, oldest first, ending with the current message', () => {
    const out = fitToBudget(history, 'now', 60);
    expect(out.map((m) => m.content[0])).toEqual(['c', 'd', 'n']);
    expect(out.at(-1)).toEqual({ role: 'user', content: 'now' });
  });

  it('keeps everything when it fits, and never splits a line', () => {
    expect(fitToBudget(history, 'now', 10_000)).toHaveLength(5);
    const total = history.reduce((n, h) => n + estimateTokens(h.text), 0);
    expect(fitToBudget(history, 'now', total).length).toBeLessThan(5);
  });

  it('a current message over budget is truncated, not dropped', () => {
    const out = fitToBudget(history, 'x'.repeat(10_000), 100);
    expect(out).toHaveLength(1);
    expect(out[0]!.content.length).toBe(400);
  });

  it('reads the conversation from the store', async () => {
    const store = new MemoryStore();
    await store.saveTurn({
      conversation: {
        conversationId: 'c',
        tenantId: 't',
        channel: 'web',
        userId: 'u',
        snapshot: {},
        machineVersion: 1,
        updatedAt: 0,
      },
      history,
    });
    const manager = new HistoryManager({ store, maxMessages: 2, tokenBudget: 10_000 });
    expect((await manager.contextFor('c', 'now')).map((m) => m.content[0])).toEqual(['c', 'd', 'n']);
  });
});
