import { z } from 'zod';
import { LANGUAGES } from './lead.ts';

/** Channels a message can arrive on. */
export const CHANNELS = ['web', 'rest', 'cli', 'telegram', 'whatsapp', 'twilio'] as const;
export type ChannelName = (typeof CHANNELS)[number];

/** Durable timers: the capture's session expired, a follow-up nudge is due, a human handoff is overdue. */
export const TIMER_KINDS = ['session.expired', 'followup.due', 'handoff.deadline'] as const;
export type TimerKind = (typeof TIMER_KINDS)[number];
/** Work the runtime schedules in a conversation's order: timers, and insight extraction once it went idle. */
export const SYSTEM_KINDS = [...TIMER_KINDS, 'insights.due'] as const;

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

/** Everything that flows back to channels for one conversation. */
export const OutboundEventSchema = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('bot.message'),
    id: z.string(),
    tenantId: z.string(),
    channel: z.enum(CHANNELS),
    conversationId: z.string(),
    userId: z.string(),
    inReplyTo: z.string(),
    text: z.string(),
    state: z.string(),
    language: z.enum(LANGUAGES),
  }),
  z.object({
    type: z.literal('bot.typing'),
    tenantId: z.string(),
    channel: z.enum(CHANNELS),
    conversationId: z.string(),
    userId: z.string(),
    inReplyTo: z.string(),
  }),
  z.object({
    /** The turn for `inReplyTo` is over: every reply for it has been published. */
    type: z.literal('turn.completed'),
    tenantId: z.string(),
    channel: z.enum(CHANNELS),
    conversationId: z.string(),
    userId: z.string(),
    inReplyTo: z.string(),
    state: z.string(),
  }),
]);
export type OutboundEvent = z.infer<typeof OutboundEventSchema>;
export type BotMessage = Extract<OutboundEvent, { type: 'bot.message' }>;
