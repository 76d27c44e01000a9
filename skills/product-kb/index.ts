import { z } from 'zod';
import { tool, type Skill } from '../tool.ts';

export const searchProductCatalog = tool({
  name: 'search_product_catalog',
  description:
    "Searches the company's own catalog and help pages. Answer product, plan and policy questions only from these results, and cite the source title.",
  input: z.object({ query: z.string().min(2).max(500) }).strict(),
  execute: async ({ query }, ctx) => {
    const hits = await ctx.services.knowledge.search(ctx.tenantId, query, ctx.language, 4);
    return { hits: hits.map((h) => ({ source: h.source, title: h.title, snippet: h.snippet })) };
  },
});

export const getPricingTier = tool({
  name: 'get_pricing_tier',
  description:
    'Returns the price and features of one plan (by name) or of every plan. Never invent prices or discounts.',
  input: z
    .object({ plan: z.string().min(1).max(80).optional().describe('Plan name or id; omit for all plans') })
    .strict(),
  execute: async ({ plan }, ctx) => {
    const tiers = await ctx.services.knowledge.pricing(ctx.tenantId, ctx.language, plan);
    return { tiers: tiers.map((t) => ({ ...t, title: t.name })) };
  },
});

const skill: Skill = {
  name: 'product_kb',
  description: "Answers from the company's catalog and knowledge pages, citing sources.",
  tools: [searchProductCatalog, getPricingTier],
};
export default skill;
