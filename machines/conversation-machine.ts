/**
 * The conversation machine: triage → capture → qualify → handoff | support | spam | closed.
 * Effects are named here and provided at the composition root (`machine.provide`):
 * - `analyse`: reads one message (fields, language, urgency, spam…) before anything answers it;
 * - `think`: one model turn that writes the reply for a `ReplyRequest`;
 * - `deliverLead`: durably stores / pushes the lead (or ticket) and returns its reference.
 * The machine is pure: no I/O, no clocks, no randomness.
 */
import { assign, emit, fromPromise, setup } from 'xstate';
import type {
  ExtractedFields,
  Language,
  LeadDraft,
  LeadField,
  LeadStatus,
  MessageAnalysis,
  Phase,
  Qualification,
  ReplyIntent,
  TurnBrief,
} from '../src/protocol/index.ts';
import {
  EMPTY_SIGNALS,
  accumulateSignals,
  correctsName,
  declinedField,
  fieldsToAsk,
  interestArea,
  isCaptureComplete,
  isSpam,
  mergeFields,
  missingRequired,
  needsHuman,
  qualify,
  urgencyLevel,
  type FlowSignals,
} from './flow-rules.ts';

/** Bumped when the machine changes in a way old snapshots cannot follow. */
export const MACHINE_VERSION = 1;

export interface ConversationInput {
  conversationId: string;
  tenantId: string;
  channel: string;
  userId: string;
  defaultLanguage: Language;
  /** Epoch ms of the first message. */
  startedAt: number;
  source?: string;
  /** Username / phone the channel knows. */
  username?: string;
  /** Attempts to deliver a lead before the conversation goes to `failed`. */
  maxDeliveryAttempts: number;
}

export interface ConversationContext extends ConversationInput {
  language: Language;
  /** User turns so far. */
  turn: number;
  lead: LeadDraft;
  /** Need snippets, one per message that stated one, in order. */
  needs: string[];
  signals: FlowSignals;
  qualification?: Qualification;
  /** Fields the last reply asked for (short answers are read as these). */
  expecting: LeadField[];
  /** Every field asked at least once. */
  asked: LeadField[];
  /** The message being handled. */
  current?: { messageId: string; text: string };
  analysis?: MessageAnalysis | undefined;
  newlyCaptured: LeadField[];
  invalidEmail?: string | undefined;
  /** What this turn's reply must do. */
  intent: ReplyIntent;
  ask: LeadField[];
  leadId?: string;
  reference?: string;
  deliveryAttempts: number;
  /** Details the person declined and was reassured about (once each). */
  reassured?: LeadField[];
  /** A follow-up nudge was sent since the person last wrote (one per silence). */
  nudged?: boolean;
}

export type ConversationEvent =
  | { type: 'user.message.received'; messageId: string; text: string }
  /** A durable timer: the person went quiet in the middle of the capture. */
  | { type: 'session.expired' }
  /** A durable timer: a while of silence in the capture; one gentle follow-up is due. */
  | { type: 'followup.due' }
  /** A durable timer: the case went to a human and nobody has taken it over yet. */
  | { type: 'handoff.deadline' };

/** A reply for the runtime to send, in order. */
export type ConversationEmitted = { type: 'reply'; text: string; intent: ReplyIntent; inReplyTo: string };

export interface AnalyseInput {
  text: string;
  expecting: LeadField[];
  /** The conversation's language so far (absent on the first message). */
  previousLanguage?: Language;
  defaultLanguage: Language;
  /** Need snippets so far, to summarise the problem with this message's. */
  needs: string[];
}
export interface AnalyseOutput {
  analysis: MessageAnalysis;
  /** Summary of every need so far including this message's; absent when no need is known. */
  problemSummary?: string;
}

/** `TurnBrief` without the tenant's display names, which the runtime adds. */
export type ReplyRequest = Omit<TurnBrief, 'companyName' | 'botName'> & {
  conversationId: string;
  leadId?: string;
};

/** One model turn's result: the reply, and lead fields the model captured through its tools. */
export interface ThinkOutput {
  text: string;
  captured?: ExtractedFields;
}

