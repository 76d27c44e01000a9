import { z } from 'zod';

/*
 * WhatsApp Cloud API webhook payloads (`object: "whatsapp_business_account"`). The schemas are
 * tolerant: fields we do not use are allowed and kept out of the way, so Meta adding a field never
 * breaks intake. Only what we need to answer a person is required.
 */

const ContactSchema = z.looseObject({
  /** The person's phone number (digits); missing for people who adopted a username. */
  wa_id: z.string().optional(),
  /** Business-scoped user id (BSUID), e.g. `US.13491208655302741918`. */
  user_id: z.string().optional(),
  parent_user_id: z.string().optional(),
  profile: z
    .looseObject({
      name: z.string().optional(),
      username: z.string().optional(),
    })
    .optional(),
});

const ReferralSchema = z.looseObject({
  source_id: z.string().optional(),
  source_type: z.string().optional(),
  source_url: z.string().optional(),
  headline: z.string().optional(),
  ctwa_clid: z.string().optional(),
});

const ReplySchema = z.looseObject({ id: z.string().optional(), title: z.string() });

const MessageSchema = z
  .looseObject({
    /** The wamid: unique per message, the dedupe key. */
    id: z.string().min(1).max(200),
    type: z.string().min(1),
    from: z.string().optional(),
    from_user_id: z.string().optional(),
    timestamp: z.string().optional(),
    text: z.looseObject({ body: z.string() }).optional(),
    interactive: z
      .looseObject({
        type: z.string(),
        button_reply: ReplySchema.optional(),
        list_reply: ReplySchema.optional(),
      })
      .optional(),
    button: z.looseObject({ text: z.string(), payload: z.string().optional() }).optional(),
    referral: ReferralSchema.optional(),
  })
  .superRefine((message, ctx) => {
    if (message.type === 'text' && !message.text)
      ctx.addIssue({ code: 'custom', path: ['text'], message: 'a text message needs text.body' });
    if (message.type === 'button' && !message.button)
      ctx.addIssue({ code: 'custom', path: ['button'], message: 'a button message needs button.text' });
    if (message.type === 'interactive') {
      const kind = message.interactive?.type;
      if (kind === 'button_reply' && !message.interactive?.button_reply)
        ctx.addIssue({
          code: 'custom',
          path: ['interactive'],
          message: 'needs interactive.button_reply.title',
        });
      if (kind === 'list_reply' && !message.interactive?.list_reply)
        ctx.addIssue({
          code: 'custom',
          path: ['interactive'],
          message: 'needs interactive.list_reply.title',
        });
      if (!kind) ctx.addIssue({ code: 'custom', path: ['interactive'], message: 'needs interactive.type' });
    }
  });

const ErrorSchema = z.looseObject({ code: z.number().optional(), title: z.string().optional() });

const StatusSchema = z.looseObject({
  id: z.string().optional(),
  status: z.string(),
  errors: z.array(ErrorSchema).optional(),
});

const MessagesValueSchema = z.looseObject({
  metadata: z.looseObject({ phone_number_id: z.string().optional() }).optional(),
  contacts: z.array(ContactSchema).optional(),
  messages: z.array(MessageSchema).optional(),
  statuses: z.array(StatusSchema).optional(),
  errors: z.array(ErrorSchema).optional(),
});

/** The envelope of every webhook POST. */
export const WebhookPayloadSchema = z.looseObject({
  object: z.literal('whatsapp_business_account', {
    error: 'object must be "whatsapp_business_account" (a WhatsApp Cloud API webhook)',
  }),
  entry: z.array(
    z.looseObject({
      id: z.string().optional(),
      changes: z.array(z.looseObject({ field: z.string(), value: z.unknown() })).default([]),
    }),
  ),
});

/** Who wrote: the key we use for the person plus what WhatsApp told us about them. */
export interface WhatsAppPerson {
  /** Conversation key: the BSUID when present, else the wa_id, else `@username`. */
  userId: string;
  /** `+<digits>` when WhatsApp shared the phone number. */
  phone?: string;
  /** Business-scoped user id. */
  bsuid?: string;
  username?: string;
  name?: string;
}

/** One inbound message we act on. */
export type WhatsAppInbound =
  | {
      kind: 'text';
      /** The wamid. */
      id: string;
      person: WhatsAppPerson;
      /** The business number it was sent to (`metadata.phone_number_id`). */
      phoneNumberId?: string;
      text: string;
      /** Click-to-WhatsApp ad the conversation started from, as a lead `source`. */
      referralSource?: string;
    }
  | {
      /** A message we cannot read (image, audio, location…): the person is told so. */
      kind: 'unsupported';
      id: string;
      person: WhatsAppPerson;
      phoneNumberId?: string;
      type: string;
    };

/** A delivery status of a message we sent. */
export interface WhatsAppStatus {
  id?: string;
  status: string;
  /** Graph error codes of a failed delivery. */
  errorCodes: number[];
}

export interface ParsedWebhook {
  messages: WhatsAppInbound[];
  statuses: WhatsAppStatus[];
  /** Webhook-level error codes (`value.errors`). */
  errorCodes: number[];
  /** Changes or messages deliberately skipped (other fields, reactions, system notices). */
  ignored: number;
}

export type ParseResult = { success: true; data: ParsedWebhook } | { success: false; error: string };

/** Message types that need no answer (a reaction, a system notice, the chat being opened). */
const SILENT_TYPES = new Set(['reaction', 'system', 'request_welcome', 'ephemeral']);

