/** Inputs, guards, actions and shared state builders of the conversation machine (see conversation-machine.ts). */
import { assign, emit, fromPromise, setup } from 'xstate';
import type { HandoffReason, LeadField, LeadStatus, Phase, ReplyIntent } from '../src/protocol/index.ts';
import {
  accumulateSignals,
  correctsName,
  declinedField,
  fieldsToAsk,
  needIsThin,
  interestArea,
  isCaptureComplete,
  companyPending,
  reachableByPhone,
  isSpam,
  mergeFields,
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
import { emailSuggestionPatch } from './email-suggestion.ts';

const notProvided = (name: string) =>
  fromPromise<never, unknown>(() =>
    Promise.reject(new Error(`The '${name}' effect was not provided (machine.provide).`)),
  );

/**
 * The detail this message declines ("prefiero no dar mi correo" → email); asked for the email, an
 * answer with a phone and no email declines it too.
 */
function declinedHere(context: ConversationContext): LeadField | undefined {
  const a = context.analysis;
  if (!a) return undefined;
  const phoneForEmail =
    context.expecting.includes('email') &&
    a.fields.phone !== undefined &&
    a.fields.email === undefined &&
    a.invalidEmail === undefined;
  if (phoneForEmail) return 'email';
  return a.declines ? declinedField(context.current?.text ?? '', context.expecting) : undefined;
}

export function replyRequest(context: ConversationContext, phase: Phase): ReplyRequest {
  const request: ReplyRequest = {
    conversationId: context.conversationId,
    tenantId: context.tenantId,
    channel: context.channel,
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
  if (context.emailSuggestion !== undefined) request.suggestedEmail = context.emailSuggestion;
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
    episode: context.handoffs ?? 1,
  };
  if (context.reference) input.reference = context.reference;
  return input;
}

/** Needs a person: once an operator gave the conversation back, only a new request for one counts. */
function callsPerson(context: ConversationContext): boolean {
  return context.handedBack ? context.analysis?.wantsHuman === true : needsHuman(context.signals);
}

/** Why the conversation needs a person now. */
function handoffReason(context: ConversationContext): HandoffReason {
  if (context.signals.wantsHuman) return 'asked_for_human';
  if (urgencyLevel(context.signals) === 'Alto') return 'critical_support';
  return 'hot_lead';
}

export function deliverInput(context: ConversationContext, status: LeadStatus): DeliverInput {
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

export const analyseInput = ({ context }: { context: ConversationContext }): AnalyseInput => ({
  text: context.current?.text ?? '',
  expecting: context.expecting,
  // The first message sets the language on its own ("Hello" is English even for a Spanish tenant).
  ...(context.turn > 1 ? { previousLanguage: context.language } : {}),
  defaultLanguage: context.defaultLanguage,
  needs: context.needs,
  tenantId: context.tenantId,
});

export const conversationSetup = setup({
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
    /** Complete, and the optional company was given or asked once (a refusal is accepted). */
    // Complete, or the person would rather be called than written to and left a phone.
    canClose: ({ context }) =>
      context.emailSuggestion === undefined &&
      (isCaptureComplete(context.lead) || reachableByPhone(context.lead, context.reassured ?? [])),
    /**
     * After this turn's reply: the model's tools may have completed the lead. A reassurance just
     * sent ("we only use your email to…") waits for the answer, unless the email itself came.
     */
    canCloseAfterReply: ({ context }) =>
      context.emailSuggestion === undefined &&
      (isCaptureComplete(context.lead) ||
        (context.intent !== 'reassure_field' && reachableByPhone(context.lead, context.reassured ?? []))),
    /** The person said what they need or started giving their details. */
    hasSomethingToCapture: ({ context }) =>
      context.lead.problem !== undefined ||
      context.newlyCaptured.length > 0 ||
      context.invalidEmail !== undefined,
    isSupport: ({ context }) => context.qualification === 'support',
    needsHuman: ({ context }) => callsPerson(context),
    /** Needs a person and nobody was called yet (a follow-up that turns critical or asks for one). */
    newlyNeedsHuman: ({ context }) => !context.handoff && callsPerson(context),
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
    /** A follow-up changed the topic or the urgency ("by the way, we were also charged twice"). */
    assessmentChanged: ({ context }) =>
      context.deliveredAs !== undefined &&
      (context.deliveredAs.interest !== interestOf(context) ||
        context.deliveredAs.urgency !== urgencyOf(context) ||
        // "50 backlinks for $99, reply YES": what looked like a case turns out to be spam.
        (isSpam(context.signals) && context.qualification !== 'spam')),
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
      const { analysis } = output;
      // A summary the model wrote is kept: the pattern summary never overwrites it.
      const problemSummary = context.problemByModel ? undefined : output.problemSummary;
      const { problem: _problem, ...withoutProblem } = analysis.fields;
      const fields = context.problemByModel ? withoutProblem : analysis.fields;
      const merged = mergeFields(context.lead, fields, context.turn, problemSummary, {
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
      Object.assign(
        patch,
        emailSuggestionPatch({ ...context, newlyCaptured: merged.newlyCaptured }, analysis, merged.lead),
      );
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
      const field = declinedHere(context);
      if (field !== undefined) {
        // Reassured once per detail; after that the capture goes on as usual.
        if (!(context.reassured ?? []).includes(field) && context.lead[field] === undefined)
          return {
            intent: 'reassure_field' as const,
            ask: [field],
            expecting: [field],
            reassured: [...(context.reassured ?? []), field],
          };
      }
      if (context.invalidEmail !== undefined || context.emailSuggestion !== undefined) {
        return {
          intent: 'reask_email' as const,
          ask: ['email'] as LeadField[],
          expecting: ['email'] as LeadField[],
        };
      }
      // An email declined after the reassurance: a phone is the way to reach them instead.
      const declinedEmail = (context.reassured ?? []).includes('email') && !context.lead.email;
      const thinNeed = needIsThin(context.signals, context.lead);
      const ask = fieldsToAsk(context.lead, context.asked, { thinNeed }).flatMap((f): LeadField[] =>
        f === 'email' && declinedEmail ? (context.lead.phone ? [] : ['phone']) : [f],
      );
      return {
        intent: 'ask_fields' as const,
        ask,
        expecting: ask,
        asked: [...new Set([...context.asked, ...ask])],
      };
    }),
    /** The lead is registered without a company: the confirmation asks for it, once. */
    askCompanyOnce: assign(({ context }) =>
      companyPending(context.lead, context.asked)
        ? {
            ask: ['company'] as LeadField[],
            expecting: ['company'] as LeadField[],
            asked: [...context.asked, 'company'],
          }
        : {},
    ),
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
    recordDelivery: assign(({ context }, output: DeliverOutput) => ({
      leadId: output.leadId,
      reference: output.reference,
      deliveryAttempts: 0,
      deliveredAs: { interest: interestOf(context), urgency: urgencyOf(context) },
    })),
    applyCaptured: assign(({ context }, output: ThinkOutput) => {
      if (!output.captured || Object.keys(output.captured).length === 0) return {};
      const merged = mergeFields(context.lead, output.captured, context.turn, undefined);
      return output.captured.problem ? { lead: merged.lead, problemByModel: true } : { lead: merged.lead };
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
      // Each time the conversation needs a person is its own case: its own alerts.
      handoffs: (context.handoffs ?? 0) + 1,
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
export const takeover = (from: ResumePhase | undefined) => ({
  'human.takeover': {
    target: '#conversation.human' as const,
    actions: { type: 'takeOver' as const, params: { from } },
  },
});

/**
 * A state that writes this turn's reply for `phase` (the `think` effect), emits it and rests in
 * `waiting`; with `tolerant`, a failed reply also goes back to `waiting` instead of failing the actor.
 */
export function speaking(phase: Phase, options: { tolerant?: boolean } = {}) {
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
export function analysing(fallback: string) {
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
