import type { ChannelDeps, MessagingChannel } from '../messaging.ts';

/** The Twilio channel (not built yet: always off). */
export function createTwilioChannel(deps: ChannelDeps): MessagingChannel | undefined {
  deps.log.info({ channel: 'twilio' }, 'Twilio channel is not available in this build');
  return undefined;
}
