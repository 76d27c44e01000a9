import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { OramaKnowledgeBase } from '../../src/adapters/orama-knowledge.ts';
import { chunkMarkdown, snippet, stemSpanish, terms } from '../../src/adapters/orama-text.ts';
import { loadTenant } from '../../src/config/load.ts';
import type { TenantConfig } from '../../src/config/tenant.ts';

const demo = loadTenant(join(import.meta.dirname, '../../config/tenants/demo'));

/** A second tenant whose words overlap the demo's (Shopify, plans, support) on purpose. */
const acme: TenantConfig = {
  ...demo,
  id: 'acme',
  companyName: 'Acme Bakery',
  catalog: [
    {
      id: 'basic',
      name: { es: 'Básico', en: 'Basic' },
      description: {
        es: 'Pan diario con integración a Shopify.',
        en: 'Daily bread with a Shopify integration.',
      },
      price: 9,
      currency: 'EUR',
      features: { es: ['Croissants zanahoria'], en: ['Carrot croissants'] },
    },
  ],
  knowledge: [
    {
      id: 'hours',
      language: 'en',
      title: 'Bakery hours',
      body: '# Bakery hours\n\nSupport hours: every day from 6:00 to 9:00. Shopify orders ship at dawn.',
    },
  ],
};

let kb: OramaKnowledgeBase;
beforeAll(() => {
  kb = new OramaKnowledgeBase(
    new Map([
      ['demo', demo],
      ['acme', acme],
    ]),
  );
});

const sources = (hits: { source: string }[]) => hits.map((h) => h.source);

describe('OramaKnowledgeBase over the demo tenant', () => {
  it('answers a Spanish price question with the plan and the pricing page, citing both', async () => {
    const hits = await kb.search('demo', '¿cuánto cuesta el plan crecimiento?', 'es');
    expect(hits.length).toBeGreaterThan(0);
    expect(sources(hits.slice(0, 2))).toContain('catalog:growth');
    expect(sources(hits)).toContain('kb:pricing');
    const top = hits[0]!;
    expect(top.score).toBeGreaterThan(0);
    expect(top.title).toBe('Crecimiento');
    const page = hits.find((h) => h.source === 'kb:pricing')!;
    expect(page.title).toBe('Planes y precios');
    expect(page.snippet).toMatch(/Crecimiento.*199/);
    for (const hit of hits) expect(hit.snippet.length).toBeLessThanOrEqual(300);
  });

  it('finds the Shopify integration in Spanish (accents and plurals folded)', async () => {
    const hits = await kb.search('demo', 'integración con Shopify', 'es');
    expect(hits[0]).toMatchObject({ source: 'kb:integrations', title: 'Integraciones' });
    expect(hits[0]!.snippet).toContain('Shopify');
    // "integraciones" in the catalog's feature list shares the stem.
    expect(sources(hits)).toContain('catalog:pro');
  });

  it('answers English questions about pricing and support hours', async () => {
    const pricing = await kb.search('demo', 'pricing of the growth plan', 'en');
    expect(sources(pricing.slice(0, 2))).toEqual(expect.arrayContaining(['catalog:growth']));
    expect(sources(pricing)).toContain('kb:pricing');
    expect(pricing.find((h) => h.source === 'kb:pricing')!.snippet).toContain('Growth');

    const support = await kb.search('demo', 'support hours', 'en');
    expect(support[0]).toMatchObject({ source: 'kb:support', title: 'Support and hours' });
    expect(support[0]!.snippet).toMatch(/Monday to Friday/);
  });

  it('falls back to the other language, and returns nothing for stopwords or unknown tenants', async () => {
    const hits = await kb.search('demo', 'support hours', 'es');
    expect(hits.length).toBeGreaterThan(0);
    expect(await kb.search('demo', 'de la el', 'es')).toEqual([]);
    expect(await kb.search('demo', 'xyzzy', 'en')).toEqual([]);
    expect(await kb.search('nobody', 'Shopify', 'es')).toEqual([]);
    expect(await kb.pricing('nobody', 'es')).toEqual([]);
  });

  it('respects the limit', async () => {
    expect(await kb.search('demo', 'plan vehículos soporte rutas', 'es', 2)).toHaveLength(2);
  });
});

