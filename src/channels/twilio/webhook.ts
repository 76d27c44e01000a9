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

/** What the route handler's steps share: options, the fixed-answer helper and TwiML replies. */
interface Route {
  options: TwilioWebhookOptions;
  base: string | undefined;
  xml: (reply: FastifyReply, bodies?: string[]) => FastifyReply;
  answerOnce: (reply: FastifyReply, userId: string, messageSid: string, text: string) => FastifyReply;
}

function routeFor(options: TwilioWebhookOptions): Route {
  const { intake, tenantId, mode, counts } = options;
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
  return { options, base: options.publicUrl?.replace(/\/+$/, ''), xml, answerOnce };
}

/** Refuses (401) a request whose X-Twilio-Signature is missing or does not match, with a hint why. */
function checkSignature({ options, base }: Route, request: FastifyRequest, params: FormParams): void {
  const header = request.headers['x-twilio-signature'];
  const signedUrl = base ? `${base}${request.url}` : `${request.protocol}://${request.host}${request.url}`;
  if (
    verifyTwilioSignature(
      options.authToken,
      typeof header === 'string' ? header : undefined,
      signedUrl,
      params,
    )
  )
    return;
  options.counts.badSignatures++;
  options.log.warn(
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

/** Status callbacks, empty messages and media without text: answered without a turn. */
function answerWithoutTurn(
  route: Route,
  reply: FastifyReply,
  inbound: ReturnType<typeof parseTwilioInbound>,
) {
  const { log, counts } = route.options;
  if (inbound.kind === 'status') {
    log.debug(
      { channel: 'twilio', sid: inbound.messageSid, status: inbound.status },
      'status callback ignored',
    );
    return route.xml(reply);
  }
  if (inbound.kind === 'empty') {
    counts.ignored++;
    log.info({ channel: 'twilio', sid: inbound.messageSid }, 'message without text or media ignored');
    return route.xml(reply);
  }
  if (inbound.kind === 'unsupported') {
    counts.ignored++;
    log.info(
      { channel: 'twilio', sid: inbound.messageSid, numMedia: inbound.numMedia },
      'message without text: asked the person to type',
    );
    return route.answerOnce(reply, inbound.userId, inbound.messageSid, TEXT_ONLY_REPLY);
  }
  return undefined;
}

type TextInbound = Extract<ReturnType<typeof parseTwilioInbound>, { kind: 'text' }>;

/** Hands the message to the runtime; a refusal becomes the answer Twilio should get (or a 503 to retry). */
async function submitInbound(
  route: Route,
  reply: FastifyReply,
  inbound: TextInbound,
  stopWaiting: () => void,
) {
  const { intake, tenantId, counts } = route.options;
  const { messageSid, userId } = inbound;
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
    if (!duplicate) return undefined;
    // A retried delivery: its reply went (or goes) out once already.
    counts.duplicates++;
    stopWaiting();
    return route.xml(reply);
  } catch (error) {
    stopWaiting();
    if (!(error instanceof ClientError)) throw error;
    if (error.code === 'message_too_long') return route.answerOnce(reply, userId, messageSid, TOO_LONG_REPLY);
    if (error.code === 'empty_message') {
      counts.ignored++;
      return route.xml(reply);
    }
    // 5xx, so Twilio delivers it again later instead of dropping it.
    if (error.code === 'busy')
      throw new ClientError('busy', `${error.message} Twilio will retry.`, { status: 503, cause: error });
    throw error;
  }
}

/** TwiML mode: the turn's replies in the answer; past Twilio's 15 s wait, the rest goes through REST. */
async function answerWithReplies(
  route: Route,
  reply: FastifyReply,
  messageSid: string,
  done: Promise<{ replies: BotMessage[] }>,
) {
  const { waits, log, waitMs } = route.options;
  try {
    const { replies } = await done;
    waits.finish(messageSid);
    return route.xml(
      reply,
      replies.flatMap((r) => formatForWhatsApp(r.text)),
    );
  } catch {
    const held: BotMessage[] = waits.expire(messageSid);
    log.warn(
      { channel: 'twilio', sid: messageSid, waitMs, held: held.length },
      'the turn took too long for a TwiML answer; its replies go out through the REST API',
    );
    for (const event of held) route.options.deliver(event.userId, formatForWhatsApp(event.text), event.id);
    return route.xml(reply);
  }
}

async function handle(route: Route, request: FastifyRequest, reply: FastifyReply) {
  const { intake, tenantId, mode, waits, counts } = route.options;
  const params = isFormParams(request.body) ? request.body : parseForm('');
  checkSignature(route, request, params);
  const inbound = parseTwilioInbound(params);
  if (inbound.kind !== 'text') return answerWithoutTurn(route, reply, inbound);
  const { messageSid, userId } = inbound;
  const conversationId = conversationIdFor(tenantId, 'twilio', userId);
  // Subscribe before submitting so no reply is missed.
  const collector =
    mode === 'twiml' ? collectTurn(intake.bus, messageSid, conversationId, route.options.waitMs) : undefined;
  if (collector) waits.begin(messageSid);
  const stopWaiting = () => {
    collector?.cancel();
    waits.finish(messageSid);
  };
  const refused = await submitInbound(route, reply, inbound, stopWaiting);
  if (refused) return refused;
  counts.received++;
  return collector ? answerWithReplies(route, reply, messageSid, collector.done) : route.xml(reply);
}

/** `POST /webhooks/twilio`, in its own plugin scope (form bodies, no JSON). */
export function registerTwilioWebhook(app: FastifyInstance, options: TwilioWebhookOptions): void {
  const route = routeFor(options);
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
    scope.post(TWILIO_WEBHOOK_PATH, (request, reply) => handle(route, request, reply));
    done();
  });
}
