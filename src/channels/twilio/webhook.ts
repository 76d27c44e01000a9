import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ClientError } from '../../errors.ts';
import type { Logger } from '../../logger.ts';
import type { BotMessage } from '../../protocol/index.ts';
import { conversationIdFor, submit, type Intake } from '../intake.ts';
import { collectTurn } from '../turn-collector.ts';
import { parseForm, type FormParams } from './form.ts';
import { TEXT_ONLY_REPLY, TOO_LONG_REPLY, formatForWhatsApp, twiml } from './format.ts';
import { parseTwilioInbound } from './inbound.ts';
import { verifyTwilioSignature } from './signature.ts';
import type { TwimlWaits } from './twiml-waits.ts';

export const TWILIO_WEBHOOK_PATH = '/webhooks/twilio';

export interface TwilioWebhookOptions {
  intake: Intake;
  tenantId: string;
  authToken: string;
  /** `LEADBOT_PUBLIC_URL`: when set, the signature is checked over it + path (Twilio signs the public URL). */
  publicUrl?: string;
  /** `rest`: acknowledge at once, replies go through the REST API; `twiml`: answer with the replies. */
  mode: 'rest' | 'twiml';
  /** TwiML mode: how long the webhook waits for the turn before answering empty. */
  waitMs: number;
  waits: TwimlWaits;
  /** Sends bodies to a person through the REST API (queued, never blocks). */
  deliver: (userId: string, bodies: string[], key: string) => void;
  log: Logger;
  /** Counters for `/health`. */
  counts: { received: number; duplicates: number; ignored: number; badSignatures: number };
}

const FORM = 'application/x-www-form-urlencoded';

function isFormParams(body: unknown): body is FormParams {
  return typeof body === 'object' && body !== null && !Array.isArray(body);
}

/** `POST /webhooks/twilio`, in its own plugin scope (form bodies, no JSON). */
export function registerTwilioWebhook(app: FastifyInstance, options: TwilioWebhookOptions): void {
  const { intake, tenantId, mode, waits, log, counts } = options;
  const base = options.publicUrl?.replace(/\/+$/, '');
  const signedUrl = (request: FastifyRequest) =>
    base ? `${base}${request.url}` : `${request.protocol}://${request.host}${request.url}`;
  const xml = (reply: FastifyReply, bodies: string[] = []) =>
    reply.code(200).type('text/xml; charset=utf-8').send(twiml(bodies));
  /** A fixed answer (not a turn): sent once per MessageSid, in the TwiML or through REST. */
  const answerOnce = (reply: FastifyReply, userId: string, messageSid: string, text: string) => {
    const conversationId = conversationIdFor(tenantId, 'twilio', userId);
    const now = intake.clock.now();
    if (intake.dedupe?.checkAndRecord(conversationId, messageSid, now)) {
      counts.duplicates++;
      return xml(reply);
    }
    intake.dedupe?.confirm(conversationId, messageSid, now);
    const bodies = formatForWhatsApp(text);
    if (mode === 'twiml') return xml(reply, bodies);
    options.deliver(userId, bodies, `${messageSid}-notice`);
    return xml(reply);
  };

  // Sync plugin with `done`: registered before `listen`, loaded when the server starts.
  void app.register((scope, _opts, done) => {
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser(FORM, { parseAs: 'string' }, (_request, body, done) => {
      done(null, parseForm(body as string));
    });
    scope.addContentTypeParser('*', (_request, _payload, done) => {
      done(
        new ClientError(
          'invalid_message',
          `Twilio webhooks are sent as ${FORM}; this body is not. Point Twilio's "When a message comes in" here.`,
          { status: 415 },
        ),
      );
    });

    scope.post(TWILIO_WEBHOOK_PATH, async (request, reply) => {
      const params = isFormParams(request.body) ? request.body : parseForm('');
      const header = request.headers['x-twilio-signature'];
      if (
        !verifyTwilioSignature(
          options.authToken,
          typeof header === 'string' ? header : undefined,
          signedUrl(request),
          params,
        )
      ) {
        counts.badSignatures++;
        log.warn(
          {
            channel: 'twilio',
            signed: header ? 'wrong' : 'missing',
            hint: base
              ? 'the signature is checked over LEADBOT_PUBLIC_URL + path: it must match the webhook URL set in Twilio'
              : 'behind a proxy or tunnel? set LEADBOT_PUBLIC_URL to the public URL Twilio calls',
          },
          'refused a Twilio webhook: X-Twilio-Signature is missing or wrong',
        );
        throw new ClientError(
          'bad_signature',
          'X-Twilio-Signature is missing or does not match this request; nothing was processed.',
          { status: 401 },
        );
      }

      const inbound = parseTwilioInbound(params);
      if (inbound.kind === 'status') {
        log.debug(
          { channel: 'twilio', sid: inbound.messageSid, status: inbound.status },
          'status callback ignored',
        );
        return xml(reply);
      }
      if (inbound.kind === 'empty') {
        counts.ignored++;
        log.info({ channel: 'twilio', sid: inbound.messageSid }, 'message without text or media ignored');
        return xml(reply);
      }
      if (inbound.kind === 'unsupported') {
        counts.ignored++;
        log.info(
          { channel: 'twilio', sid: inbound.messageSid, numMedia: inbound.numMedia },
          'message without text: asked the person to type',
        );
        return answerOnce(reply, inbound.userId, inbound.messageSid, TEXT_ONLY_REPLY);
      }

      const { messageSid, userId } = inbound;
      const conversationId = conversationIdFor(tenantId, 'twilio', userId);
      // Subscribe before submitting so no reply is missed.
      const collector =
        mode === 'twiml' ? collectTurn(intake.bus, messageSid, conversationId, options.waitMs) : undefined;
      if (collector) waits.begin(messageSid);
      const stopWaiting = () => {
        collector?.cancel();
        waits.finish(messageSid);
      };
      try {
        const { duplicate } = await submit(intake, {
          id: messageSid,
          tenantId,
          channel: 'twilio',
          userId,
          text: inbound.text,
          profile: inbound.profile,
          ...(inbound.source ? { source: inbound.source } : {}),
        });
        if (duplicate) {
          // A retried delivery: its reply went (or goes) out once already.
          counts.duplicates++;
          stopWaiting();
          return xml(reply);
        }
      } catch (error) {
        stopWaiting();
        if (error instanceof ClientError && error.code === 'message_too_long')
          return answerOnce(reply, userId, messageSid, TOO_LONG_REPLY);
        if (error instanceof ClientError && error.code === 'empty_message') {
          counts.ignored++;
          return xml(reply);
        }
        if (error instanceof ClientError && error.code === 'busy') {
          // 5xx, so Twilio delivers it again later instead of dropping it.
          throw new ClientError('busy', `${error.message} Twilio will retry.`, { status: 503, cause: error });
        }
        throw error;
      }
      counts.received++;
      if (!collector) return xml(reply);
      try {
        const { replies } = await collector.done;
        waits.finish(messageSid);
        return xml(
          reply,
          replies.flatMap((r) => formatForWhatsApp(r.text)),
        );
      } catch {
        // Twilio stops waiting after 15 s: what came so far, and what comes later, goes through REST.
        const held: BotMessage[] = waits.expire(messageSid);
        log.warn(
          { channel: 'twilio', sid: messageSid, waitMs: options.waitMs, held: held.length },
          'the turn took too long for a TwiML answer; its replies go out through the REST API',
        );
        for (const event of held) options.deliver(event.userId, formatForWhatsApp(event.text), event.id);
        return xml(reply);
      }
    });
    done();
  });
}