/** What `deliverLead` stores: the lead as the machine knows it. */
export interface DeliverInput {
  conversationId: string;
  tenantId: string;
  channel: string;
  leadId?: string;
  lead: LeadDraft;
  language: Language;
  qualification: Qualification;
  status: LeadStatus;
  interestArea: ReturnType<typeof interestArea>;
  urgency: ReturnType<typeof urgencyLevel>;
  source?: string;
  startedAt: number;
}
export interface DeliverOutput {
  leadId: string;
  /** Human-facing reference ("RV-…") for the confirmation. */
  reference: string;
}

const notProvided = (name: string) =>
  fromPromise<never, unknown>(() =>
    Promise.reject(new Error(`The '${name}' effect was not provided (machine.provide).`)),
  );

function replyRequest(context: ConversationContext, phase: Phase): ReplyRequest {
  const request: ReplyRequest = {
    conversationId: context.conversationId,
    tenantId: context.tenantId,
    language: context.language,
    phase,
    intent: context.intent,
    turn: context.turn,
    lead: context.lead,
    ask: context.ask,
    newlyCaptured: context.newlyCaptured,
    urgency: urgencyLevel(context.signals),
    userText: context.current?.text ?? '',
  };
  if (context.invalidEmail !== undefined) request.invalidEmail = context.invalidEmail;
  const interest = interestArea(context.signals);
  if (interest !== 'Otro') request.interest = interest;
  if (context.qualification) request.qualification = context.qualification;
  if (context.reference) request.reference = context.reference;
  if (context.leadId) request.leadId = context.leadId;
  return request;
}

function deliverInput(context: ConversationContext, status: LeadStatus): DeliverInput {
  const input: DeliverInput = {
    conversationId: context.conversationId,
    tenantId: context.tenantId,
    channel: context.channel,
    lead: context.lead,
    language: context.language,
    qualification: context.qualification ?? qualify(context.signals, context.lead),
    status,
    interestArea: interestArea(context.signals),
    urgency: urgencyLevel(context.signals),
    startedAt: context.startedAt,
  };
  if (context.leadId) input.leadId = context.leadId;
  if (context.source) input.source = context.source;
  return input;
}

const analyseInput = ({ context }: { context: ConversationContext }): AnalyseInput => ({
  text: context.current?.text ?? '',
  expecting: context.expecting,
  // The first message sets the language on its own ("Hello" is English even for a Spanish tenant).
  ...(context.turn > 1 ? { previousLanguage: context.language } : {}),
  defaultLanguage: context.defaultLanguage,
  needs: context.needs,
});

