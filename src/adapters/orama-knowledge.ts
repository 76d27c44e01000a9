import { create, insertMultiple, search, type Orama } from '@orama/orama';
import type { TenantConfig } from '../config/tenant.ts';
import type { KnowledgeBase, KnowledgeHit, PricingTier } from '../ports/knowledge.ts';
import type { Language } from '../protocol/index.ts';
import { chunkMarkdown, createTokenizer, foldWords, bestSentence, snippet, terms } from './orama-text.ts';

const SCHEMA = { source: 'string', title: 'string', text: 'string' } as const;
type Index = Orama<typeof SCHEMA>;
type Doc = { source: string; title: string; text: string };

const LANGUAGES: readonly Language[] = ['es', 'en'];
/** Words around a plan name that say nothing about which plan ("el plan pro", "Growth tier"). */
const PLAN_FILLER = new Set(['plan', 'planes', 'el', 'la', 'de', 'del', 'the', 'tier', 'package', 'paquete']);

/**
 * {@link KnowledgeBase} over Orama (BM25 full-text), built in memory at construction.
 *
 * One index per tenant and language, so a query can only ever see its own tenant's documents.
 * Documents: each catalog item (name, description, price line, features; source
 * `catalog:<id>`) and each knowledge page cut into chunks of ≤ 600 characters by section and
 * paragraph (source `kb:<page id>`, title = page title). Text is accent-folded, lower-cased,
 * stopwords removed and stemmed (English: Orama's Porter stemmer; Spanish: a light stemmer) —
 * see `orama-text.ts`. When a query finds nothing in its language, the tenant's other language
 * is searched (people mix languages).
 */
export class OramaKnowledgeBase implements KnowledgeBase {
  private readonly indexes = new Map<string, Map<Language, Index>>();
  private readonly tenants: ReadonlyMap<string, TenantConfig>;

  constructor(tenants: ReadonlyMap<string, TenantConfig>) {
    this.tenants = tenants;
    for (const [id, tenant] of tenants) {
      const perLanguage = new Map<Language, Index>();
      for (const language of LANGUAGES) perLanguage.set(language, buildIndex(tenant, language));
      this.indexes.set(id, perLanguage);
    }
  }

  async search(tenantId: string, query: string, language: Language, limit = 5): Promise<KnowledgeHit[]> {
    const perLanguage = this.indexes.get(tenantId);
    if (!perLanguage) return [];
    const hits = await this.searchIn(perLanguage, query, language, limit);
    if (hits.length > 0) return hits;
    return this.searchIn(perLanguage, query, language === 'es' ? 'en' : 'es', limit);
  }

  pricing(tenantId: string, language: Language, plan?: string): Promise<PricingTier[]> {
    const tenant = this.tenants.get(tenantId);
    if (!tenant) return Promise.resolve([]);
    const tiers = tenant.catalog.map((item): PricingTier => ({
      id: item.id,
      name: item.name[language],
      price: item.price,
      currency: item.currency,
      features: [...item.features[language]],
      source: `catalog:${item.id}`,
    }));
    if (plan === undefined) return Promise.resolve(tiers);
    const index = matchPlan(tenant, plan);
    const tier = index === undefined ? undefined : tiers[index];
    return Promise.resolve(tier ? [tier] : tiers);
  }

  private async searchIn(
    perLanguage: Map<Language, Index>,
    query: string,
    language: Language,
    limit: number,
  ): Promise<KnowledgeHit[]> {
    const index = perLanguage.get(language);
    const queryTerms = new Set(terms(query, language));
    // Only stopwords (or nothing): Orama would return every document for an empty term.
    if (!index || queryTerms.size === 0) return [];
    const result = await search(index, {
      term: query,
      properties: ['title', 'text'],
      boost: { title: 2 },
      limit,
    });
    return result.hits.map((hit) => {
      const answer = bestSentence(hit.document.text, queryTerms, language, hit.document.title);
      return {
        source: hit.document.source,
        title: hit.document.title,
        snippet: snippet(hit.document.text, queryTerms, language),
        ...(answer === undefined ? {} : { answer }),
        score: hit.score,
      };
    });
  }
}

function buildIndex(tenant: TenantConfig, language: Language): Index {
  const index = create({ schema: SCHEMA, components: { tokenizer: createTokenizer(language) } });
  const docs: Doc[] = [];
  for (const item of tenant.catalog) {
    const price =
      item.price === null
        ? language === 'es'
          ? 'Precio a medida: habla con ventas.'
          : 'Custom pricing: talk to sales.'
        : language === 'es'
          ? `Precio: ${item.currency} ${item.price} al mes.`
          : `Price: ${item.currency} ${item.price} per month.`;
    const includes = `${language === 'es' ? 'Incluye' : 'Includes'}: ${item.features[language].join('; ')}.`;
    const text = [`${item.name[language]}: ${item.description[language]}`, price, includes];
    docs.push({ source: `catalog:${item.id}`, title: item.name[language], text: text.join('\n') });
  }
  for (const page of tenant.knowledge) {
    if (page.language !== language) continue;
    for (const chunk of chunkMarkdown(page.body)) {
      const title = chunk.heading ? `${page.title} — ${chunk.heading}` : page.title;
      docs.push({ source: `kb:${page.id}`, title, text: chunk.text });
    }
  }
  // Orama's insert is synchronous without async plugins; the void keeps the constructor sync.
  void insertMultiple(index, docs);
  return index;
}

/** Index in the catalog of the plan named by `plan` (id or name in any language, accents ignored). */
function matchPlan(tenant: TenantConfig, plan: string): number | undefined {
  const words = foldWords(plan).filter((w) => !PLAN_FILLER.has(w));
  if (words.length === 0) return undefined;
  const wanted = ` ${words.join(' ')} `;
  const keys = tenant.catalog.map((item) =>
    [item.id, item.name.es, item.name.en].map((k) => foldWords(k).join(' ')).filter(Boolean),
  );
  // Exact first ("pro" is the id of "Profesional"), then a name said inside a longer phrase.
  const exact = keys.findIndex((ks) => ks.some((k) => ` ${k} ` === wanted));
  if (exact >= 0) return exact;
  let best: number | undefined;
  let bestLength = 0;
  keys.forEach((ks, i) => {
    for (const k of ks) {
      if (wanted.includes(` ${k} `) && k.length > bestLength) [best, bestLength] = [i, k.length];
    }
  });
  return best;
}
