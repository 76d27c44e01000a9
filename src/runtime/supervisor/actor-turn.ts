import { waitFor } from 'xstate';
import type { ConversationEmitted, ConversationEvent } from '../../../machines/conversation-machine.ts';
import type { Logger } from '../../logger.ts';
import type { HistoryEntry } from '../../ports/store.ts';
import type { InboundMessage, Language, OutboundEvent, ReplyIntent } from '../../protocol/index.ts';
import { actorFor } from './actors.ts';
import { botMessage } from './outbound.ts';
import { rest } from './passivation.ts';
import { persist, saveSnapshot } from './persistence.ts';
import { phaseOf, TurnTimeoutError } from './state.ts';
import type { SupervisorContext } from './context.ts';
import type { ConversationActor, ConversationSnapshot } from './types.ts';

/** What one turn of the person's message produced (persisted already, not yet published). */
export interface TurnResult {
  state: string;
  replies: OutboundEvent[];
  turn: number;
  intents: ReplyIntent[];
  language: Language;
  snapshot: ConversationSnapshot;
}

/**
 * Feeds the person's message to the actor, waits (within the turn timeout) until it awaits input
 * again, persists the turn with its replies, and puts the conversation to rest. Throws on a failed
 * actor or a `TurnTimeoutError`; the caller restarts or escalates.
 */
export async function runTurn(
  ctx: SupervisorContext,
  actor: ConversationActor,
  message: InboundMessage,
): Promise<TurnResult> {
  const { options } = ctx;
  const emitted: ConversationEmitted[] = [];
  const subscription = actor.on('reply', (event) => emitted.push(event));
  try {
    actor.send({ type: 'user.message.received', messageId: message.id, text: message.text });
    const snapshot = await waitFor(actor, (s) => s.hasTag('awaiting-input') || s.status !== 'active', {
      timeout: options.turnTimeoutMs,
    }).catch((error: unknown) => {
      if (error instanceof Error && error.message.startsWith('Timeout of'))
        throw new TurnTimeoutError(options.turnTimeoutMs);
      throw error;
    });
    if (snapshot.status !== 'active')
      throw new Error(`conversation actor stopped with status ${snapshot.status}`);
    const state = phaseOf(snapshot);
    const language = snapshot.context.language;
    const replies = emitted.map((e) => botMessage(message, e.text, state, language));
    await persist(options, actor, message, snapshot, replies);
    const entry = ctx.registry.get(message.conversationId);
    if (entry) {
      entry.lastActive = options.clock.now();
      entry.busy = false;
    }
    rest(ctx.registry, message.conversationId, actor);
    return {
      state,
      replies,
      turn: snapshot.context.turn,
      intents: emitted.map((e) => e.intent),
      language,
      snapshot,
    };
  } finally {
    subscription.unsubscribe();
  }
}

/**
 * Sends `event` (if any) to the conversation's actor, waits until it rests, and persists its
 * snapshot with `lines` and the replies it wrote (one transaction). Timers and operators' commands.
 */
export async function applyEvent(
  ctx: SupervisorContext,
  message: InboundMessage,
  log: Logger,
  event: ConversationEvent | undefined,
  lines: HistoryEntry[] = [],
): Promise<{ snapshot: ConversationSnapshot; replies: OutboundEvent[]; state: string }> {
  const { options, registry } = ctx;
  const actor = await actorFor(ctx, message, log);
  const entry = registry.get(message.conversationId);
  if (entry) entry.busy = true;
  const emitted: ConversationEmitted[] = [];
  const subscription = actor.on('reply', (e) => emitted.push(e));
  let snapshot: ConversationSnapshot;
  try {
    if (event) actor.send(event);
    snapshot = await waitFor(actor, (s) => s.hasTag('awaiting-input') || s.status !== 'active', {
      timeout: options.turnTimeoutMs,
    });
  } finally {
    subscription.unsubscribe();
  }
  if (snapshot.status !== 'active')
    throw new Error(`conversation actor stopped with status ${snapshot.status}`);
  const state = phaseOf(snapshot);
  const replies = emitted.map((e) => botMessage(message, e.text, state, snapshot.context.language));
  const now = options.clock.now();
  const turn = snapshot.context.turn;
  const said = replies.flatMap((reply) =>
    reply.type === 'bot.message'
      ? [{ role: 'assistant' as const, text: reply.text, at: now, turn, messageId: reply.id }]
      : [],
  );
  await saveSnapshot(options, actor, message, [...lines, ...said]);
  if (entry) {
    entry.busy = false;
    entry.lastActive = now;
  }
  rest(registry, message.conversationId, actor);
  return { snapshot, replies, state };
}