const conversationSetup = setup({
  types: {
    context: {} as ConversationContext,
    events: {} as ConversationEvent,
    input: {} as ConversationInput,
    emitted: {} as ConversationEmitted,
    tags: {} as 'awaiting-input',
  },
  actors: {
    analyse: notProvided('analyse') as unknown as ReturnType<typeof fromPromise<AnalyseOutput, AnalyseInput>>,
    think: notProvided('think') as unknown as ReturnType<typeof fromPromise<ThinkOutput, ReplyRequest>>,
    deliverLead: notProvided('deliverLead') as unknown as ReturnType<
      typeof fromPromise<DeliverOutput, DeliverInput>
    >,
  },
  delays: {
    /** Exponential back-off between delivery attempts; the runtime may override. */
    deliveryBackoff: ({ context }) => Math.min(200 * 2 ** Math.max(0, context.deliveryAttempts - 1), 10_000),
  },
  guards: {
    isSpam: ({ context }) => isSpam(context.signals),
    captureComplete: ({ context }) => isCaptureComplete(context.lead),
    /** The person said what they need or started giving their details. */
    hasSomethingToCapture: ({ context }) =>
      context.lead.problem !== undefined ||
      context.newlyCaptured.length > 0 ||
      context.invalidEmail !== undefined,
    isSupport: ({ context }) => context.qualification === 'support',
    needsHuman: ({ context }) => needsHuman(context.signals),
    isFarewell: ({ context }) => context.analysis?.farewell === true,
    capturedSomething: ({ context }) => context.newlyCaptured.some((f) => f !== 'problem'),
    canRetryDelivery: ({ context }) => context.deliveryAttempts < context.maxDeliveryAttempts,
    notNudged: ({ context }) => context.nudged !== true,
  },
  actions: {
    recordMessage: assign(({ context, event }) => {
      if (event.type !== 'user.message.received') return {};
      return {
        turn: context.turn + 1,
        current: { messageId: event.messageId, text: event.text },
        newlyCaptured: [],
        nudged: false,
      };
    }),
    applyAnalysis: assign(({ context }, output: AnalyseOutput) => {
      const { analysis, problemSummary } = output;
      const merged = mergeFields(context.lead, analysis.fields, context.turn, problemSummary, {
        correctsName: correctsName(context.current?.text ?? ''),
      });
      const patch: Partial<ConversationContext> = {
        analysis,
        language: analysis.language,
        lead: merged.lead,
        newlyCaptured: merged.newlyCaptured,
        needs: analysis.need ? [...context.needs, analysis.need] : context.needs,
        signals: accumulateSignals(context.signals, analysis),
      };
      // A valid email in the same message wins over a broken-looking one.
      if (analysis.invalidEmail !== undefined && !analysis.fields.email)
        patch.invalidEmail = analysis.invalidEmail;
      else patch.invalidEmail = undefined;
      return patch;
    }),
    planAskNeed: assign({
      intent: 'ask_need' as const,
      ask: ['problem'] as LeadField[],
      expecting: ['problem'] as LeadField[],
    }),
    planCaptureReply: assign(({ context }) => {
      if (context.analysis?.declines && context.newlyCaptured.length === 0) {
        const field = declinedField(context.current?.text ?? '', context.expecting);
        // Reassured once per detail; after that the capture goes on as usual.
        if (field && !(context.reassured ?? []).includes(field) && context.lead[field] === undefined)
          return {
            intent: 'reassure_field' as const,
            ask: [field],
            expecting: [field],
            reassured: [...(context.reassured ?? []), field],
          };
      }
      if (context.invalidEmail !== undefined) {
        return {
          intent: 'reask_email' as const,
          ask: ['email'] as LeadField[],
          expecting: ['email'] as LeadField[],
        };
      }
      const ask = fieldsToAsk(context.lead, context.asked);
      return {
        intent: 'ask_fields' as const,
        ask,
        expecting: ask,
        asked: [...new Set([...context.asked, ...ask])],
      };
    }),
    planIntent: assign((_, params: { intent: ReplyIntent }) => ({
      intent: params.intent,
      ask: [] as LeadField[],
      expecting: [] as LeadField[],
    })),
    decideQualification: assign(({ context }) => ({ qualification: qualify(context.signals, context.lead) })),
    markSpam: assign({ qualification: 'spam' as const }),
    markNudged: assign({ nudged: true }),
    resetDeliveryAttempts: assign({ deliveryAttempts: 0 }),
    noteDeliveryAttempt: assign(({ context }) => ({ deliveryAttempts: context.deliveryAttempts + 1 })),
    recordDelivery: assign((_, output: DeliverOutput) => ({
      leadId: output.leadId,
      reference: output.reference,
      deliveryAttempts: 0,
    })),
    applyCaptured: assign(({ context }, output: ThinkOutput) => {
      if (!output.captured || Object.keys(output.captured).length === 0) return {};
      const merged = mergeFields(context.lead, output.captured, context.turn, undefined);
      return { lead: merged.lead };
    }),
    emitReply: emit(({ context }, text: string) => ({
      type: 'reply' as const,
      text,
      intent: context.intent,
      inReplyTo: context.current?.messageId ?? '',
    })),
    endTurn: assign({ analysis: undefined, invalidEmail: undefined }),
  },
});

/**
 * A state that writes this turn's reply for `phase` (the `think` effect), emits it and rests in
 * `waiting`; with `tolerant`, a failed reply also goes back to `waiting` instead of failing the actor.
 */
