/**
 * The conversation machine: triage → capture → qualify → handoff | support | spam | closed.
 * Effects are named here and provided at the composition root (`machine.provide`):
 * - `analyse`: reads one message (fields, language, urgency, spam…) before anything answers it;
 * - `think`: one model turn that writes the reply for a `ReplyRequest`;
 * - `deliverLead`: durably stores / pushes the lead (or ticket) and returns its reference.
 * The machine is pure: no I/O, no clocks, no randomness.
 */
import { assign } from 'xstate';
import { EMPTY_SIGNALS, isCaptureComplete, missingRequired } from './flow-rules.ts';
import {
  analyseInput,
  analysing,
  conversationSetup,
  deliverInput,
  replyRequest,
  speaking,
  takeover,
} from './conversation-setup.ts';
import { deliveredPhase, humanPhase } from './handoff-states.ts';
import { describeMachine } from './state-descriptions.ts';

export * from './conversation-types.ts';
export { alertInput } from './conversation-setup.ts';

const machine = conversationSetup.createMachine({
  id: 'conversation',
  description:
    'One conversation: triage → capture → qualify → handoff | support | spam | closed, and `human` while a person owns it',
  context: ({ input }) => ({
    ...input,
    language: input.defaultLanguage,
    turn: 0,
    lead: input.username ? { username: input.username } : {},
    needs: [],
    signals: EMPTY_SIGNALS,
    expecting: [],
    asked: [],
    newlyCaptured: [],
    intent: 'ask_need',
    ask: [],
    deliveryAttempts: 0,
  }),
  initial: 'triage',
  states: {
    triage: {
      initial: 'waiting',
      states: {
        waiting: {
          tags: 'awaiting-input',
          on: {
            'user.message.received': { target: 'analysing', actions: 'recordMessage' },
            ...takeover('triage'),
          },
        },
        analysing: analysing('replying'),
        routing: {
          always: [
            { guard: 'isSpam', target: '#conversation.spam' },
            { guard: 'hasSomethingToCapture', target: '#conversation.capture.routing' },
            { target: 'replying', actions: 'planAskNeed' },
          ],
        },
        replying: {
          invoke: {
            src: 'think',
            input: ({ context }) => replyRequest(context, 'triage'),
            onDone: {
              target: 'waiting',
              actions: [
                { type: 'emitReply', params: ({ event }) => event.output.text },
                { type: 'applyCaptured', params: ({ event }) => event.output },
                'endTurn',
              ],
            },
          },
        },
      },
    },
    capture: {
      initial: 'waiting',
      states: {
        waiting: {
          tags: 'awaiting-input',
          on: {
            ...takeover('capture'),
            'user.message.received': { target: 'analysing', actions: 'recordMessage' },
            'session.expired': { target: 'abandoning' },
            'followup.due': {
              guard: 'notNudged',
              target: 'nudging',
              actions: { type: 'planIntent', params: { intent: 'nudge' } },
            },
          },
        },
        /** The person went quiet mid-capture: one gentle follow-up with what is still missing. */
        nudging: {
          entry: assign(({ context }) => {
            // Only what the lead still needs: a reminder is no time for optional questions.
            const ask = missingRequired(context.lead).slice(0, 2);
            return { ask, expecting: ask };
          }),
          invoke: {
            src: 'think',
            input: ({ context }) => replyRequest(context, 'capture'),
            onDone: {
              target: 'waiting',
              actions: [
                { type: 'emitReply', params: ({ event }) => event.output.text },
                'markNudged',
                'endTurn',
              ],
            },
            onError: { target: 'waiting', actions: 'markNudged' },
          },
        },
        /** Said goodbye mid-capture: a `partial` lead keeps what is known, then a kind farewell. */
        leaving: {
          invoke: {
            src: 'deliverLead',
            input: ({ context }) => deliverInput(context, 'partial'),
            onDone: {
              target: '#conversation.closed.replying',
              actions: [
                { type: 'recordDelivery', params: ({ event }) => event.output },
                { type: 'planIntent', params: { intent: 'farewell' } },
              ],
            },
            onError: {
              target: '#conversation.closed.replying',
              actions: { type: 'planIntent', params: { intent: 'farewell' } },
            },
          },
        },
        /** Abandoned mid-capture: what is known is kept as a `partial` lead (completed later if they return). */
        abandoning: {
          invoke: {
            src: 'deliverLead',
            input: ({ context }) => deliverInput(context, 'partial'),
            onDone: {
              target: 'waiting',
              actions: { type: 'recordDelivery', params: ({ event }) => event.output },
            },
            onError: 'waiting',
          },
        },
        analysing: analysing('replying'),
        routing: {
          always: [
            { guard: 'isSpam', target: '#conversation.spam' },
            { guard: 'canClose', target: '#conversation.qualify' },
            // A goodbye mid-capture ends gracefully: what is known is kept, nothing more is asked.
            { guard: 'isFarewell', target: 'leaving' },
            { target: 'replying', actions: 'planCaptureReply' },
          ],
        },
        replying: {
          invoke: {
            src: 'think',
            input: ({ context }) => replyRequest(context, 'capture'),
            onDone: {
              target: 'reviewing',
              actions: [
                { type: 'emitReply', params: ({ event }) => event.output.text },
                { type: 'applyCaptured', params: ({ event }) => event.output },
              ],
            },
          },
        },
        /** Fields the model captured through its tools may complete the lead. */
        reviewing: {
          always: [
            { guard: 'canCloseAfterReply', target: '#conversation.qualify' },
            { target: 'waiting', actions: 'endTurn' },
          ],
        },
      },
    },
    qualify: {
      entry: 'decideQualification',
      always: [
        { guard: 'isSpam', target: 'spam' },
        { guard: 'isSupport', target: 'support' },
        { target: 'handoff' },
      ],
    },
    handoff: deliveredPhase('handoff', 'confirm_lead', 'alerting'),
    support: deliveredPhase('support', 'confirm_ticket', '#conversation.handoff.alerting'),
    human: humanPhase,
    spam: {
      initial: 'recording',
      entry: 'markSpam',
      states: {
        recording: {
          invoke: {
            src: 'deliverLead',
            input: ({ context }) =>
              deliverInput(context, isCaptureComplete(context.lead) ? 'complete' : 'partial'),
            onDone: {
              target: 'replying',
              actions: { type: 'recordDelivery', params: ({ event }) => event.output },
            },
            // Losing a spam record is not worth a retry loop; the reply still goes out.
            onError: 'replying',
          },
        },
        replying: {
          entry: { type: 'planIntent', params: { intent: 'spam_ack' } },
          ...speaking('spam'),
        },
        waiting: {
          tags: 'awaiting-input',
          on: {
            'user.message.received': { target: 'analysing', actions: 'recordMessage' },
            ...takeover('spam'),
          },
        },
        analysing: {
          invoke: {
            src: 'analyse',
            input: analyseInput,
            onDone: {
              target: 'recording',
              actions: { type: 'applyAnalysis', params: ({ event }) => event.output },
            },
            onError: 'replying',
          },
        },
      },
    },
    closed: {
      initial: 'waiting',
      states: {
        waiting: {
          tags: 'awaiting-input',
          on: {
            'user.message.received': { target: 'analysing', actions: 'recordMessage' },
            ...takeover('closed'),
          },
        },
        analysing: {
          invoke: {
            src: 'analyse',
            input: analyseInput,
            onDone: [
              {
                // Left mid-capture, back with details ("mi correo es…"): the capture goes on.
                guard: ({ context, event }) =>
                  !isCaptureComplete(context.lead) &&
                  context.leadId !== undefined &&
                  Object.keys(event.output.analysis.fields).length > 0,
                target: '#conversation.capture.routing',
                actions: { type: 'applyAnalysis', params: ({ event }) => event.output },
              },
              {
                guard: ({ event }) => event.output.analysis.farewell,
                target: 'replying',
                actions: [
                  { type: 'applyAnalysis', params: ({ event }) => event.output },
                  { type: 'planIntent', params: { intent: 'farewell' } },
                ],
              },
              {
                target: 'replying',
                actions: [
                  { type: 'applyAnalysis', params: ({ event }) => event.output },
                  { type: 'planIntent', params: { intent: 'closed_followup' } },
                ],
              },
            ],
            onError: { target: 'replying', actions: { type: 'planIntent', params: { intent: 'apology' } } },
          },
        },
        replying: speaking('closed'),
      },
    },
    failed: {
      initial: 'waiting',
      states: {
        replying: {
          entry: { type: 'planIntent', params: { intent: 'apology' } },
          ...speaking('failed'),
        },
        waiting: {
          tags: 'awaiting-input',
          on: {
            ...takeover('failed'),
            'user.message.received': {
              target: 'retrying',
              actions: ['recordMessage', 'resetDeliveryAttempts'],
            },
          },
        },
        /** The store may be back: try the delivery again rather than apologising forever. */
        retrying: {
          always: [
            { guard: 'isSupport', target: '#conversation.support.delivering' },
            { target: '#conversation.handoff.delivering' },
          ],
        },
      },
    },
  },
});

/** The machine, every state described (`state-descriptions.ts`). */
export const conversationMachine = describeMachine(machine);

export type ConversationMachine = typeof conversationMachine;
