import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { OramaKnowledgeBase } from '../../src/adapters/orama-knowledge.ts';
import { loadTenants } from '../../src/config/load.ts';
import { writeReply } from '../../src/models/builtin/index.ts';
import type { TurnBrief } from '../../src/protocol/index.ts';
import { lookupFacts } from '../../src/runtime/facts.ts';
import { ROOT } from '../helpers/leadbot-process.ts';

const kb = new OramaKnowledgeBase(loadTenants(join(ROOT, 'config', 'tenants')));

describe('facts for the built-in model, from the tenant catalog and pages', () => {
  it('prices a named plan in the person’s language', async () => {
    const [es] = await lookupFacts(kb, 'demo', 'es', '¿Cuánto cuesta el plan Profesional?');
    expect(es).toMatchObject({ title: 'Profesional', text: expect.stringMatching(/499 USD al mes/) });
    const [en] = await lookupFacts(kb, 'demo', 'en', 'How much is the Growth plan?');
    expect(en).toMatchObject({ title: 'Growth', text: expect.stringMatching(/199 USD a month/) });
  });

  it('lists every plan for a general price question, and uses help pages otherwise', async () => {
    const [list] = await lookupFacts(kb, 'demo', 'es', '¿Qué precios tienen?');
    expect(list!.text).toMatch(/Inicial: 49 USD al mes; .*Empresarial: precio a medida/);
    const [page] = await lookupFacts(kb, 'demo', 'en', 'What are your support hours?');
    expect(page!.source).toMatch(/^kb:/);
  });

  it('an unknown tenant has no facts', async () => {
    expect(await lookupFacts(kb, 'other', 'es', '¿Cuánto cuesta el plan Profesional?')).toEqual([]);
  });

  it('the built-in model answers with the fact and cites it, keeping two paragraphs and the question', () => {
    const brief: TurnBrief = {
      tenantId: 'demo',
      companyName: 'RutaViva',
      botName: 'Vivi',
      language: 'es',
      phase: 'capture',
      intent: 'ask_fields',
      turn: 1,
      lead: { problem: { value: 'Precio del plan', turn: 1 } },
      ask: ['name', 'email'],
      newlyCaptured: ['problem'],
      urgency: 'Bajo',
      userText: '¿Cuánto cuesta el plan Profesional?',
      facts: [
        {
          source: 'catalog:pro',
          title: 'Profesional',
          text: 'El plan Profesional tiene un costo de 499 USD al mes.',
        },
      ],
    };
    const reply = writeReply(brief);
    expect(reply).toMatch(/^El plan Profesional tiene un costo de 499 USD al mes\./);
    expect(reply).not.toMatch(/Fuente/);
    expect(reply.split('\n\n')).toHaveLength(2);
    expect(reply).toMatch(/\?$/);
  });
});
