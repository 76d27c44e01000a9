import { ConfigError } from '../../errors.ts';
import type { ChannelDeps, ChannelPlugin, MessagingChannel } from '../channel.ts';
import { WhatsAppOutbound } from './outbound.ts';
import { GraphSender } from './sender.ts';
import { WEBHOOK_PATH, WhatsAppWebhook } from './webhook.ts';
import { ServiceWindow } from './window.ts';

/** How long `close()` waits for replies still being sent. */
const CLOSE_TIMEOUT_MS = 10_000;

type Secrets = ChannelDeps['config']['secrets'];
type Credentials = { token: string; phoneNumberId: string; appSecret: string; verifyToken: string };

/** The four credentials, or undefined after one log line naming what is missing. */
function credentials(secrets: Secrets, log: ChannelDeps['log']): Credentials | undefined {
  const { whatsappToken: token, whatsappPhoneNumberId: phoneNumberId } = secrets;
  const { whatsappAppSecret: appSecret, whatsappVerifyToken: verifyToken } = secrets;
  if (token && phoneNumberId && appSecret && verifyToken)
    return { token, phoneNumberId, appSecret, verifyToken };
  const required = {
    LEADBOT_WHATSAPP_TOKEN: token,
    LEADBOT_WHATSAPP_PHONE_NUMBER_ID: phoneNumberId,
    LEADBOT_WHATSAPP_APP_SECRET: appSecret,
    LEADBOT_WHATSAPP_VERIFY_TOKEN: verifyToken,
  };
  const missing = Object.entries(required)
    .filter(([, value]) => !value)
    .map(([name]) => name);
  log.info(
    { channel: 'whatsapp', missing },
    `WhatsApp Cloud channel off: set ${missing.join(', ')} to turn it on (see docs/channels/whatsapp.md)`,
  );
  return undefined;
}

function outboundFor(deps: ChannelDeps, creds: Credentials, window: ServiceWindow, log: ChannelDeps['log']) {
  const settings = deps.config.channels.whatsapp;
  return new WhatsAppOutbound({
    sender: new GraphSender({
      apiBase: settings.apiBase,
      apiVersion: settings.apiVersion,
      phoneNumberId: creds.phoneNumberId,
      token: creds.token,
      log,
    }),
    window,
    clock: deps.clock,
    log,
    ...(settings.windowTemplate ? { template: settings.windowTemplate } : {}),
  });
}

/** The running channel: start logs where the webhook is, close waits for replies in flight. */
function channelOf(
  deps: ChannelDeps,
  parts: { tenantId: string; outbound: WhatsAppOutbound; webhook: WhatsAppWebhook; log: ChannelDeps['log'] },
): MessagingChannel {
  const { tenantId, outbound, webhook, log } = parts;
  const { channels } = deps.config;
  const settings = channels.whatsapp;
  // Subscribed now, so no reply can slip past between `listen` and `start`.
  const unsubscribe = deps.intake.bus.subscribeOutbound((event) => outbound.handle(event));
  let closed = false;
  return {
    name: 'whatsapp',
    start() {
      const url = channels.publicUrl
        ? `${channels.publicUrl.replace(/\/+$/, '')}${WEBHOOK_PATH}`
        : WEBHOOK_PATH;
      const { apiBase, apiVersion } = settings;
      const windowTemplate = settings.windowTemplate?.name ?? null;
      log.info(
        { channel: 'whatsapp', webhook: url, tenant: tenantId, apiBase, apiVersion, windowTemplate },
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
    status: () => ({
      mode: 'webhook',
      path: WEBHOOK_PATH,
      tenant: tenantId,
      ...webhook.stats,
      ...outbound.counts,
      queued: outbound.queued,
      windowTemplate: settings.windowTemplate?.name ?? null,
    }),
  };
}

/**
 * The WhatsApp Cloud API channel: webhook `GET`/`POST /webhooks/whatsapp` in, Graph API
 * `/{phone-number-id}/messages` out. On when `LEADBOT_WHATSAPP_TOKEN`,
 * `LEADBOT_WHATSAPP_PHONE_NUMBER_ID`, `LEADBOT_WHATSAPP_APP_SECRET` and
 * `LEADBOT_WHATSAPP_VERIFY_TOKEN` are all set; otherwise off after one log line naming what is missing.
 */
export function createWhatsAppChannel(deps: ChannelDeps): MessagingChannel | undefined {
  const creds = credentials(deps.config.secrets, deps.log);
  if (!creds) return undefined;
  const tenantId = deps.config.channels.whatsapp.tenant ?? deps.config.defaultTenant;
  const tenant = deps.intake.tenants.get(tenantId);
  if (!tenant) {
    throw new ConfigError(
      `channels.whatsapp.tenant is '${tenantId}', which is not a configured tenant. Configured: ${[...deps.intake.tenants.keys()].join(', ')}.`,
    );
  }
  const log = deps.log.child({ component: 'whatsapp' });
  const window = new ServiceWindow(deps.store, deps.clock);
  const outbound = outboundFor(deps, creds, window, log);
  const webhook = new WhatsAppWebhook({
    intake: deps.intake,
    store: deps.store,
    log,
    tenantId,
    language: tenant.defaultLanguage,
    appSecret: creds.appSecret,
    verifyToken: creds.verifyToken,
    phoneNumberId: creds.phoneNumberId,
    outbound,
    window,
  });
  webhook.register(deps.app);
  return channelOf(deps, { tenantId, outbound, webhook, log });
}

/** The whatsapp channel as a plug-in of the channel registry. */
export const whatsappChannel: ChannelPlugin = { name: 'whatsapp', create: createWhatsAppChannel };
