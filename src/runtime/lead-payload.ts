import type { DeliverInput } from '../../machines/conversation-machine.ts';
import type { LeadField, LeadPayload } from '../protocol/index.ts';
import { LeadPayloadSchema } from '../protocol/index.ts';

/** The reference a person is told ("RV-7K2Q9D"): short, from the lead id, unambiguous letters. */
export function leadReference(leadId: string, prefix: string): string {
  return `${prefix}-${leadId.slice(-6).toUpperCase()}`;
}

/** Builds the contract payload (DESIGN.md) from what the machine knows; validates it. */
export function buildLeadPayload(
  input: DeliverInput,
  leadId: string,
  now: Date,
  previous?: LeadPayload,
): LeadPayload {
  const { lead } = input;
  const fieldTurns: Partial<Record<LeadField, number>> = {};
  for (const field of ['name', 'email', 'phone', 'company', 'problem'] as const) {
    const turn = lead[field]?.turn;
    if (turn !== undefined) fieldTurns[field] = turn;
  }
  const sources: NonNullable<LeadPayload['field_sources']> = { ...previous?.field_sources };
  for (const field of ['name', 'email', 'phone', 'company', 'problem'] as const)
    if (lead[field]?.by === 'operator') sources[field] = 'operator';
  for (const field of input.operatorSet ?? []) sources[field] = 'operator';
  return LeadPayloadSchema.parse({
    lead_id: leadId,
    contact_info: {
      name: lead.name?.value ?? '',
      // What the IntelligenceExtractor filled in is kept when the conversation does not know better.
      phone_or_username:
        lead.username ?? lead.phone?.value ?? previous?.contact_info.phone_or_username ?? null,
      email: lead.email?.value ?? '',
    },
    business_context: {
      company_name: lead.company?.value ?? previous?.business_context.company_name ?? null,
      interest_area: input.interestArea,
    },
    problem_statement: lead.problem?.value ?? '',
    urgency_level: input.urgency,
    qualification: input.qualification,
    status: input.status,
    channel: input.channel,
    tenant_id: input.tenantId,
    conversation_id: input.conversationId,
    language: input.language,
    source: input.source ?? null,
    created_at: previous?.created_at ?? now.toISOString(),
    updated_at: now.toISOString(),
    field_turns: fieldTurns,
    ...(Object.keys(sources).length > 0 ? { field_sources: sources } : {}),
    ...(previous?.insights ? { insights: previous.insights } : {}),
  });
}
