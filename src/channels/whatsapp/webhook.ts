import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ClientError, LeadbotError, OverloadedError, errorMessage, type ErrorCode } from '../../errors.ts';
import type { Logger } from '../../logger.ts';
import type { Language } from '../../protocol/index.ts';
import type { Store } from '../../ports/store.ts';
import { conversationIdFor, submit, type Intake } from '../intake.ts';
import { notice } from './notices.ts';
import type { WhatsAppOutbound } from './outbound.ts';
import { safeParseWebhook, type WhatsAppInbound, type WhatsAppStatus } from './parse.ts';
import { SIGNATURE_HEADER, verifySignature, verifyTokenMatches } from './signature.ts';
import type { ServiceWindow } from './window.ts';

/** Where Meta calls us (GET: verification, POST: notifications). */
export const WEBHOOK_PATH = '/webhooks/whatsapp';

/** Longest `wa.me` prefilled text kept as the lead's source. */
const MAX_PREFILL_SOURCE = 200;
/** What a `hub.challenge` may hold (Meta sends digits); anything else is not echoed back. */
const CHALLENGE = /^[A-Za-z0-9_.~-]{1,256}$/;

export interface WebhookStats {
  accepted: number;
  duplicates: number;
  unsupported: number;
  /** Empty texts (nothing to answer). */
  ignored: number;
  statuses: number;
  badSignatures: number;
  otherNumber: number;
  refused: number;
}

export interface WhatsAppWebhookOptions {
  intake: Intake;
  store: Pick<Store, 'getHistory'>;
  log: Logger;
  tenantId: string;
  /** Language the channel's own notices start with. */
  language: Language;
  appSecret: string;
  verifyToken: string;
  phoneNumberId: string;
  outbound: WhatsAppOutbound;
  window: ServiceWindow;
}

/** What one delivery's messages came to. */
interface Outcome {
  accepted: number;
  duplicates: number;
  unsupported: number;
  ignored: number;
  /** The first error that kept a message from being queued (the delivery must be retried). */
  failure?: unknown;
  failed: number;
}

/**
 * The WhatsApp Cloud API webhook: `GET` answers Meta's verification, `POST` checks
 * `X-Hub-Signature-256` over the raw body before anything else, validates the payload, hands every
 * message to `submit` and answers as soon as they are queued (the model turn runs afterwards).
 */
export class WhatsAppWebhook {
  readonly stats: WebhookStats = {
    accepted: 0,
    duplicates: 0,
    unsupported: 0,
    ignored: 0,
    statuses: 0,
    badSignatures: 0,
    otherNumber: 0,
    refused: 0,
  };

  constructor(private readonly options: WhatsAppWebhookOptions) {}

  /** Registers both routes in their own plugin scope, where every body is kept as raw bytes. */
  register(app: FastifyInstance): void {
    void app.register((scope, _opts, done) => {
      scope.removeAllContentTypeParsers();
      scope.addContentTypeParser('*', { parseAs: 'buffer' }, (_request, body, next) => next(null, body));
      scope.get(WEBHOOK_PATH, (request, reply) => this.verify(request, reply));
      scope.post(WEBHOOK_PATH, (request, reply) => this.receive(request, reply));
      done();
    });
  }

