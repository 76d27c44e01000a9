import { errorMessage } from '../../errors.ts';
import type { Logger } from '../../logger.ts';
import type { Delivery } from '../../ports/bus.ts';
import type { InboundMessage, Language, OutboundEvent, ReplyIntent } from '../../protocol/index.ts';
import { detectLanguage } from '../../nlu/language.ts';
import { isHumanKind, route } from '../human-commands.ts';
import { actorFor } from './actors.ts';
import { refusedAtTheDoor } from './admission.ts';
import { runTurn } from './actor-turn.ts';
import { botMessage } from './outbound.ts';
import { keepMessage, stored } from './persistence.ts';
import { replayIfHandled } from './replay.ts';
import { describeRecord, phaseOf } from './state.ts';
import { handleTimer, scheduleTimers } from './timers.ts';
import type { SupervisorContext } from './context.ts';
import type { ConversationSnapshot } from './types.ts';

/** Seconds a sender is asked to wait before sending a message again that could not be kept. */
const NO_SPACE_RETRY_S = 10;
const NO_SPACE: Record<Language, string> = {
  es: 'Disculpe, no pudimos procesar su mensaje en este momento. ¿Podría enviarlo de nuevo en unos minutos?',
  en: 'Sorry, we could not process your message right now. Could you send it again in a few minutes?',
};

const APOLOGY: Record<Language, string> = {
  es: 'Disculpe, tuvimos un problema técnico al procesar su mensaje. ¿Podría escribirlo de nuevo en un momento?',
  en: 'Sorry, we had a technical problem handling your message. Could you send it again in a moment?',
};

/** How the person's message ended: answered (`handled` is the snapshot it left) or given up. */
interface TurnOutcome {
  handled?: ConversationSnapshot;
  replies: OutboundEvent[];
  state: string;
  failed: boolean;
  turn: number;
  language: Language;
  intents: ReplyIntent[];
}

/**
 * One inbound message: system messages (idle work, operators' commands, timers) go their own way; a
 * person's message passes admission, runs as a turn (restarted after failures, within the restart
 * intensity), and its replies and completion are published.
 */
export async function handleMessage(
  ctx: SupervisorContext,
  message: InboundMessage,
  delivery?: Delivery,
): Promise<void> {
  const { options } = ctx;
  const log = options.log.child({ conversationId: message.conversationId, messageId: message.id });
  if (delivery) ctx.registry.adoptFence(message.conversationId, delivery.fence);
  // Cluster mode: a message may come again (a redelivery after a node died, or a client's retry that
  // reached another gateway): a turn already persisted is never run twice.
  if (delivery && !message.system && (await replayIfHandled(ctx, message, log))) return;
  if (message.system === 'insights.due') return handleIdleWork(ctx, message, log);
  if (isHumanKind(message.system)) return ctx.desk.handle(message, log);
  if (message.system) return handleTimer(ctx, message, log);
  const started = options.clock.now();
  if (await refusedAtTheDoor(ctx, message, log, started)) return;
  const outcome = await turnWithRestarts(ctx, message, log);
  // Lost to another node mid-turn: the new owner answers; nothing is sent from here.
  if (!outcome) return;
  if (outcome === 'noSpace') return refuseForSpace(ctx, message, delivery);
  await finishTurn(ctx, message, log, started, outcome);
}

/** Work for a conversation that went idle (insight extraction), in the conversation's order. */
async function handleIdleWork(ctx: SupervisorContext, message: InboundMessage, log: Logger): Promise<void> {
  try {
    await ctx.options.onIdleWork?.(message);
  } catch (error) {
    log.warn({ err: errorMessage(error), kind: message.system }, 'idle work failed');
  }
}

/**
 * OTP-style: a failed actor restarts from its last snapshot and the same message is retried, with
 * back-off, until the restart intensity (N restarts within T) is exceeded. `undefined`: the
 * conversation was lost to another node.
 */
