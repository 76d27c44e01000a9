import type { ChannelDeps, MessagingChannel } from '../messaging.ts';

/** The Telegram channel (not built yet: always off). */
export function createTelegramChannel(deps: ChannelDeps): MessagingChannel | undefined {
  deps.log.info({ channel: 'telegram' }, 'Telegram channel is not available in this build');
  return undefined;
}