  private verify(request: FastifyRequest, reply: FastifyReply): FastifyReply {
    const query = request.query as Record<string, unknown>;
    const mode = query['hub.mode'];
    const token = query['hub.verify_token'];
    const challenge = query['hub.challenge'];
    if (typeof mode !== 'string' || typeof token !== 'string' || typeof challenge !== 'string') {
      throw new ClientError(
        'invalid_message',
        'Webhook verification needs the query parameters hub.mode=subscribe, hub.verify_token and hub.challenge (Meta sends them when you save the callback URL).',
      );
    }
    if (mode !== 'subscribe')
      throw new ClientError('invalid_message', 'hub.mode must be "subscribe" for webhook verification.');
    if (!CHALLENGE.test(challenge))
      throw new ClientError('invalid_message', 'hub.challenge must be 1-256 letters, digits or _.~-');
    if (!verifyTokenMatches(this.options.verifyToken, token)) {
      this.options.log.warn(
        { channel: 'whatsapp' },
        'WhatsApp webhook verification with a wrong verify token',
      );
      throw new ClientError(
        'bad_signature',
        'hub.verify_token does not match LEADBOT_WHATSAPP_VERIFY_TOKEN: enter the same token in the Meta app dashboard.',
        { status: 403 },
      );
    }
    this.options.log.info({ channel: 'whatsapp' }, 'WhatsApp webhook verified by Meta');
    return reply.type('text/plain; charset=utf-8').send(challenge);
  }

  private async receive(request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
    const { log } = this.options;
    const raw = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
    if (!verifySignature(this.options.appSecret, request.headers[SIGNATURE_HEADER], raw)) {
      this.stats.badSignatures++;
      log.warn({ channel: 'whatsapp' }, 'WhatsApp webhook refused: X-Hub-Signature-256 missing or wrong');
      throw new ClientError(
        'bad_signature',
        'X-Hub-Signature-256 is missing or is not the HMAC-SHA256 of the body with the app secret (LEADBOT_WHATSAPP_APP_SECRET); nothing was processed.',
        { status: 401 },
      );
    }
    let json: unknown;
    try {
      json = JSON.parse(raw.toString('utf8'));
    } catch (cause) {
      throw new ClientError('bad_json', 'The body is not valid JSON.', { cause });
    }
    // Validated by the schema before anything is used.
    const parsed = safeParseWebhook(json);
    if (!parsed.success)
      throw new ClientError('invalid_message', `Not a WhatsApp Cloud API webhook payload. ${parsed.error}`);
    const { messages, statuses, errorCodes } = parsed.data;
    this.noteStatuses(statuses);
    if (errorCodes.length)
      log.warn({ channel: 'whatsapp', codes: errorCodes }, 'WhatsApp webhook reported errors');
    const outcome = await this.accept(messages);
    if (outcome.failure !== undefined) {
      this.stats.refused++;
      const code: ErrorCode =
        outcome.failure instanceof LeadbotError ? outcome.failure.code : 'internal_error';
      if (outcome.failure instanceof OverloadedError)
        reply.header('retry-after', String(outcome.failure.retryAfterS));
      return reply.code(503).send({
        error: {
          code,
          message: `${outcome.failed} message(s) could not be queued; retry the delivery (messages already queued are recognised and not answered twice).`,
        },
      });
    }
    return reply.send({
      status: 'ok',
      accepted: outcome.accepted,
      duplicates: outcome.duplicates,
      unsupported: outcome.unsupported,
      statuses: statuses.length,
    });
  }

  private noteStatuses(statuses: WhatsAppStatus[]): void {
    this.stats.statuses += statuses.length;
    for (const status of statuses) {
      if (status.status === 'failed') {
        this.options.log.warn(
          { channel: 'whatsapp', messageId: status.id, codes: status.errorCodes },
          'WhatsApp reports that a message we sent was not delivered',
        );
      }
    }
  }

