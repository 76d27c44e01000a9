import { fromPromise } from 'xstate';
import type {
  AlertInput,
  AlertOutput,
  DeliverInput,
  DeliverOutput,
} from '../../../machines/conversation-machine.ts';
import { errorMessage } from '../../errors.ts';
import { leadIdFor } from '../../ids.ts';
import { NO_ALERTS } from '../../ports/alerts.ts';
import { buildLeadPayload } from '../lead-payload.ts';
import type { EffectDeps } from './deps.ts';

/**
 * The machine's `deliverLead` effect: the lead is built from the conversation, stored and pushed
 * downstream; a turn retried after a crash updates the same lead.
 */
export function deliverLeadEffect(
  deps: Pick<EffectDeps, 'store' | 'clock' | 'delivery' | 'onLeadStored' | 'log'>,
) {
  return fromPromise<DeliverOutput, DeliverInput>(async ({ input }) => {
    // Derived from the conversation, so a turn retried after a crash updates the same lead.
    const leadId = input.leadId ?? leadIdFor(input.conversationId);
    const previous = input.leadId ? await deps.store.getLead(input.tenantId, input.leadId) : undefined;
    const payload = buildLeadPayload(input, leadId, new Date(deps.clock.now()), previous);
    // Once pushed downstream a lead stays `delivered`; later edits don't demote it.
    if (previous?.status === 'delivered' && payload.status === 'complete') payload.status = 'delivered';
    const result = await deps.delivery.deliver(payload, previous);
    deps.onLeadStored?.({ qualification: payload.qualification, status: payload.status });
    deps.log.info(
      {
        conversationId: input.conversationId,
        leadId,
        qualification: payload.qualification,
        status: payload.status,
        crm: result.status,
      },
      'lead stored',
    );
    return { leadId, reference: result.reference ?? leadId };
  });
}

/**
 * The machine's `alertTeam` effect: tells the team a conversation needs a person. An alert that
 * cannot even be queued never breaks the turn.
 */
export function alertTeamEffect(deps: Pick<EffectDeps, 'alerts' | 'log'>) {
  return fromPromise<AlertOutput, AlertInput>(async ({ input }) => {
    try {
      return await (deps.alerts ?? NO_ALERTS).alert(input);
    } catch (error) {
      // An alert that could not even be queued must not break the turn; promise nothing.
      deps.log.warn(
        { conversationId: input.conversationId, level: input.level, reason: errorMessage(error) },
        'team alert failed',
      );
      return NO_ALERTS.alert(input);
    }
  });
}
