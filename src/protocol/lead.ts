import { z } from 'zod';

/** Areas a lead can be routed to, in the company's own (Spanish) vocabulary. */
export const INTEREST_AREAS = ['Ventas', 'Soporte', 'Facturación', 'Otro'] as const;
export type InterestArea = (typeof INTEREST_AREAS)[number];

/** Urgency as the company's backend expects it. */
export const URGENCY_LEVELS = ['Alto', 'Medio', 'Bajo'] as const;
export type UrgencyLevel = (typeof URGENCY_LEVELS)[number];

/** What the flow decided the conversation is. */
export const QUALIFICATIONS = ['hot_lead', 'warm_lead', 'support', 'spam'] as const;
export type Qualification = (typeof QUALIFICATIONS)[number];

/** `partial`: capture not finished; `complete`: all required fields known; `delivered`: pushed downstream. */
export const LEAD_STATUSES = ['partial', 'complete', 'delivered'] as const;
export type LeadStatus = (typeof LEAD_STATUSES)[number];

export const LANGUAGES = ['es', 'en'] as const;
export type Language = (typeof LANGUAGES)[number];

/** Fields the capture asks for. `problem` maps to `problem_statement`. */
export const LEAD_FIELDS = ['name', 'email', 'phone', 'company', 'problem'] as const;
export type LeadField = (typeof LEAD_FIELDS)[number];

/** Fields without which the capture does not end. */
export const REQUIRED_LEAD_FIELDS = ['name', 'email', 'problem'] as const satisfies readonly LeadField[];

/**
 * The lead payload: the contract with the company's backend (DESIGN.md). The first five keys are the
 * contract; the rest are the extra fields the runtime adds.
 */
export const LeadPayloadSchema = z.object({
  lead_id: z.string().min(1),
  contact_info: z.object({
    name: z.string(),
    phone_or_username: z.string().nullable(),
    email: z.string(),
  }),
  business_context: z.object({
    company_name: z.string().nullable(),
    interest_area: z.enum(INTEREST_AREAS),
  }),
  problem_statement: z.string(),
  urgency_level: z.enum(URGENCY_LEVELS),
  qualification: z.enum(QUALIFICATIONS),
  status: z.enum(LEAD_STATUSES),
  channel: z.string(),
  tenant_id: z.string(),
  conversation_id: z.string(),
  language: z.enum(LANGUAGES),
  source: z.string().nullable(),
  created_at: z.string(),
  updated_at: z.string(),
  /** Which user turn (1-based) filled each field. */
  field_turns: z.partialRecord(z.enum(LEAD_FIELDS), z.number().int().positive()),
  /** Fields a person of the team entered or corrected in the operator console. */
  field_sources: z
    .partialRecord(z.enum([...LEAD_FIELDS, 'interest_area', 'urgency_level']), z.literal('operator'))
    .optional(),
  /** What the IntelligenceExtractor found once the conversation went idle. */
  insights: z
    .object({
      /** Catalog item ids the person mentioned. */
      products_of_interest: z.array(z.string()),
      objections: z.array(z.enum(['price', 'competitor', 'timing', 'authority'])),
      contact_preference: z.enum(['email', 'phone', 'whatsapp']).optional(),
    })
    .optional(),
});
export type LeadPayload = z.infer<typeof LeadPayloadSchema>;
export type LeadInsights = NonNullable<LeadPayload['insights']>;

/** What the company cares about changed between two versions of a lead (not just timestamps or status). */
export function leadContentChanged(a: LeadPayload, b: LeadPayload): boolean {
  const strip = ({ updated_at: _u, status: _s, ...rest }: LeadPayload) => JSON.stringify(rest);
  return strip(a) !== strip(b);
}

/** Throws a `ZodError` when `value` is not a lead payload. */
export function parseLeadPayload(value: unknown): LeadPayload {
  return LeadPayloadSchema.parse(value);
}
