import type { InterestArea, Language, LeadField, Qualification, UrgencyLevel } from './lead.ts';

/** The top-level states of the conversation machine. */
export const PHASES = [
  'triage',
  'capture',
  'qualify',
  'handoff',
  'support',
  'spam',
  'closed',
  'failed',
  /** A person of the team owns the conversation: the bot is silent. */
  'human',
] as const;
export type Phase = (typeof PHASES)[number];

/** A captured value and the user turn (1-based) that filled it. */
export interface CapturedValue {
  value: string;
  turn: number;
  /** Set when a person of the team entered or corrected the value. */
  by?: 'operator';
}

/** What the conversation knows about the person so far. */
export interface LeadDraft {
  name?: CapturedValue;
  email?: CapturedValue;
  phone?: CapturedValue;
  company?: CapturedValue;
  /** Summary of the need, 2-3 lines. */
  problem?: CapturedValue;
  /** Telegram/WhatsApp handle or phone from the channel itself. */
  username?: string;
}

/** Fields one message revealed. */
export type ExtractedFields = Partial<Record<LeadField, string>>;

/**
 * Signals the analyser reads from one inbound message, before any reply is written. Deterministic
 * (pattern based) so the flow's decisions are reproducible; an LLM may add to them later.
 */
export interface MessageAnalysis {
  language: Language;
  /** How sure the language guess is (0..1); short messages are unsure. */
  languageConfidence: number;
  fields: ExtractedFields;
  /** Text that looked like an email but is not a valid address. */
  invalidEmail?: string;
  /** The email given looks like a typo of a common provider's: the address it probably meant. */
  emailSuggestion?: string;
  /** The person says there is no hurry. */
  calm?: boolean;
  /** A support or billing message that tells of something wrong (not a routine request). */
  problem?: boolean;
  /** A short yes ("sí", "yes, sorry", "correcto"). */
  affirms?: boolean;
  /** Interest area hinted by this message, if any. */
  interest?: InterestArea;
  /** How sure `interest` is (0..1): the weight of this message's vote for the conversation's area. */
  interestConfidence?: number;
  /** 0 (calm) .. 1 (production down, furious). */
  urgency: number;
  /** -1 (angry) .. 1 (happy). */
  sentiment: number;
  /** 0 .. 1; ≥ 0.7 is treated as spam. */
  spamScore: number;
  /** Words that show buying intent (prices, plans, demo, quote…). */
  buyingSignals: number;
  /** Of those, concrete steps (a quote, a demo, a contract, a fleet size). */
  concreteBuying?: number;
  /** Of those, the steps that are not a size (a quote, a demo, a contract, a trial). */
  buyingSteps?: number;
  /** Just a greeting or small talk, nothing to act on. */
  greetingOnly: boolean;
  /** The person wants to stop / says goodbye. */
  farewell: boolean;
  /** The person asks for a human. */
  wantsHuman: boolean;
  /** The person declines to give a detail ("prefiero no dar mi correo"). */
  declines?: boolean;
  /** Snippet describing the need (problem or request), when the message states one. */
  need?: string;
  /** Content words in `need` (how much the person said about it). */
  needWords?: number;
  /** The message gives a size or a date ("35 furgonetas", "before the holiday peak"). */
  scoped?: boolean;
}

/** What the reply of this turn must achieve; the model writes the words. */
export const REPLY_INTENTS = [
  /** Greeting / small talk only: welcome and ask how we can help. */
  'ask_need',
  /** Acknowledge what was said and ask for 1-2 missing fields. */
  'ask_fields',
  /** The email given is not valid: friendly re-ask. */
  'reask_email',
  /** The person declined to give a detail: acknowledge, say why it is needed, ask once more gently. */
  'reassure_field',
  /** Lead complete and stored: confirm by name. */
  'confirm_lead',
  /** Support case registered: confirm by name, say what happens next. */
  'confirm_ticket',
  /** Critical support: a human will take over. */
  'confirm_human_handoff',
  /** Spam / abuse: short neutral reply, no call to action. */
  'spam_ack',
  /** After the case is closed: the person writes again. */
  'closed_followup',
  /** The person says goodbye: a warm closing, no question. */
  'farewell',
  /** Something failed on our side: graceful apology. */
  'apology',
  /** The person went quiet mid-capture: one gentle follow-up asking for what is missing. */
  'nudge',
  /** A human was promised and has not taken over yet: reassure, the team has the case. */
  'handoff_pending',
] as const;
export type ReplyIntent = (typeof REPLY_INTENTS)[number];

/** What the bot may tell a person waiting for the team (never more than is true). */
export interface HandoffPromise {
  /** An alert channel accepted the alert: someone was really told. */
  alerted: boolean;
  /** Outside business hours: when the team is back, in the tenant's words ("lunes 09:00"). */
  backAt?: string;
  /** How the team will reach them when nobody can take the chat now. */
  contactVia?: 'email' | 'phone' | 'chat';
  /** Escalation update: minutes the team expects to need. */
  expectedMinutes?: number;
}

/** A fact from the tenant's own catalog or pages, to answer with and cite. */
export interface KnowledgeFact {
  /** `catalog:<id>` or `kb:<page>`. */
  source: string;
  /** Cited as "Fuente: <title>" / "Source: <title>". */
  title: string;
  /** One or two sentences, in the brief's language. */
  text: string;
}

/** Everything a model needs to write one reply, without reading the machine. */
export interface TurnBrief {
  tenantId: string;
  /** The channel the reply goes out on (web, whatsapp, telegram, twilio, rest, cli). */
  channel?: string;
  companyName: string;
  /** The assistant's display name. */
  botName: string;
  language: Language;
  phase: Phase;
  intent: ReplyIntent;
  /** 1-based number of the user turn being answered. */
  turn: number;
  /** The lead as known after this message. */
  lead: LeadDraft;
  /** Fields to ask for now (1 or 2), in order. */
  ask: LeadField[];
  /** What this message added (to acknowledge it). */
  newlyCaptured: LeadField[];
  /** When intent is `reask_email`. */
  invalidEmail?: string;
  /** When intent is `reask_email`: the address the person probably meant ("¿quiso decir …?"). */
  suggestedEmail?: string;
  interest?: InterestArea;
  urgency: UrgencyLevel;
  qualification?: Qualification;
  /** Reference of the stored lead / ticket when confirming. */
  reference?: string;
  /** The text of the message being answered. */
  userText: string;
  /** Retrieved facts that answer the person's question (built-in model path). */
  facts?: KnowledgeFact[];
  /** Handing over to a person: what may honestly be promised. */
  handoff?: HandoffPromise;
}
