/** The delivered phases (handoff, support) with the team alert and escalation, and the hard `human` state. */
import { not } from 'xstate';
import { isCaptureComplete } from './flow-rules.ts';
import type { ResumePhase } from './conversation-types.ts';
import { analysing, conversationSetup, deliverInput, speaking } from './conversation-setup.ts';
import {
  alerting,
  backingOff,
  delivering,
  escalating,
  routing,
  updating,
  waiting,
  type HumanTarget,
} from './delivered-states.ts';

/**
 * A phase that delivers the lead, confirms it, then answers follow-ups (updating the lead when the
 * person adds or corrects details): `handoff` (sales, or a human for critical support) and
 * `support` (a ticket) share it.
 */
export function deliveredPhase(
  phase: 'handoff' | 'support',
  confirmIntent: 'confirm_lead' | 'confirm_ticket',
  /** Where cases that need a person go: the team is alerted from the `handoff` phase. */
  humanTarget: HumanTarget,
) {
  return conversationSetup.createStateConfig({
    initial: 'delivering',
    states: {
      delivering: delivering(humanTarget, confirmIntent),
      backingOff: backingOff(),
      alerting: alerting(),
      confirming: speaking(phase),
      waiting: waiting(phase),
      escalating: escalating(),
      reassuring: speaking(phase, { tolerant: true }),
      analysing: analysing('following'),
      routing: routing(humanTarget),
      updating: updating(humanTarget),
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
