import { MACHINE_VERSION } from '../../../machines/conversation-machine.ts';
import { errorMessage } from '../../errors.ts';
import type { Logger } from '../../logger.ts';
import type { ConversationRecord, HistoryEntry, TurnWrite } from '../../ports/store.ts';
import type { InboundMessage, Language, OutboundEvent } from '../../protocol/index.ts';
import { actorFor } from './actors.ts';
import { describeRecord } from './state.ts';
import { takeTransitions } from './transitions.ts';
import type { SupervisorContext } from './context.ts';
import type { ConversationActor, ConversationSnapshot, SupervisorOptions } from './types.ts';

/**
 * A turn's outcome made durable before any reply leaves: the snapshot, the person's message and the
 * bot's replies (one transaction), then the message ids confirmed as handled.
 */
export async function persist(
  options: Pick<SupervisorOptions, 'clock' | 'store' | 'dedupe'>,
  actor: ConversationActor,
  message: InboundMessage,
  snapshot: ConversationSnapshot,
  replies: OutboundEvent[],
  failure?: string,
): Promise<void> {
  const now = options.clock.now();
  const turn = snapshot.context.turn;
  const history: HistoryEntry[] = [
    { role: 'user', text: message.text, at: message.receivedAt, turn, messageId: message.id },
  ];
  for (const reply of replies) {
    if (reply.type === 'bot.message')
      history.push({ role: 'assistant', text: reply.text, at: now, turn, messageId: reply.id });
  }
  const ids = [message.id, ...(message.coalesced ?? [])];
  await saveSnapshot(
    options,
    actor,
    message,
    history,
    failure === undefined ? undefined : { at: now, error: failure.slice(0, 300), messageId: message.id },
    { ids, at: now },
  );
  // Already on disk with the turn where the store keeps de-duplication (LMDB); this settles memory.
  for (const id of ids) options.dedupe?.confirm(message.conversationId, id, now);
}

/** The actor's snapshot, the given history lines and the handled message ids, in one transaction. */
export async function saveSnapshot(
  options: Pick<SupervisorOptions, 'clock' | 'store'>,
  actor: ConversationActor,
  message: InboundMessage,
  history: HistoryEntry[],
  failure?: ConversationRecord['failure'],
  handled?: TurnWrite['handled'],
): Promise<void> {
  const now = options.clock.now();
  const conversation: ConversationRecord = {
    conversationId: message.conversationId,
    tenantId: message.tenantId,
    channel: message.channel,
    userId: message.userId,
    snapshot: actor.getPersistedSnapshot(),
    machineVersion: MACHINE_VERSION,
    updatedAt: now,
  };
  if (failure) conversation.failure = failure;
  const transitions = takeTransitions(actor);
  await options.store.saveTurn({
    conversation,
    history,
    ...(transitions.length > 0 ? { transitions } : {}),
    ...(handled ? { handled } : {}),
  });
}

/**
 * After an escalation the person's message is still written to the history (with the last good
 * snapshot), so nothing they said is lost; an escalated conversation is marked failed with it.
 */
export async function keepMessage(
  ctx: SupervisorContext,
  message: InboundMessage,
  log: Logger,
  failure?: string,
): Promise<void> {
  try {
    const actor = await actorFor(ctx, message, log);
    await persist(ctx.options, actor, message, actor.getSnapshot(), [], failure);
  } catch (error) {
    log.error({ err: errorMessage(error) }, 'could not keep the message of a failing conversation');
    ctx.registry.stopActor(message.conversationId);
  }
}

/** The stored conversation's state and language (`triage` / `es` when there is none). */
export async function stored(
  options: Pick<SupervisorOptions, 'store'>,
  conversationId: string,
): Promise<{ state: string; language: Language }> {
  return describeRecord(await options.store.getConversation(conversationId).catch(() => undefined));
}
