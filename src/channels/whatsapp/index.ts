import type { ChannelDeps, MessagingChannel } from '../messaging.ts';

/** The WhatsApp channel (not built yet: always off). */
export function createWhatsAppChannel(deps: ChannelDeps): MessagingChannel | undefined {
  deps.log.info({ channel: 'whatsapp' }, 'WhatsApp channel is not available in this build');
  return undefined;
}