describe('tenant isolation', () => {
  it('never returns another tenant’s documents', async () => {
    const demoHits = await kb.search('demo', 'Shopify support hours', 'en', 20);
    const acmeHits = await kb.search('acme', 'Shopify support hours', 'en', 20);
    expect(demoHits.length).toBeGreaterThan(0);
    expect(acmeHits.length).toBeGreaterThan(0);
    expect(sources(acmeHits).every((s) => s === 'catalog:basic' || s === 'kb:hours')).toBe(true);
    expect(sources(demoHits)).not.toContain('catalog:basic');
    expect(sources(demoHits)).not.toContain('kb:hours');
    // A word only acme has is invisible to demo, in both languages.
    expect(await kb.search('demo', 'zanahoria croissants', 'es')).toEqual([]);
    expect(await kb.search('acme', 'zanahoria', 'es')).toMatchObject([{ source: 'catalog:basic' }]);
    expect((await kb.pricing('acme', 'en')).map((t) => t.id)).toEqual(['basic']);
  });
});

describe('pricing', () => {
  it('lists every tier in the asked language', async () => {
    const es = await kb.pricing('demo', 'es');
    expect(es.map((t) => t.name)).toEqual(['Inicial', 'Crecimiento', 'Profesional', 'Empresarial']);
    expect(es[1]).toEqual({
      id: 'growth',
      name: 'Crecimiento',
      price: 199,
      currency: 'USD',
      features: demo.catalog[1]!.features.es,
      source: 'catalog:growth',
    });
    expect((await kb.pricing('demo', 'en'))[3]).toMatchObject({ name: 'Enterprise', price: null });
  });

  it.each([
    ['crecimiento', 'es', 'growth', 'Crecimiento'],
    ['Growth', 'en', 'growth', 'Growth'],
    ['the growth plan', 'en', 'growth', 'Growth'],
    ['Growth', 'es', 'growth', 'Crecimiento'],
    ['plan pro', 'es', 'pro', 'Profesional'],
    ['el plan Profesional', 'es', 'pro', 'Profesional'],
    ['Professional', 'en', 'pro', 'Professional'],
    ['EMPRESARIAL', 'en', 'enterprise', 'Enterprise'],
    ['inicial', 'es', 'starter', 'Inicial'],
  ] as const)('matches %j (%s) to %s', async (plan, language, id, name) => {
    expect(await kb.pricing('demo', language, plan)).toMatchObject([{ id, name, source: `catalog:${id}` }]);
  });

  it('returns every tier when the plan matches nothing', async () => {
    expect(await kb.pricing('demo', 'es', 'platino')).toHaveLength(4);
    expect(await kb.pricing('demo', 'es', 'plan')).toHaveLength(4);
  });
});

describe('text helpers', () => {
  it('folds accents, drops stopwords and stems both languages', () => {
    expect(terms('¿Cuánto cuestan las integraciones?', 'es')).toEqual(['cuestan', 'integracion']);
    expect(terms('Integración', 'es')).toEqual(['integracion']);
    expect(stemSpanish('vehiculos')).toBe(stemSpanish('vehiculo'));
    expect(stemSpanish('luces')).toBe('luz');
    expect(terms('the pricing of plans', 'en')).toEqual(['price', 'plan']);
  });

  it('chunks markdown by section and paragraph within the size limit', () => {
    const long = Array.from({ length: 40 }, (_, i) => `Sentence number ${i} is here.`).join(' ');
    const chunks = chunkMarkdown(
      `# Title\n\nIntro **bold** [link](http://x).\n\n## Part\n\n- one\n- two\n\n${long}`,
      200,
    );
    expect(chunks[0]).toEqual({ heading: undefined, text: 'Intro bold link.' });
    expect(chunks[1]).toMatchObject({ heading: 'Part', text: 'one\ntwo' });
    expect(chunks.length).toBeGreaterThan(3);
    for (const c of chunks) expect(c.text.length).toBeLessThanOrEqual(200);
    for (const page of demo.knowledge)
      for (const c of chunkMarkdown(page.body)) expect(c.text.length).toBeLessThanOrEqual(600);
  });

  it('snippets start at the matching line and stay within 300 characters', () => {
    const text = `${'Unrelated words. '.repeat(30)}\nShopify orders import themselves.\n${'More filler. '.repeat(40)}`;
    const s = snippet(text, new Set(terms('shopify', 'en')), 'en');
    expect(s.startsWith('…Shopify orders')).toBe(true);
    expect(s.length).toBeLessThanOrEqual(300);
    expect(s.endsWith('…')).toBe(true);
  });
});
