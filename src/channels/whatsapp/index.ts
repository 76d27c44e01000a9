import { ConfigError } from '../../errors.ts';
import type { ChannelDeps, MessagingChannel } from '../messaging.ts';
import { WhatsAppOutbound } from './outbound.ts';
import { GraphSender } from './sender.ts';
import { WEBHOOK_PATH, WhatsAppWebhook } from './webhook.ts';
import { ServiceWindow } from './window.ts';

/** How long `close()` waits for replies still being sent. */
const CLOSE_TIMEOUT_MS = 10_000;

/**
 * The WhatsApp Cloud API channel: webhook `GET`/`POST /webhooks/whatsapp` in, Graph API
 * `/{phone-number-id}/messages` out. On when `LEADBOT_WHATSAPP_TOKEN`,
 * `LEADBOT_WHATSAPP_PHONE_NUMBER_ID`, `LEADBOT_WHATSAPP_APP_SECRET` and
 * `LEADBOT_WHATSAPP_VERIFY_TOKEN` are all set; otherwise off after one log line naming what is missing.
 */
export function createWhatsAppChannel(deps: ChannelDeps): MessagingChannel | undefined {
  const { secrets, channels, defaultTenant } = deps.config;
  const required = {
    LEADBOT_WHATSAPP_TOKEN: secrets.whatsappToken,
    LEADBOT_WHATSAPP_PHONE_NUMBER_ID: secrets.whatsappPhoneNumberId,
    LEADBOT_WHATSAPP_APP_SECRET: secrets.whatsappAppSecret,
    LEADBOT_WHATSAPP_VERIFY_TOKEN: secrets.whatsappVerifyToken,
  };
  const missing = Object.entries(required)
    .filter(([, value]) => !value)
    .map(([name]) => name);
  const { whatsappToken, whatsappPhoneNumberId, whatsappAppSecret, whatsappVerifyToken } = secrets;
  if (!whatsappToken || !whatsappPhoneNumberId || !whatsappAppSecret || !whatsappVerifyToken) {
    deps.log.info(
      { channel: 'whatsapp', missing },
      `WhatsApp Cloud channel off: set ${missing.join(', ')} to turn it on (see docs/channels/whatsapp.md)`,
    );
    return undefined;
  }
  const settings = channels.whatsapp;
  const tenantId = settings.tenant ?? defaultTenant;
  const tenant = deps.intake.tenants.get(tenantId);
  if (!tenant) {
    throw new ConfigError(
      `channels.whatsapp.tenant is '${tenantId}', which is not a configured tenant. Configured: ${[...deps.intake.tenants.keys()].join(', ')}.`,
    );
  }
  const log = deps.log.child({ component: 'whatsapp' });
  const window = new ServiceWindow(deps.store, deps.clock);
  const outbound = new WhatsAppOutbound({
    sender: new GraphSender({
      apiBase: settings.apiBase,
      apiVersion: settings.apiVersion,
      phoneNumberId: whatsappPhoneNumberId,
      token: whatsappToken,
      log,
    }),
    window,
    clock: deps.clock,
    log,
    ...(settings.windowTemplate ? { template: settings.windowTemplate } : {}),
  });
  const webhook = new WhatsAppWebhook({
    intake: deps.intake,
    store: deps.store,
    log,
    tenantId,
    language: tenant.defaultLanguage,
    appSecret: whatsappAppSecret,
    verifyToken: whatsappVerifyToken,
    phoneNumberId: whatsappPhoneNumberId,
    outbound,
    window,
  });
  webhook.register(deps.app);
  // Subscribed now, so no reply can slip past between `listen` and `start`.
  const unsubscribe = deps.intake.bus.subscribeOutbound((event) => outbound.handle(event));
  let closed = false;

  return {
    name: 'whatsapp',
    start() {
      const url = channels.publicUrl
        ? `${channels.publicUrl.replace(/\/+$/, '')}${WEBHOOK_PATH}`
        : WEBHOOK_PATH;
      log.info(
        {
          channel: 'whatsapp',
          webhook: url,
          tenant: tenantId,
          apiBase: settings.apiBase,
          apiVersion: settings.apiVersion,
          windowTemplate: settings.windowTemplate?.name ?? null,
        },
        'WhatsApp Cloud channel on',
      );
      return Promise.resolve();
    },
    async close() {
      if (closed) return;
      closed = true;
      unsubscribe();
      await outbound.close(CLOSE_TIMEOUT_MS);
    },
    status() {
      return {
        mode: 'webhook',
        path: WEBHOOK_PATH,
        tenant: tenantId,
        ...webhook.stats,
        ...outbound.counts,
        queued: outbound.queued,
        windowTemplate: settings.windowTemplate?.name ?? null,
      };
    },
  };
}
