import type { KnowledgeBase, PricingTier } from '../ports/knowledge.ts';
import type { KnowledgeFact, Language } from '../protocol/index.ts';

const PRICE_QUESTION =
  /\b(precios?|cu[aá]nto (cuesta|vale|sale|cobran)|costos?|tarifas?|prices?|pricing|costs?|how much)\b/iu;

/** Questions, not statements: "necesito una demo para mi empresa" is not asking about a plan. */
const QUESTION =
  /[?¿]|^\s*(qu[eé]|cu[aá]l(es)?|cu[aá]nto|c[oó]mo|d[oó]nde|tienen|hay|aceptan|puedo|se puede|ofrecen|incluye|what|which|how|where|do you|does|is there|are there|can i|can you)\b/iu;

/** Lower-cases a leading word unless it is an acronym ("API", "ERP"). */
function lowerFirst(text: string): string {
  return /^\p{Lu}{2}/u.test(text) ? text : text.charAt(0).toLowerCase() + text.slice(1);
}

function money(tier: PricingTier, language: Language): string {
  if (tier.price === null) return language === 'en' ? 'custom pricing' : 'precio a medida';
  return language === 'en'
    ? `${tier.price} ${tier.currency} a month`
    : `${tier.price} ${tier.currency} al mes`;
}

/**
 * Looks up what the built-in model can answer from the tenant's own catalog and pages: the price of
 * a named plan, the list of plans for a price question, or the best matching help snippet.
 * LLM turns get the same data through the `product_kb` tools instead.
 */
export async function lookupFacts(
  knowledge: KnowledgeBase,
  tenantId: string,
  language: Language,
  text: string,
): Promise<KnowledgeFact[]> {
  const asksPrice = PRICE_QUESTION.test(text) && QUESTION.test(text);
  if (!QUESTION.test(text)) return [];
  const tiers = await knowledge.pricing(tenantId, language, text);
  if (tiers.length === 1) {
    const tier = tiers[0]!;
    const features = tier.features.slice(0, 2).map(lowerFirst).join(', ');
    const sentence =
      language === 'en'
        ? `The ${tier.name} plan is ${money(tier, language)}${features ? ` and includes ${features}` : ''}`
        : `El plan ${tier.name} tiene un costo de ${money(tier, language)}${features ? ` e incluye ${features}` : ''}`;
    return [{ source: tier.source, title: tier.name, text: sentence }];
  }
  if (asksPrice && tiers.length > 1) {
    const list = tiers.map((t) => `${t.name}: ${money(t, language)}`).join('; ');
    const title = language === 'en' ? 'Plans and pricing' : 'Planes y precios';
    return [
      {
        source: 'catalog',
        title,
        text: language === 'en' ? `Our plans are ${list}` : `Nuestros planes son ${list}`,
      },
    ];
  }
  const [hit] = await knowledge.search(tenantId, text, language, 1);
  if (!hit) return [];
  const sentence = /^(.{20,220}?[.!?])(\s|$)/su.exec(hit.snippet)?.[1] ?? hit.snippet.slice(0, 200);
  return [{ source: hit.source, title: hit.title, text: sentence.replace(/^(#+\s*|…\s*|\.\.\.\s*)/u, '') }];
}
