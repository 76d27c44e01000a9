import { Bot, type Api } from 'grammy';
import type { TenantConfig } from '../../config/tenant.ts';
import { ClientError, ShuttingDownError, errorMessage } from '../../errors.ts';
import type { Logger } from '../../logger.ts';
import { grammySignal } from './signal.ts';
import type { OutboundEvent } from '../../protocol/index.ts';
import { conversationIdFor, submit } from '../intake.ts';
import type { ChannelDeps, MessagingChannel } from '../channel.ts';
import { TelegramPoller } from './poller.ts';
import { TelegramSender } from './sender.ts';
import { NOTICES, TelegramUpdateSchema, readUpdate, type TelegramUpdate } from './update.ts';
import { TELEGRAM_WEBHOOK_PATH, registerTelegramWebhook } from './webhook.ts';

export interface TelegramChannelOptions {
  token: string;
  /** Webhook mode with this secret token; long polling when absent. */
  webhookSecret?: string;
  tenant: TenantConfig;
  /** How long `close()` waits for queued replies (default 10 s). */
  closeTimeoutMs?: number;
}

/**
 * The Telegram channel: private text messages from long polling or `POST /webhooks/telegram` go to
 * the runtime through `submit`; the runtime's `bot.message` / `bot.typing` events for this channel go
 * back through the Bot API (grammY's client, at `LEADBOT_TELEGRAM_API_ROOT`).
 */
export class TelegramChannel implements MessagingChannel {
  readonly name = 'telegram' as const;
  private readonly api: Api;
  private readonly log: Logger;
  private readonly sender: TelegramSender;
  private readonly poller: TelegramPoller | undefined;
  private readonly unsubscribe: () => void;
  private readonly counts = { received: 0, duplicates: 0, ignored: 0, notices: 0, malformed: 0 };
  private webhook: 'not set' | 'set' | 'failed' = 'not set';
  private closed = false;

  constructor(
    private readonly deps: ChannelDeps,
    private readonly options: TelegramChannelOptions,
  ) {
    this.log = deps.log.child({ channel: 'telegram' });
    const apiRoot = deps.config.channels.telegram.apiRoot.replace(/\/+$/, '');
    // The client timeout outlasts a 30 s long poll.
    this.api = new Bot(options.token, { client: { apiRoot, timeoutSeconds: 60 } }).api;
    this.sender = new TelegramSender({ api: this.api, log: this.log });
    const secret = options.webhookSecret;
    if (secret) {
      registerTelegramWebhook(deps.app, { secret, receive: (update) => this.receive(update) });
    } else {
      this.poller = new TelegramPoller({
        api: this.api,
        log: this.log,
        handle: (update) => this.receivePolled(update),
      });
    }
    // Subscribed at once: a webhook may be answered before start() runs.
    this.unsubscribe = deps.intake.bus.subscribeOutbound((event) => this.onOutbound(event));
  }

  get mode(): 'polling' | 'webhook' {
    return this.poller ? 'polling' : 'webhook';
  }

