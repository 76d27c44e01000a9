import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { OramaKnowledgeBase } from '../../src/adapters/orama-knowledge.ts';
import { loadTenants } from '../../src/config/load.ts';
import { writeReply } from '../../src/models/builtin/index.ts';
import type { TurnBrief } from '../../src/protocol/index.ts';
import { fleetSize, lookupFacts } from '../../src/runtime/facts.ts';
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

  it('recommends the plan whose limit fits the stated fleet, never the smallest one', async () => {
    const [es] = await lookupFacts(kb, 'demo', 'es', '¿qué plan nos conviene para 18 repartidores?');
    expect(es!.text).toMatch(
      /^Para 18 vehículos le conviene el plan Crecimiento \(hasta 30 vehículos\): 199 USD/,
    );
    const [en] = await lookupFacts(kb, 'demo', 'en', 'we run a fleet of 45 trucks, which plan?');
    expect(en!.text).toMatch(/Professional plan fits \(up to 100 vehicles\)/);
    const [big] = await lookupFacts(kb, 'demo', 'en', 'I need pricing for 400 vans');
    expect(big!.text).toMatch(/Enterprise/);
  });

  it('a request for prices without a question mark is answered too', async () => {
    const [list] = await lookupFacts(kb, 'demo', 'es', 'quiero precios');
    expect(list!.text).toMatch(/Inicial: 49 USD al mes/);
    expect(fleetSize('tenemos 12 camiones frigoríficos')).toBe(12);
    expect(fleetSize('hola, buenos días')).toBeUndefined();
  });

  it('answers with the sentence about what was asked, and with nothing when only a word matches by chance', async () => {
    const [app] = await lookupFacts(
      kb,
      'demo',
      'en',
      "Quick question: do you have an Android app? Just looking at options for my uncle's business.",
    );
    expect(app!.text).toMatch(/Android or iOS/);
    expect(
      await lookupFacts(
        kb,
        'demo',
        'en',
        'just browsing tbh, saw you on linkedin. what does rutaviva actually do?',
      ),
    ).toEqual([]);
    expect(await lookupFacts(kb, 'demo', 'es', '¿me pueden mandar copia de la factura de junio?')).toEqual(
      [],
    );
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
