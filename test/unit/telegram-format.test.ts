import { describe, expect, it } from 'vitest';
import {
  TELEGRAM_MAX_CHARS,
  escapeMarkdownV2,
  formatForTelegram,
  toMarkdownV2,
  toPlainText,
} from '../../src/channels/telegram/format.ts';

/** Telegram's list of characters that must be escaped in MarkdownV2 (plus the backslash itself). */
const RESERVED = [
  '_',
  '*',
  '[',
  ']',
  '(',
  ')',
  '~',
  '`',
  '>',
  '#',
  '+',
  '-',
  '=',
  '|',
  '{',
  '}',
  '.',
  '!',
  '\\',
];

/**
 * A strict MarkdownV2 reader for what our formatter may produce: escapes, and `*bold*` spans with no
 * other entity. Throws where Telegram would answer "can't parse entities"; returns the visible text.
 */
function readMarkdownV2(markdown: string): string {
  let out = '';
  let bold = false;
  for (let i = 0; i < markdown.length; i++) {
    const c = markdown[i]!;
    if (c === '\\') {
      const next = markdown[i + 1];
      if (next === undefined || !RESERVED.includes(next)) throw new Error(`bad escape at ${i}`);
      out += next;
      i++;
    } else if (c === '*') {
      bold = !bold;
    } else if (RESERVED.includes(c)) {
      throw new Error(`unescaped '${c}' at ${i}`);
    } else {
      out += c;
    }
  }
  if (bold) throw new Error('unclosed bold');
  return out;
}

/** Deterministic pseudo-random text over a hostile alphabet. */
function randomText(seed: number, length: number): string {
  const alphabet = [...RESERVED, 'a', 'Z', 'ñ', 'á', '¿', '¡', ' ', ' ', '\n', '😀', '7', '@', '%'];
  let state = seed;
  let text = '';
  for (let i = 0; i < length; i++) {
    state = (state * 1103515245 + 12345) % 2 ** 31;
    text += alphabet[state % alphabet.length];
  }
  return text;
}

describe('MarkdownV2 escaping', () => {
  it.each(RESERVED)('escapes %s', (char) => {
    expect(escapeMarkdownV2(char)).toBe(`\\${char}`);
    expect(toMarkdownV2(`a${char}b`)).toBe(`a\\${char}b`);
  });

  it('keeps *bold* as MarkdownV2 bold and escapes inside it', () => {
    expect(toMarkdownV2('Le recomiendo el plan *Pro* (12 camiones).')).toBe(
      'Le recomiendo el plan *Pro* \\(12 camiones\\)\\.',
    );
    expect(toMarkdownV2('*RutaViva_2.0*')).toBe('*RutaViva\\_2\\.0*');
    expect(toMarkdownV2('*Uno* y *dos*')).toBe('*Uno* y *dos*');
  });

  it.each([
    ['a * b', 'a \\* b'],
    ['*sin cierre', '\\*sin cierre'],
    ['**doble**', '\\*\\*doble\\*\\*'],
    ['***', '\\*\\*\\*'],
    ['2*3*4', '2\\*3\\*4'],
    ['* espacios *', '\\* espacios \\*'],
    ['*a\nb*', '\\*a\nb\\*'],
    ['*x* *', '*x* \\*'],
  ])('treats odd or nested asterisks in %j safely', (input, expected) => {
    expect(toMarkdownV2(input)).toBe(expected);
    expect(() => readMarkdownV2(expected)).not.toThrow();
  });

  it('leaves Spanish punctuation and accents alone', () => {
    expect(toMarkdownV2('¿Me confirma su correo? ¡Gracias, José Núñez!')).toBe(
      '¿Me confirma su correo? ¡Gracias, José Núñez\\!',
    );
    expect(toMarkdownV2('Señora Muñoz: ¿mañana a las 10:30?')).toBe('Señora Muñoz: ¿mañana a las 10:30?');
  });

  it('escapes a real reply with a URL, an email and a price', () => {
    const reply =
      '¡Perfecto, Ana! Le escribimos a ana@transportesnorte.mx. Plan *Flota+* desde $1,200 MXN/mes (ver https://rutaviva.example/planes).';
    const markdown = toMarkdownV2(reply);
    expect(markdown).toBe(
      '¡Perfecto, Ana\\! Le escribimos a ana@transportesnorte\\.mx\\. Plan *Flota\\+* desde $1,200 MXN/mes \\(ver https://rutaviva\\.example/planes\\)\\.',
    );
    expect(readMarkdownV2(markdown)).toBe(toPlainText(reply));
  });

  it('always produces parseable MarkdownV2 that reads as the plain reply', () => {
    for (let seed = 1; seed <= 300; seed++) {
      const text = randomText(seed, 1 + (seed % 80));
      const markdown = toMarkdownV2(text);
      expect(readMarkdownV2(markdown), `seed ${seed}: ${JSON.stringify(text)}`).toBe(toPlainText(text));
    }
  });

  it('plain text drops only the bold markers', () => {
    expect(toPlainText('Plan *Pro* a 2*3 y *sin cierre')).toBe('Plan Pro a 2*3 y *sin cierre');
  });
});

describe('splitting for Telegram', () => {
  it('keeps a short reply in one message', () => {
    expect(formatForTelegram('Hola, ¿en qué le ayudo?')).toEqual([
      { markdown: 'Hola, ¿en qué le ayudo?', plain: 'Hola, ¿en qué le ayudo?' },
    ]);
    expect(formatForTelegram('  ')).toEqual([]);
  });

  it('splits a long reply so every escaped message fits 4096 characters', () => {
    const sentence = 'Nuestro plan (v2.0) incluye rastreo en tiempo real - alertas y reportes. ';
    const text = sentence.repeat(160).trim();
    const chunks = formatForTelegram(text);
    expect(chunks.length).toBeGreaterThan(1);
    for (const chunk of chunks) {
      expect(chunk.markdown.length).toBeLessThanOrEqual(TELEGRAM_MAX_CHARS);
      expect(readMarkdownV2(chunk.markdown)).toBe(chunk.plain);
    }
    expect(chunks.map((c) => c.plain).join(' ')).toBe(text);
  });

  it('counts the escaped length: text that fits unescaped is split when escaping makes it too long', () => {
    const text = '.'.repeat(3000);
    expect(text.length).toBeLessThan(TELEGRAM_MAX_CHARS);
    const chunks = formatForTelegram(text);
    expect(chunks.length).toBe(2);
    for (const chunk of chunks) expect(chunk.markdown.length).toBeLessThanOrEqual(TELEGRAM_MAX_CHARS);
    expect(chunks.map((c) => c.plain).join('')).toBe(text);
  });

  it('never cuts an emoji in half', () => {
    const chunks = formatForTelegram('😀'.repeat(30), 11);
    for (const chunk of chunks) {
      expect(chunk.markdown.length).toBeLessThanOrEqual(11);
      expect(chunk.plain).toMatch(/^(?:😀)+$/u);
    }
    expect(chunks.map((c) => c.plain).join('')).toBe('😀'.repeat(30));
  });
});
