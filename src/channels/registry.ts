import type { ChannelDeps, MessagingChannel } from './messaging.ts';
import { createTelegramChannel } from './telegram/index.ts';
import { createTwilioChannel } from './twilio/index.ts';
import { createWhatsAppChannel } from './whatsapp/index.ts';

/** Every messaging channel whose credentials are set; the others log how to turn them on. */
export function createMessagingChannels(deps: ChannelDeps): MessagingChannel[] {
  return [createTelegramChannel(deps), createWhatsAppChannel(deps), createTwilioChannel(deps)].filter(
    (channel): channel is MessagingChannel => channel !== undefined,
  );
}
