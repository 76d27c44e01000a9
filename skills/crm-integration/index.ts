import { z } from 'zod';
import { tool, type LeadRef, type Skill, type ToolContext } from '../tool.ts';

function leadRef(ctx: ToolContext): LeadRef {
  return {
    tenantId: ctx.tenantId,
    conversationId: ctx.conversationId,
    ...(ctx.leadId ? { leadId: ctx.leadId } : {}),
  };
}

export const pushLeadToCrm = tool({
  name: 'push_lead_to_crm',
  description: "Registers the complete lead in the company's CRM. Safe to call more than once.",
  input: z.object({}).strict(),
  execute: (_input, ctx) => ctx.services.crm.pushLead(leadRef(ctx)),
});

export const createSupportTicket = tool({
  name: 'create_support_ticket',
  description: 'Opens a support ticket for the problem the person described. Safe to call more than once.',
  input: z
    .object({
      summary: z.string().min(5).max(600).describe('2-3 line summary of the problem'),
      urgency: z.enum(['Alto', 'Medio', 'Bajo']),
    })
    .strict(),
  execute: (ticket, ctx) => ctx.services.crm.createTicket(leadRef(ctx), ticket),
});

const skill: Skill = {
  name: 'crm_integration',
  description: 'Delivers leads and support tickets to the company.',
  tools: [pushLeadToCrm, createSupportTicket],
};
export default skill;
