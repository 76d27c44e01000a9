/** An operator's corrections to the lead: they win over what the bot read, with provenance "operator". */
import type { LeadDraft, OperatorLeadFields } from '../src/protocol/index.ts';
import type { ConversationContext } from './conversation-types.ts';

const DRAFT_FIELDS = {
  name: 'name',
  email: 'email',
  phone: 'phone',
  company: 'company',
  problem_statement: 'problem',
} as const;

export function applyOperatorFields(
  context: ConversationContext,
  fields: OperatorLeadFields,
): Partial<ConversationContext> {
  const lead: LeadDraft = { ...context.lead };
  // Field turns are 1-based: an operator may fill a lead before the person wrote anything.
  const turn = Math.max(1, context.turn);
  for (const [key, field] of Object.entries(DRAFT_FIELDS) as [keyof typeof DRAFT_FIELDS, keyof LeadDraft][]) {
    const value = fields[key];
    if (value !== undefined && field !== 'username') lead[field] = { value, turn, by: 'operator' };
  }
  const overrides = { ...context.overrides };
  if (fields.interest_area) overrides.interestArea = fields.interest_area;
  if (fields.urgency_level) overrides.urgency = fields.urgency_level;
  return { lead, overrides };
}
