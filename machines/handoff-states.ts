/** The delivered phases (handoff, support) with the team alert and escalation, and the hard `human` state. */
import { not } from 'xstate';
import { isCaptureComplete } from './flow-rules.ts';
import type { DeliverOutput, ResumePhase } from './conversation-types.ts';
import {
  alertInput,
  analysing,
  conversationSetup,
  deliverInput,
  speaking,
  takeover,
} from './conversation-setup.ts';

/**
 * A phase that delivers the lead, confirms it, then answers follow-ups (updating the lead when the
 * person adds or corrects details): `handoff` (sales, or a human for critical support) and
 * `support` (a ticket) share it.
 */
export function deliveredPhase(
  phase: 'handoff' | 'support',
  confirmIntent: 'confirm_lead' | 'confirm_ticket',
  /** Where cases that need a person go: the team is alerted from the `handoff` phase. */
  humanTarget: 'alerting' | '#conversation.handoff.alerting',
) {
  const toPerson = [
    {
      type: 'recordDelivery' as const,
      params: ({ event }: { event: { output: DeliverOutput } }) => event.output,
    },
    'openHandoff' as const,
    { type: 'planIntent' as const, params: { intent: 'confirm_human_handoff' as const } },
    'askCompanyOnce' as const,
  ];
  return conversationSetup.createStateConfig({
    initial: 'delivering',
    states: {
      delivering: {
        entry: 'noteDeliveryAttempt',
        invoke: {
          src: 'deliverLead',
          input: ({ context }) =>
            deliverInput(context, isCaptureComplete(context.lead) ? 'complete' : 'partial'),
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
      },
      backingOff: {
        after: {
          deliveryBackoff: [
            { guard: 'canRetryDelivery', target: 'delivering' },
            { target: '#conversation.failed.replying' },
          ],
        },
      },
      /** The team is told (Slack, Teams…); the reply promises only what is true. */
      alerting: {
        invoke: {
          src: 'alertTeam',
          input: ({ context }) => alertInput(context, 1),
          onDone: {
            target: 'confirming',
            actions: { type: 'applyAlert', params: ({ event }) => event.output },
          },
          onError: { target: 'confirming', actions: { type: 'applyAlert', params: { alerted: false } } },
        },
      },
      confirming: speaking(phase),
      waiting: {
        tags: 'awaiting-input',
        on: {
          'user.message.received': { target: 'analysing', actions: 'recordMessage' },
          'handoff.deadline': { guard: 'awaitingPerson', target: 'escalating', actions: 'escalate' },
          ...takeover(phase),
        },
      },
      /** Nobody took the case over in time: a second alert, then one honest update for the person. */
      escalating: {
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
      },
      reassuring: speaking(phase, { tolerant: true }),
      analysing: analysing('following'),
      routing: {
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
      },
      /** New or corrected details after delivery update the stored lead (same id, pushed again). */
      updating: {
        invoke: {
          src: 'deliverLead',
          input: ({ context }) =>
            deliverInput(context, isCaptureComplete(context.lead) ? 'complete' : 'partial'),
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
      },
      following: speaking(phase),
    },
  });
}

/** Given back by the operator: the bot resumes where the conversation was, with its whole history. */
const RESUME_PHASES: ResumePhase[] = ['triage', 'capture', 'handoff', 'support', 'spam', 'closed', 'failed'];
const giveBack = RESUME_PHASES.map((phase) => ({
  guard: { type: 'resumesTo' as const, params: { phase } },
  target: `#conversation.${phase}.waiting` as const,
  actions: ['clearHandoff' as const, 'noteHandedBack' as const],
}));

/**
 * A person of the team owns the conversation: the bot is silent. The person's messages are kept
 * (the runtime shows them to the operator), the operator's go out through the person's channel.
 */
export const humanPhase = conversationSetup.createStateConfig({
  initial: 'waiting',
  states: {
    waiting: {
      tags: 'awaiting-input',
      on: {
        'user.message.received': { actions: ['recordMessage', 'endTurn'] },
        'human.takeover': { actions: { type: 'takeOver', params: { from: undefined } } },
        'human.lead': { target: 'updating', actions: 'applyOperatorFields' },
        'human.release': giveBack,
        'human.close': { target: '#conversation.closed.waiting', actions: 'clearHandoff' },
      },
    },
    /** The operator corrected the lead: a stored lead is updated (same id, pushed again). */
    updating: {
      always: { guard: not('hasLead'), target: 'waiting' },
      invoke: {
        src: 'deliverLead',
        input: ({ context }) =>
          deliverInput(context, isCaptureComplete(context.lead) ? 'complete' : 'partial'),
        onDone: 'waiting',
        onError: 'waiting',
      },
    },
  },
});
