import { SKILL_LOADERS, type SkillName } from '../../skills/registry.ts';
import type { Skill, Tool } from '../../skills/tool.ts';
import type { InterestArea, Phase } from '../protocol/index.ts';

/** Skills each machine state may use; nothing else is ever offered to the model in that state. */
export const DEFAULT_SKILL_POLICY: Readonly<Record<Phase, readonly SkillName[]>> = {
  triage: ['lead_capture', 'product_kb'],
  capture: ['lead_capture', 'product_kb'],
  qualify: [],
  handoff: ['crm_integration', 'product_kb'],
  support: ['crm_integration', 'product_kb'],
  spam: [],
  closed: ['product_kb'],
  failed: [],
  human: [],
};

export interface TurnNeeds {
  phase: Phase;
  /** The person asks about products, plans or prices. */
  wantsProductInfo: boolean;
  /** What the conversation is about so far (the classified interest area): the topic decides the tools. */
  interest?: InterestArea;
}

/**
 * Loads skills lazily (dynamic `import()` on first need) and offers the model only the tools the
 * current state allows and the turn needs.
 */
export class SkillManager {
  private readonly loaded = new Map<SkillName, Promise<Skill>>();

  constructor(
    private readonly policy: Readonly<Record<Phase, readonly SkillName[]>> = DEFAULT_SKILL_POLICY,
    private readonly loaders: Readonly<Record<SkillName, () => Promise<{ default: Skill }>>> = SKILL_LOADERS,
    /** SecurityConfig: when a state is listed, only these tools are ever offered in it. */
    private readonly toolAllowlist: Readonly<Partial<Record<Phase, readonly string[]>>> = {},
  ) {}

  /** Skills already imported (for metrics and tests). */
  get loadedSkills(): SkillName[] {
    return [...this.loaded.keys()];
  }

  /** Which skills this turn needs, within what its state allows. */
  skillsFor(needs: TurnNeeds): SkillName[] {
    const allowed = new Set(this.policy[needs.phase]);
    const wanted: SkillName[] = [];
    if (needs.phase === 'triage' || needs.phase === 'capture') wanted.push('lead_capture');
    if (needs.phase === 'handoff' || needs.phase === 'support') wanted.push('crm_integration');
    // Buying: the catalog and pricing tiers. A technical or billing problem: the tenant's help pages
    // (troubleshooting, billing policies) through the same search.
    if (needs.wantsProductInfo || needs.interest !== undefined) wanted.push('product_kb');
    return [...new Set(wanted)].filter((s) => allowed.has(s));
  }

  async toolsFor(needs: TurnNeeds): Promise<Tool[]> {
    const skills = await Promise.all(this.skillsFor(needs).map((name) => this.load(name)));
    const allowed = this.toolAllowlist[needs.phase];
    return skills.flatMap((s) => [...s.tools]).filter((t) => !allowed || allowed.includes(t.name));
  }

  private load(name: SkillName): Promise<Skill> {
    let skill = this.loaded.get(name);
    if (!skill) {
      skill = this.loaders[name]().then((m) => m.default);
      // A failed import may succeed later (e.g. a file being deployed); don't cache the failure.
      void skill.catch(() => this.loaded.delete(name));
      this.loaded.set(name, skill);
    }
    return skill;
  }
}
