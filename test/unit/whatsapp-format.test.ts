import { describe, expect, it } from 'vitest';
import {
  WHATSAPP_MAX_TEXT,
  formatForWhatsApp,
  whatsAppMessages,
} from '../../src/channels/whatsapp/format.ts';

describe('WhatsApp reply formatting', () => {
  const cases: { name: string; input: string; output: string }[] = [
    {
      name: '*bold* stays (WhatsApp uses single asterisks)',
      input: '¡Perfecto, *Ing. López*! Su solicitud quedó registrada.',
      output: '¡Perfecto, *Ing. López*! Su solicitud quedó registrada.',
    },
    {
      name: 'plain text and emojis untouched',
      input: 'Hola 👋 ¿en qué le ayudo?',
      output: 'Hola 👋 ¿en qué le ayudo?',
    },
    {
      name: 'Markdown **bold** → *bold*',
      input: 'El plan **Pro** incluye soporte',
      output: 'El plan *Pro* incluye soporte',
    },
    { name: 'Markdown __bold__ → *bold*', input: 'The __Pro__ plan', output: 'The *Pro* plan' },
    { name: '***bold italic*** → *bold*', input: 'a ***b*** c', output: 'a *b* c' },
    { name: '~~strike~~ → ~strike~', input: 'precio ~~$99~~ $79', output: 'precio ~$99~ $79' },
    {
      name: 'headings become bold lines',
      input: '## Planes\nTenemos tres.',
      output: '*Planes*\nTenemos tres.',
    },
    { name: 'a bold heading is not doubled', input: '# **Planes**', output: '*Planes*' },
    {
      name: 'links become label (url)',
      input: 'Vea [nuestros precios](https://example.com/precios).',
      output: 'Vea nuestros precios (https://example.com/precios).',
    },
    {
      name: 'HTML bold and breaks',
      input: 'Hola <b>Ana</b><br>¿Cómo está?',
      output: 'Hola *Ana*\n¿Cómo está?',
    },
    { name: 'code fences dropped, text kept', input: '```\ncurl x\n```', output: 'curl x' },
    {
      name: 'blank lines collapsed, CRLF normalised',
      input: 'uno\r\n\r\n\r\n\r\ndos  ',
      output: 'uno\n\ndos',
    },
    { name: 'a lone asterisk (arithmetic) is left alone', input: '2 * 3 = 6', output: '2 * 3 = 6' },
    { name: 'comparisons are not taken for HTML', input: 'si x < 5 y y > 2', output: 'si x < 5 y y > 2' },
  ];
  for (const { name, input, output } of cases) {
    it(name, () => expect(formatForWhatsApp(input)).toBe(output));
  }
});

describe('WhatsApp message splitting', () => {
  it('keeps a short reply in one message', () => {
    expect(whatsAppMessages('Hola *Ana*.\n\n¿Me deja su correo?')).toEqual([
      'Hola *Ana*.\n\n¿Me deja su correo?',
    ]);
  });

  it('splits over 4096 characters at paragraph boundaries, losing nothing', () => {
    const paragraph = 'Lorem ipsum dolor sit amet, consectetur adipiscing elit. '.repeat(30).trim();
    const text = Array.from({ length: 5 }, () => paragraph).join('\n\n');
    expect(text.length).toBeGreaterThan(WHATSAPP_MAX_TEXT);
    const parts = whatsAppMessages(text);
    expect(parts.length).toBeGreaterThan(1);
    for (const part of parts) expect(part.length).toBeLessThanOrEqual(WHATSAPP_MAX_TEXT);
    expect(parts.join('\n\n')).toBe(text);
  });

  it('cuts one huge word hard at the limit', () => {
    const parts = whatsAppMessages('x'.repeat(WHATSAPP_MAX_TEXT + 10));
    expect(parts.map((p) => p.length)).toEqual([WHATSAPP_MAX_TEXT, 10]);
  });

  it('formats before splitting', () => {
    expect(whatsAppMessages('**a**')).toEqual(['*a*']);
    expect(whatsAppMessages('   ')).toEqual([]);
  });
});
