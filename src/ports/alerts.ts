import type {
  HandoffPromise,
  HandoffReason,
  InterestArea,
  Language,
  LeadDraft,
  Qualification,
  UrgencyLevel,
} from '../protocol/index.ts';

/** What `alertTeam` needs to tell the team a conversation needs a person. */
export interface AlertInput {
  conversationId: string;
  tenantId: string;
  channel: string;
  reason: HandoffReason;
  level: 1 | 2;
  lead: LeadDraft;
  qualification: Qualification;
  urgency: UrgencyLevel;
  interestArea: InterestArea;
  reference?: string;
  language: Language;
  startedAt: number;
  /** Which time this conversation needs a person (1, 2…): alerts are idempotent per episode and level. */
  episode: number;
}
/** What may be promised after the alert (accepted or not, business hours). */
export type AlertOutput = HandoffPromise;

/**
 * Tells a tenant's team that a conversation needs a person (Slack, Teams, a Slack app) and
 * says what may honestly be promised to the prospect afterwards.
 */
export interface TeamAlerts {
  alert(input: AlertInput): Promise<AlertOutput>;
}

/** No alert channel configured: nobody is told, so nothing is promised beyond the record. */
export const NO_ALERTS: TeamAlerts = {
  alert: (input) =>
    Promise.resolve({
      alerted: false,
      contactVia: input.lead.email?.value ? 'email' : input.lead.phone?.value ? 'phone' : 'chat',
    }),
};
