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
