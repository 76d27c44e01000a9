import { z } from 'zod';
import { LANGUAGES, QUALIFICATIONS } from './lead.ts';

/** Channels a message can arrive on. */
export const CHANNELS = ['web', 'rest', 'cli', 'telegram', 'whatsapp', 'twilio'] as const;
export type ChannelName = (typeof CHANNELS)[number];

/** Durable timers: the capture's session expired, a follow-up nudge is due, a human handoff is overdue. */
export const TIMER_KINDS = ['session.expired', 'followup.due', 'handoff.deadline'] as const;
export type TimerKind = (typeof TIMER_KINDS)[number];
/** Work the runtime schedules in a conversation's order: timers, and insight extraction once it went idle. */
/** An operator's command, carried in the conversation's order like any message (cluster-correct). */
export const HUMAN_KINDS = [
  'human.takeover',
  'human.message',
  'human.release',
  'human.close',
  'human.lead',
] as const;
export type HumanKind = (typeof HUMAN_KINDS)[number];
export const SYSTEM_KINDS = [...TIMER_KINDS, 'insights.due', ...HUMAN_KINDS] as const;

/** Lead fields an operator may correct (provenance "operator"). */
export const OperatorLeadFieldsSchema = z
  .object({
    name: z.string().trim().min(1).max(200),
    email: z.email().max(254),
    phone: z.string().trim().min(3).max(40),
    company: z.string().trim().min(1).max(200),
    problem_statement: z.string().trim().min(1).max(2000),
    interest_area: z.enum(['Ventas', 'Soporte', 'Facturación', 'Otro']),
    urgency_level: z.enum(['Alto', 'Medio', 'Bajo']),
  })
  .partial()
  .strict();
export type OperatorLeadFields = z.infer<typeof OperatorLeadFieldsSchema>;

/** Bus priorities: higher runs first when conversations compete for workers. */
export const PRIORITY = { low: 0, normal: 5, urgent: 9 } as const;

/** A message from a person, normalised by its channel adapter. */
export const InboundMessageSchema = z.object({
  type: z.literal('user.message'),
  /** Provider message id (widget client id, Telegram update id, WhatsApp wamid…), unique per conversation. */
  id: z.string().min(1).max(200),
  tenantId: z.string().min(1),
  channel: z.enum(CHANNELS),
  conversationId: z.string().min(1),
  /** The person's id on the channel (session id, chat id, phone…). */
  userId: z.string().min(1),
  text: z.string(),
  receivedAt: z.number().int(),
  priority: z.number().int().min(0).max(9).default(PRIORITY.normal),
  /** Not a person's message: a durable timer firing in the conversation's order (no reply). */
  system: z.enum(SYSTEM_KINDS).optional(),
  /** For `system` messages: the user turn after which the timer was set (a later turn makes it stale). */
  systemTurn: z.number().int().min(0).optional(),
  /** For human.* messages: the operator, and what the command carries. */
  operator: z
    .object({
      name: z.string().min(1).max(80),
      /** An admin's takeover of a conversation someone else holds (reassignment). */
      force: z.boolean().optional(),
      fields: OperatorLeadFieldsSchema.optional(),
    })
    .optional(),
  /** Ids of earlier messages of a burst merged into this one (answered as one turn). */
  coalesced: z.array(z.string()).optional(),
  /** Campaign / deep-link payload, recorded on the lead. */
  source: z.string().max(500).optional(),
  /** What the channel knows about the person (never logged). */
  profile: z
    .object({
      name: z.string().optional(),
      username: z.string().optional(),
      phone: z.string().optional(),
    })
    .optional(),
});
export type InboundMessage = z.infer<typeof InboundMessageSchema>;
/** Inbound message as a channel builds it (priority may be omitted). */
export type InboundMessageInput = z.input<typeof InboundMessageSchema>;

/** Why a conversation needs a person. */
export const HANDOFF_REASONS = [
  'critical_support',
  'asked_for_human',
  'hot_lead',
  'escalation',
  'overdue',
] as const;
export type HandoffReason = (typeof HANDOFF_REASONS)[number];

/** A conversation waiting for (or held by) a person, as the queue shows it. */
export const HandoffInfoSchema = z.object({
  reason: z.enum(HANDOFF_REASONS),
  /** Epoch ms the conversation started needing a person. */
  since: z.number(),
  owner: z.string().nullable(),
  reference: z.string().nullable(),
  urgency_level: z.enum(['Alto', 'Medio', 'Bajo']),
  qualification: z.enum(QUALIFICATIONS),
  name: z.string().nullable(),
  company: z.string().nullable(),
  /** 1: alerted once; 2: escalated after the deadline. */
  level: z.number().int(),
  /** An alert channel accepted the alert. */
  alerted: z.boolean(),
});

/** Where an outbound event goes: the conversation, the person, and the message it answers. */
const ROUTE = {
  tenantId: z.string(),
  channel: z.enum(CHANNELS),
  conversationId: z.string(),
  userId: z.string(),
  inReplyTo: z.string(),
};

/** Everything that flows back to channels for one conversation. */
export const OutboundEventSchema = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('bot.message'),
    id: z.string(),
    ...ROUTE,
    text: z.string(),
    state: z.string(),
    language: z.enum(LANGUAGES),
    /** Written by a person of the team (the operator's display name), not by the bot. */
    agent: z.string().optional(),
  }),
  z.object({
    type: z.literal('bot.typing'),
    ...ROUTE,
  }),
  z.object({
    /**
     * The message could not be kept (the data disk is full): nothing of it was stored and it will
     * not be answered. The channel asks the sender to retry (REST 503 with Retry-After, the widget's
     * try-again); a messaging channel sends `text`, in the conversation's language.
     */
    type: z.literal('turn.refused'),
    ...ROUTE,
    code: z.literal('overloaded'),
    retryAfterS: z.number(),
    text: z.string(),
    language: z.enum(LANGUAGES),
  }),
  z.object({
    /** The turn for `inReplyTo` is over: every reply for it has been published. */
    type: z.literal('turn.completed'),
    ...ROUTE,
    state: z.string(),
  }),
  z.object({
    /** A person of the team took the conversation over (`agent.left`: gave it back or closed it). */
    type: z.enum(['agent.joined', 'agent.left']),
    ...ROUTE,
    name: z.string(),
  }),
  z.object({
    /** A prospect's message in a conversation that has (or had) a person on it: for the console and Slack. */
    type: z.literal('prospect.message'),
    ...ROUTE,
    text: z.string(),
    at: z.number(),
  }),
  z.object({
    /** The conversation's handoff changed (`handoff: null`: it no longer needs a person). */
    type: z.literal('handoff.updated'),
    ...ROUTE,
    handoff: HandoffInfoSchema.nullable(),
    state: z.string(),
  }),
  z.object({
    /** A conversation's alert was posted by the Slack app: its thread (every node learns it). */
    type: z.literal('handoff.thread'),
    ...ROUTE,
    slackChannel: z.string(),
    ts: z.string(),
  }),
  z.object({
    /** The outcome of an operator's command (`inReplyTo` = the command's id). */
    type: z.literal('operator.result'),
    ...ROUTE,
    ok: z.boolean(),
    code: z.string().optional(),
    message: z.string().optional(),
    owner: z.string().nullable(),
    state: z.string(),
    warning: z.object({ code: z.string(), message: z.string() }).optional(),
  }),
]);
export type OutboundEvent = z.infer<typeof OutboundEventSchema>;
export type HandoffInfo = z.infer<typeof HandoffInfoSchema>;
export type BotMessage = Extract<OutboundEvent, { type: 'bot.message' }>;
