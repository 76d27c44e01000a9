import { describe, expect, it } from 'vitest';
import { MAX_REPLY_CHARS, decorateReply, enforceReplyFormat } from '../../src/runtime/reply-format.ts';

const capture = { intent: 'ask_fields' as const, ask: ['email' as const], language: 'es' as const };
const confirm = { intent: 'confirm_lead' as const, ask: [], language: 'en' as const };

describe('reply format rules', () => {
  it('keeps at most two paragraphs', () => {
    const out = enforceReplyFormat('Uno.\n\nDos.\n\nTres.\n\nCuatro?', capture);
    expect(out.split('\n\n')).toHaveLength(2);
    expect(out).toContain('Tres.');
  });

  it('removes complex Markdown but keeps *bold*', () => {
    const out = enforceReplyFormat(
      '## Title\n**Plan Pro** [docs](https://x.io)\n| a | b |\n```js\ncode\n```\n- one',
      confirm,
    );
    expect(out).not.toMatch(/##|\|\s*a|```|\]\(/);
    expect(out).toContain('*Plan Pro*');
    expect(out).toContain('docs (https://x.io)');
  });

  it('while capturing, a reply without a question gets one in the right language', () => {
    expect(enforceReplyFormat('Gracias.', capture)).toBe(
      'Gracias. ¿A qué correo electrónico le podemos escribir?',
    );
    expect(enforceReplyFormat('Thanks.', { ...capture, language: 'en' })).toMatch(/\?$/);
    expect(enforceReplyFormat('¿Su correo?', capture)).toBe('¿Su correo?');
  });

  it('confirmations are not forced into a question', () => {
    expect(enforceReplyFormat('Done, Ana.', confirm)).toBe('Done, Ana.');
  });

  it('caps the length at a sentence boundary', () => {
    const long = 'Una frase bastante larga. '.repeat(100);
    const out = enforceReplyFormat(long, confirm);
    expect(out.length).toBeLessThanOrEqual(MAX_REPLY_CHARS);
    expect(out).toMatch(/\.$/);
  });

  it('never returns an empty reply', () => {
    expect(enforceReplyFormat('   ', { ...capture, ask: [] })).toMatch(/\?$/);
  });

  it('strips source tags a model writes into the bubble', () => {
    const out = enforceReplyFormat(
      'El plan Crecimiento cuesta 199 USD al mes (Fuente: Planes y precios). Fuente: Crecimiento. ¿Le interesa?',
      confirm,
    );
    expect(out).not.toMatch(/Fuente/);
    expect(out).toContain('199 USD');
  });
});

describe('strategic emojis per channel', () => {
  const on = ['web', 'whatsapp', 'telegram'];
  it('✅ on a registered case, ⚠️ when urgent, 📩 in front of the email question', () => {
    const registered = { intent: 'confirm_lead' as const, ask: [], urgency: 'Bajo' as const, channel: 'web' };
    expect(decorateReply('¡Perfecto, Ana! He registrado su caso.', registered, on)).toMatch(/^✅ ¡Perfecto/);
    expect(decorateReply('Case registered.', { ...registered, urgency: 'Alto' }, on)).toMatch(/^⚠️ /);
    const asking = {
      intent: 'ask_fields' as const,
      ask: ['name' as const, 'email' as const],
      urgency: 'Bajo' as const,
    };
    const out = decorateReply(
      'Con gusto.\n\n¿Me da su nombre y su correo?',
      { ...asking, channel: 'whatsapp' },
      on,
    );
    expect(out).toBe('Con gusto.\n\n📩 ¿Me da su nombre y su correo?');
    expect(out).toMatch(/\?$/);
  });

  it('none on REST or CLI unless configured, and never a second one', () => {
    const registered = { intent: 'confirm_lead' as const, ask: [], urgency: 'Bajo' as const };
    expect(decorateReply('Registrado.', { ...registered, channel: 'rest' }, on)).toBe('Registrado.');
    expect(decorateReply('Registrado.', { ...registered, channel: 'rest' }, ['rest'])).toBe('✅ Registrado.');
    expect(decorateReply('🙂 Registrado.', { ...registered, channel: 'web' }, on)).toBe('🙂 Registrado.');
  });
});