function speaking(phase: Phase, options: { tolerant?: boolean } = {}) {
  return conversationSetup.createStateConfig({
    invoke: {
      src: 'think',
      input: ({ context }) => replyRequest(context, phase),
      onDone: {
        target: 'waiting',
        actions: [{ type: 'emitReply', params: ({ event }) => event.output.text }, 'endTurn'],
      },
      ...(options.tolerant ? { onError: 'waiting' } : {}),
    },
  });
}

/** Reads the message (the `analyse` effect), then routes; if reading fails, `fallback` apologises. */
function analysing(fallback: string) {
  return conversationSetup.createStateConfig({
    invoke: {
      src: 'analyse',
      input: analyseInput,
      onDone: {
        target: 'routing',
        actions: { type: 'applyAnalysis', params: ({ event }) => event.output },
      },
      onError: { target: fallback, actions: { type: 'planIntent', params: { intent: 'apology' } } },
    },
  });
}

/**
 * A phase that delivers the lead, confirms it, then answers follow-ups (updating the lead when the
 * person adds or corrects details): `handoff` (sales, or a human for critical support) and
 * `support` (a ticket) share it.
 */
function deliveredPhase(
  phase: 'handoff' | 'support',
  confirmIntent: 'confirm_lead' | 'confirm_ticket',
  /** Where critical cases confirm: a human takes over from the `handoff` phase. */
  humanTarget: 'confirming' | '#conversation.handoff.confirming',
) {
  return conversationSetup.createStateConfig({
    initial: 'delivering',
    states: {
      delivering: {
        entry: 'noteDeliveryAttempt',
        invoke: {
          src: 'deliverLead',
          input: ({ context }) => deliverInput(context, 'complete'),
          onDone: [
            {
              guard: 'needsHuman',
              target: humanTarget,
              actions: [
                { type: 'recordDelivery', params: ({ event }) => event.output },
                { type: 'planIntent', params: { intent: 'confirm_human_handoff' } },
              ],
            },
            {
              target: 'confirming',
              actions: [
                { type: 'recordDelivery', params: ({ event }) => event.output },
                { type: 'planIntent', params: { intent: confirmIntent } },
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
      confirming: speaking(phase),
      waiting: {
        tags: 'awaiting-input',
        on: {
          'user.message.received': { target: 'analysing', actions: 'recordMessage' },
          'handoff.deadline': {
            guard: 'needsHuman',
            target: 'reassuring',
            actions: { type: 'planIntent', params: { intent: 'handoff_pending' } },
          },
        },
      },
      /** Nobody from the team took the case over in time: the person hears that it is still in hand. */
      reassuring: speaking(phase, { tolerant: true }),
      analysing: analysing('following'),
      routing: {
        always: [
          {
            guard: 'isFarewell',
            target: '#conversation.closed.replying',
            actions: { type: 'planIntent', params: { intent: 'farewell' } },
          },
          { guard: 'capturedSomething', target: 'updating' },
          { target: 'following', actions: { type: 'planIntent', params: { intent: 'closed_followup' } } },
        ],
      },
      /** New or corrected details after delivery update the stored lead (same id, pushed again). */
      updating: {
        invoke: {
          src: 'deliverLead',
          input: ({ context }) => deliverInput(context, 'complete'),
          onDone: {
            target: 'following',
            actions: { type: 'planIntent', params: { intent: 'closed_followup' } },
          },
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

export const conversationMachine = conversationSetup.createMachine({
  id: 'conversation',
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
          on: { 'user.message.received': { target: 'analysing', actions: 'recordMessage' } },
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
            { guard: 'captureComplete', target: '#conversation.qualify' },
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
            { guard: 'captureComplete', target: '#conversation.qualify' },
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
    handoff: deliveredPhase('handoff', 'confirm_lead', 'confirming'),
    support: deliveredPhase('support', 'confirm_ticket', '#conversation.handoff.confirming'),
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
          on: { 'user.message.received': { target: 'analysing', actions: 'recordMessage' } },
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
          on: { 'user.message.received': { target: 'analysing', actions: 'recordMessage' } },
        },
        analysing: {
          invoke: {
            src: 'analyse',
            input: analyseInput,
            onDone: [
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

export type ConversationMachine = typeof conversationMachine;