  /** Queues every message in order; after a failure, later messages of that person wait for the retry. */
  private async accept(messages: WhatsAppInbound[]): Promise<Outcome> {
    const { log, tenantId, phoneNumberId } = this.options;
    const outcome: Outcome = { accepted: 0, duplicates: 0, unsupported: 0, ignored: 0, failed: 0 };
    const blocked = new Set<string>();
    for (const message of messages) {
      if (message.phoneNumberId !== undefined && message.phoneNumberId !== phoneNumberId) {
        this.stats.otherNumber++;
        log.warn(
          { channel: 'whatsapp', messageId: message.id, phoneNumberId: message.phoneNumberId },
          'WhatsApp message for another business phone number ignored (it is not LEADBOT_WHATSAPP_PHONE_NUMBER_ID)',
        );
        continue;
      }
      const conversationId = conversationIdFor(tenantId, 'whatsapp', message.person.userId);
      if (blocked.has(conversationId)) {
        outcome.failed++;
        continue;
      }
      try {
        this.options.outbound.remember(conversationId, message.person, message.id);
        this.options.window.noteInbound(conversationId);
        const result =
          message.kind === 'text'
            ? await this.acceptText(message, conversationId)
            : this.acceptUnsupported(message, conversationId);
        outcome[result]++;
        this.stats[result]++;
      } catch (error) {
        blocked.add(conversationId);
        outcome.failed++;
        outcome.failure ??= error;
        log.warn(
          {
            channel: 'whatsapp',
            conversationId,
            messageId: message.id,
            code: error instanceof LeadbotError ? error.code : 'internal_error',
            err: error instanceof LeadbotError ? undefined : errorMessage(error),
          },
          'WhatsApp message could not be queued: answering 503 so Meta retries the delivery',
        );
      }
    }
    return outcome;
  }

  private async acceptText(
    message: Extract<WhatsAppInbound, { kind: 'text' }>,
    conversationId: string,
  ): Promise<'accepted' | 'duplicates' | 'unsupported' | 'ignored'> {
    const { intake, store, tenantId, log } = this.options;
    let source = message.referralSource;
    // The first message of a conversation is the `wa.me/<num>?text=…` prefilled text when there was one.
    if (!source && (await store.getHistory(conversationId, 1)).length === 0)
      source = `wa.me:${[...message.text.trim()].slice(0, MAX_PREFILL_SOURCE).join('')}`;
    const { person } = message;
    const profile = {
      ...(person.name ? { name: person.name } : {}),
      ...(person.username ? { username: person.username } : {}),
      ...(person.phone ? { phone: person.phone } : {}),
    };
    try {
      const { duplicate } = await submit(intake, {
        id: message.id,
        tenantId,
        channel: 'whatsapp',
        userId: person.userId,
        text: message.text,
        ...(source ? { source } : {}),
        ...(Object.keys(profile).length ? { profile } : {}),
      });
      return duplicate ? 'duplicates' : 'accepted';
    } catch (error) {
      if (!(error instanceof ClientError)) throw error;
      if (error.code === 'empty_message') {
        log.info(
          { channel: 'whatsapp', conversationId, messageId: message.id },
          'empty WhatsApp message ignored',
        );
        return 'ignored';
      }
      if (error.code === 'message_too_long') {
        return this.notifyOnce(conversationId, message, 'too_long') ? 'unsupported' : 'duplicates';
      }
      throw error;
    }
  }

  /** An image, audio, location…: the person is told we read text only (once per wamid). */
  private acceptUnsupported(
    message: Extract<WhatsAppInbound, { kind: 'unsupported' }>,
    conversationId: string,
  ): 'duplicates' | 'unsupported' {
    this.options.log.info(
      { channel: 'whatsapp', conversationId, messageId: message.id, type: message.type },
      'WhatsApp message that is not text: telling the person we read text only',
    );
    return this.notifyOnce(conversationId, message, 'unsupported') ? 'unsupported' : 'duplicates';
  }

  /** Sends a notice unless this wamid was already answered (a retried delivery). */
  private notifyOnce(
    conversationId: string,
    message: WhatsAppInbound,
    kind: 'unsupported' | 'too_long',
  ): boolean {
    const { intake } = this.options;
    const now = intake.clock.now();
    if (intake.dedupe?.checkAndRecord(conversationId, message.id, now)) return false;
    intake.dedupe?.confirm(conversationId, message.id, now);
    this.options.outbound.notify(conversationId, message.person.userId, notice(kind, this.options.language));
    return true;
  }
}