  async start(): Promise<void> {
    if (this.poller) {
      this.poller.start();
      this.log.info(
        { mode: 'polling', tenant: this.options.tenant.id },
        'Telegram channel on (long polling)',
      );
      return;
    }
    const publicUrl = this.deps.config.channels.publicUrl;
    const secret = this.options.webhookSecret;
    if (!publicUrl || !secret) {
      this.log.info(
        { mode: 'webhook', path: TELEGRAM_WEBHOOK_PATH, tenant: this.options.tenant.id },
        'Telegram channel on (webhook mode). LEADBOT_PUBLIC_URL is not set, so register the webhook yourself: ' +
          'setWebhook with url=https://<public host>/webhooks/telegram and ' +
          'secret_token=<LEADBOT_TELEGRAM_WEBHOOK_SECRET> (see docs/channels/telegram.md)',
      );
      return;
    }
    const url = `${publicUrl.replace(/\/+$/, '')}${TELEGRAM_WEBHOOK_PATH}`;
    try {
      await this.api.setWebhook(
        url,
        { secret_token: secret, allowed_updates: ['message'] },
        grammySignal(AbortSignal.timeout(10_000)),
      );
      this.webhook = 'set';
      this.log.info(
        { mode: 'webhook', url, tenant: this.options.tenant.id },
        'Telegram channel on; webhook set',
      );
    } catch (error) {
      this.webhook = 'failed';
      this.log.error(
        { mode: 'webhook', url, err: errorMessage(error) },
        'Telegram refused setWebhook (Telegram needs a public https URL); no updates arrive until it is set',
      );
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.poller?.stop();
    this.unsubscribe();
    const unfinished = await this.sender.drain(this.options.closeTimeoutMs ?? 10_000);
    if (unfinished > 0)
      this.log.warn({ unfinished }, 'Telegram replies still waiting when shutdown timed out were not sent');
  }

  status(): Record<string, unknown> {
    return {
      mode: this.mode,
      state: this.closed ? 'stopped' : (this.poller?.state ?? 'running'),
      ...(this.poller ? {} : { webhook: this.webhook }),
      ...this.counts,
      ...this.sender.stats(),
    };
  }

  /** A polled update (shape checked here; a malformed one is skipped, never retried forever). */
  private async receivePolled(raw: unknown): Promise<void> {
    const parsed = TelegramUpdateSchema.safeParse(raw);
    if (!parsed.success) {
      this.counts.malformed++;
      this.log.warn({ issues: parsed.error.issues.length }, 'skipped a Telegram update of unexpected shape');
      return;
    }
    await this.receive(parsed.data);
  }

  /**
   * Takes one update. Rejects only when the message could not be queued now (busy, shutting down):
   * the webhook answers with an error so Telegram retries, the poller retries without confirming it.
   */
  private async receive(update: TelegramUpdate): Promise<void> {
    if (this.closed) throw new ShuttingDownError();
    const tenant = this.options.tenant;
    const inbound = readUpdate(update, tenant.defaultLanguage);
    if (inbound.kind === 'ignored') {
      this.counts.ignored++;
      this.log.debug({ updateId: inbound.updateId, reason: inbound.reason }, 'Telegram update ignored');
      return;
    }
    const conversationId = conversationIdFor(tenant.id, 'telegram', inbound.chatId);
    if (inbound.kind === 'not_text') {
      const dedupe = this.deps.intake.dedupe;
      const now = this.deps.clock.now();
      if (dedupe?.checkAndRecord(conversationId, inbound.messageId, now)) {
        this.counts.duplicates++;
        return;
      }
      dedupe?.confirm(conversationId, inbound.messageId, now);
      this.notify(inbound.chatId, NOTICES.notText[inbound.language]);
      return;
    }
    try {
      const { duplicate } = await submit(this.deps.intake, {
        id: inbound.messageId,
        tenantId: tenant.id,
        channel: 'telegram',
        userId: inbound.chatId,
        text: inbound.text,
        ...(inbound.source ? { source: inbound.source } : {}),
        ...(inbound.profile ? { profile: inbound.profile } : {}),
      });
      if (duplicate) this.counts.duplicates++;
      else this.counts.received++;
    } catch (error) {
      // busy / shutting down / internal: not taken, the update must come again.
      if (!(error instanceof ClientError) || error.code === 'busy') throw error;
      this.log.warn({ conversationId, code: error.code }, 'Telegram message refused');
      if (error.code === 'message_too_long') this.notify(inbound.chatId, NOTICES.tooLong[inbound.language]);
    }
  }

  private notify(chatId: string, text: string): void {
    this.counts.notices++;
    this.sender.sendText(chatId, text);
  }

  private onOutbound(event: OutboundEvent): void {
    if (event.channel !== 'telegram' || event.tenantId !== this.options.tenant.id) return;
    // A refused message (the disk is full) gets the request to write again.
    if (event.type === 'bot.message' || event.type === 'turn.refused')
      this.sender.sendText(event.userId, event.text);
    else if (event.type === 'bot.typing') this.sender.sendTyping(event.userId);
  }
}
