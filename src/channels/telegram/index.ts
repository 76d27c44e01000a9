import { ConfigError } from '../../errors.ts';
import type { ChannelDeps, ChannelPlugin, MessagingChannel } from '../channel.ts';
import { TelegramChannel } from './channel.ts';

export { TelegramChannel } from './channel.ts';
export { TELEGRAM_WEBHOOK_PATH } from './webhook.ts';

/**
 * The Telegram channel, on when `LEADBOT_TELEGRAM_TOKEN` is set: long polling, or webhook mode at
 * `POST /webhooks/telegram` when `LEADBOT_TELEGRAM_WEBHOOK_SECRET` is set too.
 */
export function createTelegramChannel(deps: ChannelDeps): MessagingChannel | undefined {
  const { config, intake } = deps;
  const token = config.secrets.telegramToken;
  if (!token) {
    deps.log.info(
      { channel: 'telegram' },
      'Telegram channel off: set LEADBOT_TELEGRAM_TOKEN (from @BotFather) to turn it on; ' +
        'add LEADBOT_TELEGRAM_WEBHOOK_SECRET for webhook mode at POST /webhooks/telegram (polling otherwise)',
    );
    return undefined;
  }
  const tenantId = config.channels.telegram.tenant ?? config.defaultTenant;
  const tenant = intake.tenants.get(tenantId);
  if (!tenant) {
    throw new ConfigError(
      `channels.telegram.tenant is '${tenantId}', which is not a configured tenant. Configured: ${[...intake.tenants.keys()].join(', ')}.`,
    );
  }
  const webhookSecret = config.secrets.telegramWebhookSecret;
  return new TelegramChannel(deps, { token, tenant, ...(webhookSecret ? { webhookSecret } : {}) });
}

/** The telegram channel as a plug-in of the channel registry. */
export const telegramChannel: ChannelPlugin = { name: 'telegram', create: createTelegramChannel };
