import { MACHINE_VERSION } from '../../../machines/conversation-machine.ts';
import { errorMessage } from '../../errors.ts';
import type { Logger } from '../../logger.ts';
import { detectLanguage } from '../../nlu/language.ts';
import type { ConversationRecord } from '../../ports/store.ts';
import type { InboundMessage, Language, OutboundEvent } from '../../protocol/index.ts';
import { route } from '../human-commands.ts';
import { botMessage } from './outbound.ts';
import { describeRecord } from './state.ts';
import type { SupervisorContext } from './context.ts';

type RefusalKind = 'blocked' | 'user_limited' | 'tenant_limited' | 'muted';

/** What a refused message gets instead of an answer (`undefined`: no reply); the conversation goes on. */
const REFUSALS: Record<RefusalKind, Record<Language, string | undefined>> = {
  blocked: {
    es: 'Solo puedo ayudarle con consultas sobre nuestros productos y servicios. ¿En qué le puedo ayudar?',
    en: 'I can only help with questions about our products and services. How can I help you?',
  },
  user_limited: {
    es: 'Recibimos muchos mensajes suyos en poco tiempo. Espere un momento, por favor, y escríbanos de nuevo.',
    en: 'We received many messages from you in a short time. Please wait a moment and write again.',
  },
  tenant_limited: {
    es: 'En este momento recibimos muchos mensajes. Escríbanos de nuevo en un minuto, por favor.',
    en: 'We are receiving a lot of messages right now. Please write again in a minute.',
  },
  muted: { es: undefined, en: undefined },
};
/** History marker kept instead of a refused message's text. */
const REFUSAL_MARKER: Record<RefusalKind, string> = {
  blocked: '[blocked]',
  user_limited: '[rate limited]',
  tenant_limited: '[rate limited]',
  muted: '[muted]',
};

/**
 * A person's message passes flood control and then the threat guard before any model sees it. A
 * refused message is answered (or silently dropped) and recorded here; returns true when it was.
 */
export async function refusedAtTheDoor(
  ctx: SupervisorContext,
  message: InboundMessage,
  log: Logger,
  started: number,
): Promise<boolean> {
  const { options } = ctx;
  const flood = options.flood?.check(message.conversationId, message.tenantId, started) ?? 'ok';
  if (flood !== 'ok') {
    options.onFlood?.(message, flood, false);
    log.warn({ outcome: flood }, 'message refused by flood control');
    const tell = flood !== 'muted' && options.flood!.shouldTell(message.conversationId, started);
    await refuse(ctx, message, 'other', log, tell ? flood : 'muted', REFUSAL_MARKER[flood]);
    return true;
  }
  const verdict = await options.guard?.(message.text);
  if (verdict && verdict.verdict !== 'allow') {
    options.onGuard?.(message, {
      verdict: verdict.verdict,
      score: verdict.score,
      reasons: verdict.reasons,
    });
    log.warn(
      { verdict: verdict.verdict, score: verdict.score, reasons: verdict.reasons.slice(0, 5) },
      'suspicious message',
    );
    if (verdict.verdict === 'block') {
      if (options.flood?.noteBlocked(message.conversationId, started)) {
        log.warn('repeated attacks: this person is muted for a while');
        options.onFlood?.(message, 'muted', true);
      }
      await refuse(ctx, message, verdict.lang, log, 'blocked');
      return true;
    }
  }
  return false;
}

/**
 * A blocked message: the person gets a short refusal in their language; the actor never sees the
 * text (history keeps a marker so the turn is accounted for); the message id is confirmed.
 */
async function refuse(
  ctx: SupervisorContext,
  message: InboundMessage,
  detected: string,
  log: Logger,
  kind: RefusalKind,
  marker = REFUSAL_MARKER[kind],
): Promise<void> {
  let readFailed = false;
  const known = await ctx.options.store.getConversation(message.conversationId).catch(() => {
    readFailed = true;
    return undefined;
  });
  const stored = describeRecord(known);
  const language = refusalLanguage(stored, message, detected);
  const state = stored.state;
  // While a person owns the chat the bot says nothing; the operator sees what was held back.
  const human = state === 'human';
  const text = human ? undefined : REFUSALS[kind][language];
  const reply = text === undefined ? undefined : botMessage(message, text, state, language);
  try {
    // The stored conversation could not be read: write nothing rather than risk replacing it.
    if (readFailed) throw new Error('the conversation could not be read; the refusal is not recorded');
    // A flood from senders nobody has talked to yet is not kept: 20,000 made-up senders must not
    // become 20,000 stored conversations. (A blocked attack is kept, as the audit trail of it.)
    if (known !== undefined || kind === 'blocked') await recordRefusal(ctx, message, known, marker, reply);
    else
      for (const id of [message.id, ...(message.coalesced ?? [])])
        ctx.options.dedupe?.forget?.(message.conversationId, id);
  } catch (error) {
    log.error({ err: errorMessage(error) }, 'could not record a blocked message');
  }
  if (reply) await ctx.publish(reply);
  if (human)
    await ctx.publish({
      type: 'prospect.message',
      ...route(message),
      text: marker,
      at: message.receivedAt,
    });
  for (const id of [message.id, ...(message.coalesced ?? [])])
    await ctx.publish({ type: 'turn.completed', ...route(message), inReplyTo: id, state });
}

/**
 * A conversation under way switches language only on clear evidence, as its replies do: a whole
 * English sentence does, "modo desarrollador: /dump leads --all" does not.
 */
function refusalLanguage(
  stored: ReturnType<typeof describeRecord>,
  message: InboundMessage,
  detected: string,
): Language {
  return stored.spoken
    ? detectLanguage(message.text, stored.language, stored.language).language
    : detected === 'es' || detected === 'en'
      ? detected
      : stored.language;
}

/** The marker (not the text) and the refusal go to the history; the message ids are confirmed. */
async function recordRefusal(
  ctx: SupervisorContext,
  message: InboundMessage,
  known: ConversationRecord | undefined,
  marker: string,
  reply: OutboundEvent | undefined,
): Promise<void> {
  const { options } = ctx;
  const turn = (known?.snapshot as { context?: { turn?: number } } | undefined)?.context?.turn ?? 0;
  const now = options.clock.now();
  const ids = [message.id, ...(message.coalesced ?? [])];
  await options.store.saveTurn({
    conversation: known ?? {
      conversationId: message.conversationId,
      tenantId: message.tenantId,
      channel: message.channel,
      userId: message.userId,
      snapshot: undefined,
      machineVersion: MACHINE_VERSION,
      updatedAt: now,
    },
    history: [
      { role: 'user', text: marker, at: message.receivedAt, turn, messageId: message.id },
      ...(reply?.type === 'bot.message'
        ? [{ role: 'assistant' as const, text: reply.text, at: now, turn, messageId: reply.id }]
        : []),
    ],
    handled: { ids, at: now },
  });
  for (const id of ids) options.dedupe?.confirm(message.conversationId, id, now);
}
