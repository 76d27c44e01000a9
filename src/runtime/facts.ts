import type { KnowledgeBase, KnowledgeHit, PricingTier } from '../ports/knowledge.ts';
import type { KnowledgeFact, Language } from '../protocol/index.ts';

const PRICE_QUESTION =
  /\b(precios?|cu[aá]nto (cuesta|vale|sale|cobran)|costos?|tarifas?|prices?|pricing|costs?|how much)\b/iu;

/** Questions, not statements: "necesito una demo para mi empresa" is not asking about a plan. */
const QUESTION =
  /[?¿]|^\s*(qu[eé]|cu[aá]l(es)?|cu[aá]nto|c[oó]mo|d[oó]nde|tienen|hay|aceptan|puedo|se puede|ofrecen|incluye|what|which|how|where|do you|does|is there|are there|can i|can you)\b/iu;

const PLAN_WORDS = /\b(planes|plan|plans?|paquetes?|packages?|tiers?|conviene|suits?|fits?|best for)\b/iu;

/** "18 repartidores", "a fleet of 45 trucks", "30 vans": how many vehicles the person runs. */
export function fleetSize(text: string): number | undefined {
  const m =
    /(\d{1,5})\s+(?:\p{L}+\s+)?(?:veh[ií]culos?|camion\p{L}*|furgo\p{L}*|camionetas?|unidades|repartidor\p{L}*|choferes|conductor\p{L}*|motos?|vans?|trucks?|lorries|lorry|vehicles?|drivers?|couriers?|riders?)/iu.exec(
      text,
    ) ?? /(?:flota de|fleet of)\s+(\d{1,5})/iu.exec(text);
  const n = m ? Number(m[1]) : NaN;
  return Number.isFinite(n) && n > 0 ? n : undefined;
}

/** The vehicles a tier allows, read from its features ("Hasta 30 vehículos", "Unlimited vehicles"). */
function capacity(tier: PricingTier): number | undefined {
  for (const f of tier.features) {
    if (/ilimitad|unlimited/iu.test(f) && /veh[ií]cul|vehicle/iu.test(f)) return Infinity;
    const m = /(?:hasta|up to)\s+(\d+)\s+(?:veh[ií]culos|vehicles)/iu.exec(f);
    if (m) return Number(m[1]);
  }
  return undefined;
}

/** The smallest tier whose capacity covers `size` (never the smallest plan for a 45-truck fleet). */
function fittingTier(tiers: readonly PricingTier[], size: number): PricingTier | undefined {
  const sized = tiers.flatMap((t) => {
    const c = capacity(t);
    return c === undefined ? [] : [{ t, c }];
  });
  return sized.filter((x) => x.c >= size).sort((a, b) => a.c - b.c)[0]?.t;
}

function planFor(tier: PricingTier, size: number, language: Language): KnowledgeFact {
  const limit = capacity(tier);
  const cap =
    limit === Infinity
      ? language === 'en'
        ? 'unlimited vehicles'
        : 'vehículos ilimitados'
      : language === 'en'
        ? `up to ${limit} vehicles`
        : `hasta ${limit} vehículos`;
  const text =
    language === 'en'
      ? `For ${size} vehicles the ${tier.name} plan fits (${cap}): ${money(tier, language)}`
      : `Para ${size} vehículos le conviene el plan ${tier.name} (${cap}): ${money(tier, language)}`;
  return { source: tier.source, title: tier.name, text };
}

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
  // "quiero precios", "I need pricing for 30 vans": a request for prices is answered like a question.
  const asksPrice = PRICE_QUESTION.test(text) || (QUESTION.test(text) && PLAN_WORDS.test(text));
  if (!QUESTION.test(text) && !asksPrice) return [];
  const tiers = await knowledge.pricing(tenantId, language, text);
  const size = fleetSize(text);
  if (size !== undefined && tiers.length > 1 && (asksPrice || PLAN_WORDS.test(text))) {
    const fit = fittingTier(tiers, size);
    if (fit) return [planFor(fit, size, language)];
  }
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
  // Of the top hits, the sentence that shares the most words with the question is the answer.
  let hit: KnowledgeHit | undefined;
  for (const h of await knowledge.search(tenantId, text, language, 3))
    if (h.answer && h.answer.overlap > (hit?.answer?.overlap ?? 0)) hit = h;
  if (!hit?.answer) return [];
  const answer = hit.answer.text;
  const sentence = answer.length > 220 ? `${answer.slice(0, 219)}…` : answer;
  return [
    { source: hit.source, title: hit.title, text: sentence.replace(/^(#+\s*|…\s*|\.\.\.\s*|[-*]\s+)/u, '') },
  ];
}
