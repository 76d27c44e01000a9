/**
 * The conversation machine: triage → capture → qualify → handoff | support | spam | closed.
 * Effects are named here and provided at the composition root (`machine.provide`):
 * - `analyse`: reads one message (fields, language, urgency, spam…) before anything answers it;
 * - `think`: one model turn that writes the reply for a `ReplyRequest`;
 * - `deliverLead`: durably stores / pushes the lead (or ticket) and returns its reference.
 * The machine is pure: no I/O, no clocks, no randomness.
 */
import { assign, emit, fromPromise, not, setup } from 'xstate';
import type { HandoffReason, LeadField, LeadStatus, Phase, ReplyIntent } from '../src/protocol/index.ts';
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
} from './flow-rules.ts';
import type {
  AlertInput,
  AlertOutput,
  AnalyseInput,
  AnalyseOutput,
  ConversationContext,
  ConversationEmitted,
  ConversationEvent,
  ConversationInput,
  DeliverInput,
  DeliverOutput,
  ReplyRequest,
  ResumePhase,
  ThinkOutput,
} from './conversation-types.ts';
import { applyOperatorFields } from './operator-fields.ts';

export * from './conversation-types.ts';

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
  if (context.promise) request.handoff = context.promise;
  return request;
}

const interestOf = (context: ConversationContext) =>
  context.overrides?.interestArea ?? interestArea(context.signals);
const urgencyOf = (context: ConversationContext) =>
  context.overrides?.urgency ?? urgencyLevel(context.signals);

export function alertInput(context: ConversationContext, level: 1 | 2): AlertInput {
  const input: AlertInput = {
    conversationId: context.conversationId,
    tenantId: context.tenantId,
    channel: context.channel,
    reason: level === 2 ? 'escalation' : (context.handoff?.reason ?? 'asked_for_human'),
    level,
    lead: context.lead,
    qualification: context.qualification ?? qualify(context.signals, context.lead),
    urgency: urgencyOf(context),
    interestArea: interestOf(context),
    language: context.language,
    startedAt: context.startedAt,
  };
  if (context.reference) input.reference = context.reference;
  return input;
}

/** Why the conversation needs a person now. */
function handoffReason(context: ConversationContext): HandoffReason {
  if (context.signals.wantsHuman) return 'asked_for_human';
  if (urgencyLevel(context.signals) === 'Alto') return 'critical_support';
  return 'hot_lead';
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
    interestArea: interestOf(context),
    urgency: urgencyOf(context),
    startedAt: context.startedAt,
  };
  if (context.overrides?.interestArea) input.operatorSet = ['interest_area'];
  if (context.overrides?.urgency) input.operatorSet = [...(input.operatorSet ?? []), 'urgency_level'];
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
    alertTeam: notProvided('alertTeam') as unknown as ReturnType<typeof fromPromise<AlertOutput, AlertInput>>,
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
    /** Needs a person and nobody was called yet (a follow-up that turns critical or asks for one). */
    newlyNeedsHuman: ({ context }) =>
      !context.handoff &&
      // Once an operator gave the conversation back, only a new request for a person calls one again.
      (context.handedBack ? context.analysis?.wantsHuman === true : needsHuman(context.signals)),
    /** The team has the case and nobody holds the chat yet: follow-ups hear that, honestly. */
    personPending: ({ context }) => context.handoff !== undefined && !context.handoff.owner,
    wantsLiveFollowUp: ({ context }) => context.liveFollowUp === true && context.qualification === 'hot_lead',
    /** The team was called and nobody has taken over yet. */
    awaitingPerson: ({ context }) => context.handoff !== undefined && context.handoff.level < 2,
    resumesTo: ({ context }, params: { phase: ResumePhase }) =>
      (context.resumeTo ?? 'closed') === params.phase,
    hasLead: ({ context }) => context.leadId !== undefined,
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
    endTurn: assign({ analysis: undefined, invalidEmail: undefined, promise: undefined }),
    openHandoff: assign(({ context }) => ({
      handoff: { reason: handoffReason(context), level: 1 as const, alerted: false },
    })),
    applyAlert: assign(({ context }, output: AlertOutput) => ({
      promise: output,
      handoff: context.handoff && { ...context.handoff, alerted: context.handoff.alerted || output.alerted },
    })),
    escalate: assign(({ context }) => ({
      handoff: context.handoff && { ...context.handoff, level: 2 as const },
    })),
    takeOver: assign(({ context, event }, params: { from: ResumePhase | undefined }) => {
      if (event.type !== 'human.takeover') return {};
      return {
        resumeTo: params.from ?? context.resumeTo ?? 'closed',
        handoff: {
          ...(context.handoff ?? { reason: 'asked_for_human', level: 1, alerted: false }),
          owner: event.operator,
        },
      };
    }),
    /** Given back or closed: the case no longer needs a person. */
    clearHandoff: assign({ handoff: undefined, resumeTo: undefined }),
    noteHandedBack: assign({ handedBack: true }),
    applyOperatorFields: assign(({ context, event }) =>
      event.type === 'human.lead' ? applyOperatorFields(context, event.fields) : {},
    ),
  },
});

/** From any resting state: a person of the team takes the conversation over. */
const takeover = (from: ResumePhase | undefined) => ({
  'human.takeover': {
    target: '#conversation.human' as const,
    actions: { type: 'takeOver' as const, params: { from } },
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
  ];
  return conversationSetup.createStateConfig({
    initial: 'delivering',
    states: {
      delivering: {
        entry: 'noteDeliveryAttempt',
        invoke: {
          src: 'deliverLead',
          input: ({ context }) => deliverInput(context, 'complete'),
          onDone: [
            { guard: 'needsHuman', target: humanTarget, actions: toPerson },
            { guard: 'wantsLiveFollowUp', target: humanTarget, actions: toPerson },
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
          {
            guard: 'newlyNeedsHuman',
            target: humanTarget,
            actions: ['openHandoff', { type: 'planIntent', params: { intent: 'confirm_human_handoff' } }],
          },
          { guard: 'capturedSomething', target: 'updating' },
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
const humanPhase = conversationSetup.createStateConfig({
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

export type ConversationMachine = typeof conversationMachine;