const PHONE_DIGITS = /^\d{5,20}$/;
/** BSUIDs look like `US.13491208655302741918` or `US.ENT.11815799212886844830`; accepted loosely. */
const USER_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,190}$/;
const USERNAME = /^@?[\p{L}\p{N}._-]{1,64}$/u;
const MAX_SOURCE = 200;

function describe(error: z.ZodError, prefix: (string | number)[] = []): string {
  return error.issues
    .slice(0, 5)
    .map((issue) => `${[...prefix, ...issue.path].join('.') || 'body'}: ${issue.message}`)
    .join('; ');
}

/** The lead `source` for a Click-to-WhatsApp ad: `ad:<source_id>`, else `ad:<headline>`, else `ad:<url>`. */
export function referralSource(referral: z.infer<typeof ReferralSchema>): string {
  const label = referral.source_id?.trim() || referral.headline?.trim() || referral.source_url?.trim();
  return (label ? `ad:${label}` : 'ad').slice(0, MAX_SOURCE);
}

type Contact = z.infer<typeof ContactSchema>;
type Message = z.infer<typeof MessageSchema>;

function personOf(message: Message, contacts: Contact[]): WhatsAppPerson | string {
  const contact =
    contacts.find(
      (c) =>
        (message.from !== undefined && c.wa_id === message.from) ||
        (message.from_user_id !== undefined && c.user_id === message.from_user_id),
    ) ?? (contacts.length === 1 ? contacts[0] : undefined);
  const waId = contact?.wa_id ?? message.from;
  const bsuid = contact?.user_id ?? message.from_user_id;
  const rawUsername = contact?.profile?.username?.trim();
  if (waId !== undefined && !PHONE_DIGITS.test(waId)) return 'wa_id/from must be the phone number digits';
  if (bsuid !== undefined && !USER_ID.test(bsuid))
    return 'user_id/from_user_id is not a business-scoped user id';
  if (rawUsername !== undefined && rawUsername !== '' && !USERNAME.test(rawUsername))
    return 'profile.username has characters a WhatsApp username cannot have';
  const username = rawUsername ? rawUsername.replace(/^@/, '') : undefined;
  const userId = bsuid ?? waId ?? (username ? `@${username}` : undefined);
  if (!userId)
    return 'no sender: expected messages[].from, from_user_id or a contact with wa_id, user_id or a username';
  const name = contact?.profile?.name?.trim();
  return {
    userId,
    ...(waId ? { phone: `+${waId}` } : {}),
    ...(bsuid ? { bsuid } : {}),
    ...(username ? { username } : {}),
    ...(name ? { name } : {}),
  };
}

/** The text a person wrote or chose: typed text, a reply button / list row title, a quick-reply button. */
function textOf(message: Message): string | undefined {
  switch (message.type) {
    case 'text':
      return message.text?.body;
    case 'button':
      return message.button?.text;
    case 'interactive':
      if (message.interactive?.type === 'button_reply') return message.interactive.button_reply?.title;
      if (message.interactive?.type === 'list_reply') return message.interactive.list_reply?.title;
      return undefined;
    default:
      return undefined;
  }
}

/**
 * Validates a webhook body (already JSON-parsed) and extracts what leadbot acts on. Everything is
 * validated before anything is returned, so a malformed delivery is refused as a whole (nothing
 * half-processed). Fields other than `messages`, reactions and system notices are skipped.
 */
export function safeParseWebhook(json: unknown): ParseResult {
  const envelope = WebhookPayloadSchema.safeParse(json);
  if (!envelope.success) return { success: false, error: describe(envelope.error) };
  const result: ParsedWebhook = { messages: [], statuses: [], errorCodes: [], ignored: 0 };
  for (const [e, entry] of envelope.data.entry.entries()) {
    for (const [c, change] of entry.changes.entries()) {
      if (change.field !== 'messages') {
        result.ignored++;
        continue;
      }
      const path = ['entry', e, 'changes', c, 'value'];
      const value = MessagesValueSchema.safeParse(change.value);
      if (!value.success) return { success: false, error: describe(value.error, path) };
      const { contacts = [], messages = [], statuses = [], errors = [], metadata } = value.data;
      const phoneNumberId = metadata?.phone_number_id;
      for (const [m, message] of messages.entries()) {
        if (SILENT_TYPES.has(message.type)) {
          result.ignored++;
          continue;
        }
        const person = personOf(message, contacts);
        if (typeof person === 'string')
          return { success: false, error: `${[...path, 'messages', m].join('.')}: ${person}` };
        const base = { id: message.id, person, ...(phoneNumberId ? { phoneNumberId } : {}) };
        const text = textOf(message);
        if (text === undefined) {
          result.messages.push({ kind: 'unsupported', ...base, type: message.type });
          continue;
        }
        result.messages.push({
          kind: 'text',
          ...base,
          text,
          ...(message.referral ? { referralSource: referralSource(message.referral) } : {}),
        });
      }
      for (const status of statuses) {
        result.statuses.push({
          ...(status.id ? { id: status.id } : {}),
          status: status.status,
          errorCodes: (status.errors ?? []).flatMap((err) => (err.code === undefined ? [] : [err.code])),
        });
      }
      for (const err of errors) if (err.code !== undefined) result.errorCodes.push(err.code);
    }
  }
  return { success: true, data: result };
}
