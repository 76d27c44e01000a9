import { ClientError } from '../../errors.ts';
import type { InboundMessage } from '../../protocol/index.ts';
import { param, type FormParams } from './form.ts';

/** What one Twilio webhook request is, once its signature has been checked. */
export type TwilioInbound =
  /** A delivery status callback (sent / delivered / read / failed): acknowledged and ignored. */
  | { kind: 'status'; messageSid?: string; status: string }
  /** A person's message with text (typed, or a quick-reply button). */
  | {
      kind: 'text';
      messageSid: string;
      userId: string;
      text: string;
      profile: NonNullable<InboundMessage['profile']>;
      source?: string;
    }
  /** A message leadbot cannot read (media only, location…): the person is told to type. */
  | { kind: 'unsupported'; messageSid: string; userId: string; numMedia: number }
  /** A message with nothing in it (e.g. a reaction): acknowledged, nothing queued. */
  | { kind: 'empty'; messageSid: string; userId: string };

/** Twilio message SIDs (`SM…`, `MM…`) and the like: letters and digits. */
const SID = /^[A-Za-z0-9_-]{2,64}$/;
/** A WhatsApp id: the phone number in international form, digits only. */
const WA_ID = /^\d{5,20}$/;

function invalid(detail: string): ClientError {
  return new ClientError(
    'invalid_message',
    `Not a Twilio WhatsApp message webhook: ${detail}. Expected form fields From=whatsapp:+<number> and MessageSid.`,
  );
}

/** The person's id: WaId digits, else the number in `From` (`whatsapp:+<digits>`) without prefix. */
function userIdOf(params: FormParams): string {
  const from = param(params, 'From')?.trim();
  if (!from) throw invalid('From is missing');
  const waId = param(params, 'WaId')?.trim();
  if (waId && WA_ID.test(waId)) return waId;
  const match = /^whatsapp:\+?(\d{5,20})$/i.exec(from.replace(/[\s()-]/g, ''));
  if (!match?.[1]) {
    throw invalid(
      /^whatsapp:/i.test(from)
        ? 'From is not a phone number'
        : 'From is not a WhatsApp address (SMS is not handled)',
    );
  }
  return match[1];
}

/** Click-to-WhatsApp ad referral, recorded as the lead's `source`. */
function referralOf(params: FormParams): string | undefined {
  const id = param(params, 'ReferralSourceId')?.trim();
  const url = param(params, 'ReferralSourceUrl')?.trim();
  if (!id && !url) return undefined;
  const type = param(params, 'ReferralSourceType')?.trim() || 'ad';
  return `${type}:${id || url}`.slice(0, 500);
}

/**
 * Classifies and normalises a Twilio webhook body. Throws `invalid_message` (400) when it is neither a
 * status callback nor a message with `From` and `MessageSid`.
 */
export function parseTwilioInbound(params: FormParams): TwilioInbound {
  const status = param(params, 'MessageStatus') ?? param(params, 'SmsStatus');
  const messageSid = param(params, 'MessageSid')?.trim() || param(params, 'SmsMessageSid')?.trim();
  // Inbound messages always carry Body (possibly empty, with SmsStatus=received); callbacks never do.
  if (status && param(params, 'Body') === undefined && status.toLowerCase() !== 'received') {
    return { kind: 'status', status, ...(messageSid ? { messageSid } : {}) };
  }
  if (!messageSid) throw invalid('MessageSid is missing');
  if (!SID.test(messageSid)) throw invalid('MessageSid is not a Twilio SID');
  const userId = userIdOf(params);

  const typed = param(params, 'Body') ?? '';
  const button = param(params, 'ButtonText') ?? param(params, 'ButtonPayload') ?? '';
  const text = typed.trim() ? typed : button;
  const numMedia = Number.parseInt(param(params, 'NumMedia') ?? '0', 10) || 0;
  if (text.trim()) {
    const name = param(params, 'ProfileName')?.trim();
    const source = referralOf(params);
    return {
      kind: 'text',
      messageSid,
      userId,
      text,
      profile: { ...(name ? { name } : {}), phone: `+${userId}` },
      ...(source ? { source } : {}),
    };
  }
  const located = param(params, 'Latitude') !== undefined || param(params, 'Longitude') !== undefined;
  if (numMedia > 0 || located) return { kind: 'unsupported', messageSid, userId, numMedia };
  return { kind: 'empty', messageSid, userId };
}
