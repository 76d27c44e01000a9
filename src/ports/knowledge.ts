import type { Language } from '../protocol/index.ts';

/** One retrieval hit: where it came from is always said, so answers can cite it. */
export interface KnowledgeHit {
  /** `catalog:<item id>` or `kb:<page id>`. */
  source: string;
  /** Human title of the source (plan name, page title). */
  title: string;
  snippet: string;
  /** The one sentence of the source that shares the most words with the query, if any does. */
  answer?: { text: string; overlap: number };
  score: number;
}

export interface PricingTier {
  id: string;
  name: string;
  /** Monthly price, null = talk to sales. */
  price: number | null;
  currency: string;
  features: string[];
  source: string;
}

/** Retrieval over a tenant's own catalog and knowledge pages. Never crosses tenants. */
export interface KnowledgeBase {
  search(tenantId: string, query: string, language: Language, limit?: number): Promise<KnowledgeHit[]>;
  /** One tier when `plan` matches an id or name, else every tier. */
  pricing(tenantId: string, language: Language, plan?: string): Promise<PricingTier[]>;
}
