import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { ClientError } from '../../errors.ts';
import { TelegramUpdateSchema, type TelegramUpdate } from './update.ts';

/** Where Telegram posts updates in webhook mode. */
export const TELEGRAM_WEBHOOK_PATH = '/webhooks/telegram';

/** The header Telegram sends with the `secret_token` given to `setWebhook`. */
const SECRET_HEADER = 'x-telegram-bot-api-secret-token';

export interface TelegramWebhookOptions {
  /** `LEADBOT_TELEGRAM_WEBHOOK_SECRET`. */
  secret: string;
  /**
   * Takes one update (quickly: it is queued, not answered, before this resolves). Rejecting makes the
   * webhook answer with an error status, so Telegram delivers the update again later.
   */
  receive: (update: TelegramUpdate) => Promise<void>;
}

/**
 * `POST /webhooks/telegram`, in its own plugin scope. The secret token is checked in constant time
 * before the body is even read: a wrong or missing one gets 401 `bad_signature` and nothing is processed.
 */
export function registerTelegramWebhook(app: FastifyInstance, options: TelegramWebhookOptions): void {
  const expected = digest(options.secret);
  void app.register((scope, _options, registered) => {
    scope.addHook('onRequest', (request, _reply, next) => {
      const given = request.headers[SECRET_HEADER];
      // Comparing digests keeps the comparison constant-time whatever the length sent.
      if (typeof given === 'string' && timingSafeEqual(digest(given), expected)) return next();
      next(
        new ClientError(
          'bad_signature',
          'The X-Telegram-Bot-Api-Secret-Token header is missing or wrong; set the webhook with secret_token = LEADBOT_TELEGRAM_WEBHOOK_SECRET.',
          { status: 401 },
        ),
      );
    });
    scope.post(TELEGRAM_WEBHOOK_PATH, async (request) => {
      const parsed = TelegramUpdateSchema.safeParse(request.body);
      if (!parsed.success) {
        const detail = parsed.error.issues
          .map((issue) => `${issue.path.join('.') || 'body'}: ${issue.message}`)
          .join('; ');
        throw new ClientError('invalid_message', `Expected a Telegram Update object. ${detail}`);
      }
      await options.receive(parsed.data);
      return { ok: true };
    });
    registered();
  });
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value, 'utf8').digest();
}
