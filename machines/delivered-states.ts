/**
 * The sub-states of a delivered phase (see `deliveredPhase` in `handoff-states.ts`), each a named
 * state config: delivery with its backoff, the team alert and escalation, follow-up routing and
 * lead updates.
 */
import { isCaptureComplete } from './flow-rules.ts';
import type { DeliverOutput } from './conversation-types.ts';
import { alertInput, conversationSetup, deliverInput, takeover } from './conversation-setup.ts';

/** Where cases that need a person go: the team is alerted from the `handoff` phase. */
export type HumanTarget = 'alerting' | '#conversation.handoff.alerting';

/** The case goes to a person: the delivery is recorded, the handoff opened, the person told. */
const toPerson = [
  {
    type: 'recordDelivery' as const,
    params: ({ event }: { event: { output: DeliverOutput } }) => event.output,
  },
  'openHandoff' as const,
  { type: 'planIntent' as const, params: { intent: 'confirm_human_handoff' as const } },
  'askCompanyOnce' as const,
];

/** Delivers the lead (complete or partial), then confirms it or hands the case to a person. */
export function delivering(humanTarget: HumanTarget, confirmIntent: 'confirm_lead' | 'confirm_ticket') {
  return conversationSetup.createStateConfig({
    entry: 'noteDeliveryAttempt',
    invoke: {
      src: 'deliverLead',
      input: ({ context }) => deliverInput(context, isCaptureComplete(context.lead) ? 'complete' : 'partial'),
      onDone: [
        { guard: 'needsHuman', target: humanTarget, actions: toPerson },
        { guard: 'wantsLiveFollowUp', target: humanTarget, actions: toPerson },
        {
          target: 'confirming',
          actions: [
            { type: 'recordDelivery', params: ({ event }) => event.output },
            { type: 'planIntent', params: { intent: confirmIntent } },
            'askCompanyOnce',
          ],
        },
      ],
      onError: 'backingOff',
    },
  });
}

/** A failed delivery is retried after a backoff, until the retries run out. */
export function backingOff() {
  return conversationSetup.createStateConfig({
    after: {
      deliveryBackoff: [
        { guard: 'canRetryDelivery', target: 'delivering' },
        { target: '#conversation.failed.replying' },
      ],
    },
  });
}

/** The team is told (Slack, Teams…); the reply promises only what is true. */
export function alerting() {
  return conversationSetup.createStateConfig({
    invoke: {
      src: 'alertTeam',
      input: ({ context }) => alertInput(context, 1),
      onDone: {
        target: 'confirming',
        actions: { type: 'applyAlert', params: ({ event }) => event.output },
      },
      onError: { target: 'confirming', actions: { type: 'applyAlert', params: { alerted: false } } },
    },
  });
}

/** Waits for the person's next message, the handoff deadline or an operator's takeover. */
export function waiting(phase: 'handoff' | 'support') {
  return conversationSetup.createStateConfig({
    tags: 'awaiting-input',
    on: {
      'user.message.received': { target: 'analysing', actions: 'recordMessage' },
      'handoff.deadline': { guard: 'awaitingPerson', target: 'escalating', actions: 'escalate' },
      ...takeover(phase),
    },
  });
}

/** Nobody took the case over in time: a second alert, then one honest update for the person. */
export function escalating() {
  return conversationSetup.createStateConfig({
    entry: { type: 'planIntent', params: { intent: 'handoff_pending' } },
    invoke: {
      src: 'alertTeam',
      input: ({ context }) => alertInput(context, 2),
      onDone: {
        target: 'reassuring',
        actions: { type: 'applyAlert', params: ({ event }) => event.output },
      },
      onError: { target: 'reassuring', actions: { type: 'applyAlert', params: { alerted: false } } },
    },
  });
}

/** After a follow-up was read: farewell, a lead update, a person, or a plain answer. */
export function routing(humanTarget: HumanTarget) {
  return conversationSetup.createStateConfig({
    always: [
      {
        guard: 'isFarewell',
        target: '#conversation.closed.replying',
        actions: { type: 'planIntent', params: { intent: 'farewell' } },
      },
      // The topic or urgency changed: the stored lead is updated first (then a person, if needed).
      { guard: 'assessmentChanged', target: 'updating', actions: 'decideQualification' },
      {
        guard: 'newlyNeedsHuman',
        target: humanTarget,
        actions: ['openHandoff', { type: 'planIntent', params: { intent: 'confirm_human_handoff' } }],
      },
      // A company or a size added later may make a warm lead hot: the qualification is redone.
      { guard: 'capturedSomething', target: 'updating', actions: 'decideQualification' },
      {
        guard: 'personPending',
        target: 'following',
        actions: { type: 'planIntent', params: { intent: 'handoff_pending' } },
      },
      { target: 'following', actions: { type: 'planIntent', params: { intent: 'closed_followup' } } },
    ],
  });
}

/** New or corrected details after delivery update the stored lead (same id, pushed again). */
export function updating(humanTarget: HumanTarget) {
  return conversationSetup.createStateConfig({
    invoke: {
      src: 'deliverLead',
      input: ({ context }) => deliverInput(context, isCaptureComplete(context.lead) ? 'complete' : 'partial'),
      onDone: [
        { guard: 'newlyNeedsHuman', target: humanTarget, actions: toPerson },
        {
          target: 'following',
          actions: [
            { type: 'recordDelivery', params: ({ event }) => event.output },
            { type: 'planIntent', params: { intent: 'closed_followup' } },
          ],
        },
      ],
      onError: {
        target: 'following',
        actions: { type: 'planIntent', params: { intent: 'closed_followup' } },
      },
    },
  });
}
