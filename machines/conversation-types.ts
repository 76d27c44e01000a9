/**
 * The conversation machine's types: its input, context, events, emitted replies and the inputs and
 * outputs of the effects the composition root provides.
 */
import type {
  ExtractedFields,
  HandoffPromise,
  HandoffReason,
  InterestArea,
  Language,
  LeadDraft,
  LeadField,
  LeadStatus,
  MessageAnalysis,
  OperatorLeadFields,
  Phase,
  Qualification,
  ReplyIntent,
  TurnBrief,
  UrgencyLevel,
} from '../src/protocol/index.ts';
import type { FlowSignals, interestArea, urgencyLevel } from './flow-rules.ts';

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
  /** The tenant wants a person to follow hot leads up live (an alert, like a critical case). */
  liveFollowUp?: boolean;
}

/** A conversation that needs (or has) a person of the team. */
export interface HandoffState {
  reason: HandoffReason;
  /** 1: alerted; 2: escalated after the deadline. */
  level: 1 | 2;
  alerted: boolean;
  /** The operator who owns the conversation (in `human`). */
  owner?: string;
}

/** Where a conversation goes back to when the operator gives it back. */
export type ResumePhase = Exclude<Phase, 'qualify' | 'human'>;

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
  /** The email captured looks like a typo: this is the address it probably meant, awaiting a yes. */
  emailSuggestion?: string | undefined;
  /** What this turn's reply must do. */
  intent: ReplyIntent;
  ask: LeadField[];
  /** Interest area and urgency the stored lead carries (a later change of topic updates it). */
  deliveredAs?: { interest: InterestArea; urgency: UrgencyLevel } | undefined;
  leadId?: string;
  reference?: string;
  deliveryAttempts: number;
  /** Details the person declined and was reassured about (once each). */
  reassured?: LeadField[];
  /** The model wrote the problem statement (through its tool): later turns refine it only through the model. */
  problemByModel?: boolean;
  /** A follow-up nudge was sent since the person last wrote (one per silence). */
  nudged?: boolean;
  handoff?: HandoffState | undefined;
  /** What this turn's reply may promise about the team. */
  promise?: HandoffPromise | undefined;
  /** How many times the conversation has needed a person (each time alerts anew). */
  handoffs?: number;
  /** An operator gave the conversation back: the old signals no longer call a person. */
  handedBack?: boolean;
  /** The phase the conversation was in when a person took it over. */
  resumeTo?: ResumePhase | undefined;
  /** Interest area / urgency set by an operator (they win over the signals). */
  overrides?: { interestArea?: ReturnType<typeof interestArea>; urgency?: ReturnType<typeof urgencyLevel> };
}

export type ConversationEvent =
  | { type: 'user.message.received'; messageId: string; text: string }
  /** A durable timer: the person went quiet in the middle of the capture. */
  | { type: 'session.expired' }
  /** A durable timer: a while of silence in the capture; one gentle follow-up is due. */
  | { type: 'followup.due' }
  /** A durable timer: the case went to a human and nobody has taken it over yet. */
  | { type: 'handoff.deadline' }
  /** A person of the team takes the conversation over (or an admin reassigns it). */
  | { type: 'human.takeover'; operator: string }
  /** The operator gives the conversation back to the bot. */
  | { type: 'human.release'; operator: string }
  /** The operator closes the case. */
  | { type: 'human.close'; operator: string }
  /** The operator corrects the lead (provenance "operator"). */
  | { type: 'human.lead'; fields: OperatorLeadFields };

/** What each event means (the state charts and the console show these). */
export const CONVERSATION_EVENTS: Record<ConversationEvent['type'], string> = {
  'user.message.received': 'The person wrote (one message, or several sent within the coalescing window)',
  'session.expired': 'Durable timer: the person went quiet in the middle of the capture',
  'followup.due': 'Durable timer: a while of silence in the capture; one gentle follow-up is due',
  'handoff.deadline': 'Durable timer: the case went to a human and nobody has taken it over yet',
  'human.takeover': 'A person of the team takes the conversation over (the bot goes silent)',
  'human.release': 'The operator gives the conversation back to the bot',
  'human.close': 'The operator closes the case',
  'human.lead': 'The operator corrects the lead (provenance "operator")',
};

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
  /** Whose bot this is: the tenant's own name is never the prospect's company. */
  tenantId?: string;
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
  /** Values an operator set (their provenance is "operator"). */
  operatorSet?: ('interest_area' | 'urgency_level')[];
}
export interface DeliverOutput {
  leadId: string;
  /** Human-facing reference ("RV-…") for the confirmation. */
  reference: string;
}

/** The alert port's input and output (declared with the port, in src/ports/alerts.ts). */
export type { AlertInput, AlertOutput } from '../src/ports/alerts.ts';
