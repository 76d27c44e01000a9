import type { AlertInput, AlertOutput } from '../../machines/conversation-types.ts';

export type { AlertInput, AlertOutput };

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
