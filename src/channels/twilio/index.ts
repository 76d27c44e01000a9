import { ConfigError } from '../../errors.ts';
import type { OutboundEvent } from '../../protocol/index.ts';
import type { ChannelDeps, ChannelPlugin, MessagingChannel } from '../channel.ts';
import { formatForWhatsApp } from './format.ts';
import { TwilioSender } from './sender.ts';
import { TwimlWaits } from './twiml-waits.ts';
import { TWILIO_WEBHOOK_PATH, registerTwilioWebhook } from './webhook.ts';

/** Twilio closes a webhook request after 15 s; a TwiML answer must come before. */
const TWIML_MAX_WAIT_MS = 14_000;
/** How long `close()` waits for queued replies. */
const CLOSE_TIMEOUT_MS = 10_000;

/**
 * The sender number as Twilio wants it, `whatsapp:+<digits>`, from `+14155238886`,
 * `whatsapp:+14155238886` or `+1 415 523 8886`; undefined when it is not a phone number.
 */
export function normaliseWhatsAppNumber(value: string): string | undefined {
  const digits = /^(?:whatsapp:)?\s*\+?([\d\s().-]{5,30})$/i.exec(value.trim())?.[1]?.replace(/\D/g, '');
  return digits && /^[1-9]\d{4,14}$/.test(digits) ? `whatsapp:+${digits}` : undefined;
}

/** Account SID, auth token and sender number, or undefined after one log line naming what is missing. */
function credentials(deps: ChannelDeps) {
  const {
    twilioAccountSid: accountSid,
    twilioAuthToken: authToken,
    twilioWhatsappNumber,
  } = deps.config.secrets;
  if (accountSid && authToken && twilioWhatsappNumber) {
    const from = normaliseWhatsAppNumber(twilioWhatsappNumber);
    if (from) return { accountSid, authToken, from };
    throw new ConfigError(
      'LEADBOT_TWILIO_WHATSAPP_NUMBER must be the WhatsApp sender number in international form, e.g. +14155238886 or whatsapp:+14155238886.',
    );
  }
  const missing = [
    accountSid ? undefined : 'LEADBOT_TWILIO_ACCOUNT_SID',
    authToken ? undefined : 'LEADBOT_TWILIO_AUTH_TOKEN',
    twilioWhatsappNumber ? undefined : 'LEADBOT_TWILIO_WHATSAPP_NUMBER',
  ].filter((name) => name !== undefined);
  deps.log.info(
    { channel: 'twilio', missing },
    `Twilio WhatsApp channel off: set ${missing.join(', ')} to turn it on (webhook POST ${TWILIO_WEBHOOK_PATH})`,
  );
  return undefined;
}

/** Replies of this channel go out through REST, unless a TwiML answer still waits for them. */
function relayReplies(
  deps: ChannelDeps,
  waits: TwimlWaits,
  deliver: (u: string, b: string[], k: string) => void,
) {
  return deps.intake.bus.subscribeOutbound((event: OutboundEvent) => {
    if (event.channel !== 'twilio') return;
    if (event.type === 'turn.completed') waits.completed(event.inReplyTo);
    if (event.type === 'turn.refused') {
      // Not kept (the disk is full): the person is asked to write again.
      waits.completed(event.inReplyTo);
      deliver(event.userId, [event.text], `refused-${event.inReplyTo}`);
      return;
    }
    if (event.type !== 'bot.message' || waits.hold(event)) return;
    deliver(event.userId, formatForWhatsApp(event.text), event.id);
  });
}

/**
 * The Twilio WhatsApp channel: `POST /webhooks/twilio` (form-encoded, `X-Twilio-Signature` checked)
 * feeds the runtime; replies go out through Twilio's Messages API (`rest`, the default) or in the
 * webhook's TwiML answer (`twiml`). Off, with one log line, unless `LEADBOT_TWILIO_ACCOUNT_SID`,
 * `LEADBOT_TWILIO_AUTH_TOKEN` and `LEADBOT_TWILIO_WHATSAPP_NUMBER` are set.
 */
export function createTwilioChannel(deps: ChannelDeps): MessagingChannel | undefined {
  const { config, intake } = deps;
  const creds = credentials(deps);
  if (!creds) return undefined;
  const settings = config.channels.twilio;
  const tenantId = settings.tenant ?? config.defaultTenant;
  if (!intake.tenants.has(tenantId)) {
    throw new ConfigError(
      `channels.twilio.tenant is '${tenantId}', which is not a configured tenant. Configured: ${[...intake.tenants.keys()].join(', ')}.`,
    );
  }
  const log = deps.log.child({ component: 'twilio' });
  const sender = new TwilioSender({ apiBase: settings.apiBase, ...creds, log });
  const waits = new TwimlWaits();
  const counts = { received: 0, duplicates: 0, ignored: 0, badSignatures: 0 };
  const deliver = (userId: string, bodies: string[], key: string) => {
    bodies.forEach((body, i) =>
      sender.send(`whatsapp:+${userId}`, body, bodies.length > 1 ? `${key}-${i + 1}` : key),
    );
  };
  const publicUrl = config.channels.publicUrl;
  registerTwilioWebhook(deps.app, {
    intake,
    tenantId,
    authToken: creds.authToken,
    ...(publicUrl ? { publicUrl } : {}),
    mode: settings.reply,
    waitMs: Math.min(config.server.restReplyTimeoutMs, TWIML_MAX_WAIT_MS),
    waits,
    deliver,
    log,
    counts,
  });
  // Subscribed now, not in start(): a webhook may arrive as soon as the server listens.
  const unsubscribe = relayReplies(deps, waits, deliver);
  const signedUrl = publicUrl ? 'LEADBOT_PUBLIC_URL + path' : 'the URL as requested';
  log.info(
    { channel: 'twilio', reply: settings.reply, tenant: tenantId, signedUrl },
    `Twilio WhatsApp channel on: webhook POST ${TWILIO_WEBHOOK_PATH}`,
  );
  return {
    name: 'twilio',
    start: () => Promise.resolve(),
    async close() {
      unsubscribe();
      waits.clear();
      await sender.close(CLOSE_TIMEOUT_MS);
    },
    status: () => ({
      reply: settings.reply,
      signed_url: publicUrl ? 'public_url' : 'request_url',
      received: counts.received,
      duplicates: counts.duplicates,
      ignored: counts.ignored,
      bad_signatures: counts.badSignatures,
      ...sender.stats(),
    }),
  };
}

/** The twilio channel as a plug-in of the channel registry. */
export const twilioChannel: ChannelPlugin = { name: 'twilio', create: createTwilioChannel };
