import { describe, expect, it } from 'vitest';
import { splitMessage } from '../../src/channels/split.ts';

describe('splitMessage', () => {
  it('keeps a short message whole and drops empty ones', () => {
    expect(splitMessage('Hola, ¿en qué le ayudo?', 4096)).toEqual(['Hola, ¿en qué le ayudo?']);
    expect(splitMessage('   ', 4096)).toEqual([]);
  });

  it('cuts long text at paragraph, sentence or word boundaries, every chunk within the limit', () => {
    const paragraph = 'Nuestro plan Flota incluye rastreo en tiempo real. '.repeat(30).trim();
    const text = `${paragraph}\n\n${paragraph}`;
    const chunks = splitMessage(text, 500);
    expect(chunks.length).toBeGreaterThan(2);
    for (const chunk of chunks) expect(chunk.length).toBeLessThanOrEqual(500);
    expect(chunks.join(' ').replace(/\s+/g, ' ')).toBe(text.replace(/\s+/g, ' '));
    for (const chunk of chunks.slice(0, -1)) expect(chunk).toMatch(/[.]$/);
  });

  it('cuts a word longer than the limit hard without splitting an emoji', () => {
    const chunks = splitMessage('a'.repeat(9) + '😀' + 'b'.repeat(5), 10);
    for (const chunk of chunks) expect(chunk.length).toBeLessThanOrEqual(10);
    expect(chunks.join('')).toBe('a'.repeat(9) + '😀' + 'b'.repeat(5));
    expect(chunks[0]).toBe('a'.repeat(9));
  });
});