async function turnWithRestarts(
  ctx: SupervisorContext,
  message: InboundMessage,
  log: Logger,
): Promise<TurnOutcome | 'noSpace' | undefined> {
  let typed = false;
  let crashedAt: number | undefined;
  for (;;) {
    try {
      const actor = await actorFor(ctx, message, log, crashedAt);
      crashedAt = undefined;
      // While a person of the team owns the chat the bot shows nothing, not even typing.
      if (!typed && phaseOf(actor.getSnapshot()) !== 'human')
        await ctx.publish({ type: 'bot.typing', ...route(message) });
      typed = true;
      ctx.registry.markBusy(message.conversationId);
      const { snapshot, ...result } = await runTurn(ctx, actor, message);
      return { ...result, handled: snapshot, failed: false };
    } catch (error) {
      const failedAt = performance.now();
      ctx.registry.stopActor(message.conversationId);
      const recovery = await ctx.restarts.afterFailure(error, message, log, failedAt);
      if (recovery.kind === 'lost') return undefined;
      if (recovery.kind === 'noSpace') return 'noSpace';
      if (recovery.kind === 'retry') {
        crashedAt = recovery.crashedAt;
        continue;
      }
      return giveUp(ctx, message, log, error, recovery.timedOut);
    }
  }
}

/**
 * The turn could not be saved for lack of space, so nothing of it was kept. On NATS the message
 * stays queued and comes again later; on one node it is forgotten (a retry of the same id is
 * processed again) and the sender is told so: REST and the widget ask for a retry, messaging
 * channels send the text.
 */
async function refuseForSpace(
  ctx: SupervisorContext,
  message: InboundMessage,
  delivery: Delivery | undefined,
): Promise<void> {
  // Queued again: after 2 s, then longer each time (the bus grows the delay up to a minute).
  if (delivery?.retryLater) return delivery.retryLater(2_000);
  const known = await ctx.options.store.getConversation(message.conversationId).catch(() => undefined);
  const language = known
    ? describeRecord(known).language
    : detectLanguage(message.text, undefined, 'es').language;
  for (const id of [message.id, ...(message.coalesced ?? [])]) {
    ctx.options.dedupe?.forget?.(message.conversationId, id);
    await ctx.publish({
      type: 'turn.refused',
      ...route(message),
      inReplyTo: id,
      code: 'overloaded',
      retryAfterS: NO_SPACE_RETRY_S,
      text: NO_SPACE[language],
      language,
    });
  }
}

/**
 * The turn is given up: the message is kept (an escalated conversation is marked failed) and the
 * person gets an apology in the conversation's language.
 */
async function giveUp(
  ctx: SupervisorContext,
  message: InboundMessage,
  log: Logger,
  error: unknown,
  timedOut: boolean,
): Promise<TurnOutcome> {
  await keepMessage(ctx, message, log, timedOut ? undefined : errorMessage(error));
  const kept = await stored(ctx.options, message.conversationId);
  const state = timedOut ? kept.state : 'failed';
  return {
    replies: [botMessage(message, APOLOGY[kept.language], state, kept.language)],
    state,
    failed: true,
    turn: 0,
    // A failed turn is counted under the default language (the apology uses the stored one).
    language: 'es',
    intents: [],
  };
}

/**
 * After the turn: timers for the new state, the replies, the operators' desk, and the completion of
 * the message and of every message merged into it; then the metrics hook.
 */
async function finishTurn(
  ctx: SupervisorContext,
  message: InboundMessage,
  log: Logger,
  started: number,
  outcome: TurnOutcome,
): Promise<void> {
  const { options } = ctx;
  const { handled, replies, state, failed, turn, language, intents } = outcome;
  if (!failed) {
    try {
      scheduleTimers(options, message, state, turn, intents);
    } catch (error) {
      log.error({ err: errorMessage(error) }, 'could not schedule the session timer');
    }
  }
  for (const reply of replies) await ctx.publish(reply);
  if (handled) await ctx.desk.afterTurn(message, handled, state);
  await ctx.publish({ type: 'turn.completed', ...route(message), state });
  // Messages merged into this turn are answered by it too.
  for (const id of message.coalesced ?? []) {
    await ctx.publish({ type: 'turn.completed', ...route(message), inReplyTo: id, state });
  }
  options.onTurn?.({
    conversationId: message.conversationId,
    channel: message.channel,
    state,
    ms: options.clock.now() - started,
    replies: replies.length,
    failed,
    intents,
    turn,
    language,
  });
}
