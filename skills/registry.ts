/**
 * The explicit skill registry. Each entry is a lazy loader: a skill's module is imported the first
 * time a conversation needs it, never at start-up.
 */
import type { Skill } from './tool.ts';

export const SKILL_LOADERS = {
  lead_capture: () => import('./lead-capture/index.ts'),
  crm_integration: () => import('./crm-integration/index.ts'),
  product_kb: () => import('./product-kb/index.ts'),
} satisfies Record<string, () => Promise<{ default: Skill }>>;

export type SkillName = keyof typeof SKILL_LOADERS;
export const SKILL_NAMES = Object.keys(SKILL_LOADERS) as SkillName[];

/**
 * Every tool name a skill offers (kept next to the loaders so the ThreatDetector can watch for them
 * without loading the skills; a test checks it matches the skills' own tools).
 */
export const TOOL_NAMES = [
  'verify_email_format',
  'save_temp_lead_data',
  'push_lead_to_crm',
  'create_support_ticket',
  'search_product_catalog',
  'get_pricing_tier',
] as const;
