import { analyseEffect } from './effects/analyse.ts';
import type { EffectDeps } from './effects/deps.ts';
import { alertTeamEffect, deliverLeadEffect } from './effects/lead.ts';
import { thinkEffect } from './effects/think.ts';

export type { EffectDeps } from './effects/deps.ts';
export { wantsProductInfo } from './effects/think.ts';

/**
 * The real `analyse`, `think`, `deliverLead` and `alertTeam` effects of the conversation machine.
 * Each lives in `./effects/`: NLU analysis, the model turn, and the lead and team-alert effects.
 */
export function conversationEffects(deps: EffectDeps) {
  const analyse = analyseEffect(deps);
  const think = thinkEffect(deps);
  const deliverLead = deliverLeadEffect(deps);
  const alertTeam = alertTeamEffect(deps);
  return { analyse, think, deliverLead, alertTeam };
}
