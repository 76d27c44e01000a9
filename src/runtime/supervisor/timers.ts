import { StaleOwnerError } from '../../cluster/conversation-replica.ts';
import { errorMessage } from '../../errors.ts';
import type { Logger } from '../../logger.ts';
import type { ConversationRecord } from '../../ports/store.ts';
import type { InboundMessage, OutboundEvent, ReplyIntent } from '../../protocol/index.ts';
import type { TimerKind } from '../durable-timers.ts';
import { applyEvent } from './actor-turn.ts';
import type { SupervisorContext } from './context.ts';
import type { ConversationSnapshot, SupervisorOptions } from './types.ts';

/**
 * After a turn: an unfinished capture gets a follow-up nudge and a session timer; a case just
 * handed to a human gets a handoff deadline; a conversation that ended needs none.
 */
export function scheduleTimers(
  options: Pick<
    SupervisorOptions,
    'timers' | 'clock' | 'followUpAfterMs' | 'sessionTimeoutMs' | 'handoffDeadlineMs'
  >,
  message: InboundMessage,
  state: string,
  turn: number,
  intents: ReplyIntent[],
): void {
  const timers = options.timers;
  if (!timers) return;
  const now = options.clock.now();
  const base = {
    conversationId: message.conversationId,
    tenantId: message.tenantId,
    channel: message.channel,
    userId: message.userId,
    turn,
  };
  const followUp = options.followUpAfterMs ?? 0;
  const session = options.sessionTimeoutMs ?? 30 * 60_000;
  if (state === 'capture') {
    timers.schedule({ ...base, kind: 'session.expired', dueAt: now + session });
    if (followUp > 0 && followUp < session)
      timers.schedule({ ...base, kind: 'followup.due', dueAt: now + followUp });
    else timers.cancel(message.conversationId, 'followup.due');
  } else {
    timers.cancel(message.conversationId, 'session.expired');
    timers.cancel(message.conversationId, 'followup.due');
  }
  const deadline = options.handoffDeadlineMs ?? 0;
  if (intents.includes('confirm_human_handoff') && deadline > 0)
    timers.schedule({ ...base, kind: 'handoff.deadline', dueAt: now + deadline });
  else if (state !== 'handoff') timers.cancel(message.conversationId, 'handoff.deadline');
}

/** A timer set after an earlier turn than the conversation's last one no longer applies. */
export function isStale(
  options: Pick<SupervisorOptions, 'sessionTimeoutMs'>,
  message: InboundMessage,
  record: ConversationRecord,
): boolean {
  // A handoff deadline holds whatever the person writes meanwhile; the machine ignores it elsewhere.
  if (message.system === 'handoff.deadline') return false;
  const turn = (record.snapshot as { context?: { turn?: unknown } } | undefined)?.context?.turn;
  if (message.systemTurn !== undefined && typeof turn === 'number') return turn !== message.systemTurn;
  // Entries from before timers carried their turn: compare with the last write instead.
  const setAt = message.receivedAt - (options.sessionTimeoutMs ?? 30 * 60_000);
  return record.updatedAt > setAt + 1000;
}

/**
 * A durable timer fired: the machine gets the event in the conversation's order (the bus
 * serialises it with the person's messages) and its new state is persisted with any reply it
 * wrote (a follow-up nudge, a note that the team still has the case), which is then sent. The
 * timer is completed only after that, so a crash in between fires it again after restart; a timer
 * the conversation already moved past (a newer turn, or one already handled) is ignored.
 */
export async function handleTimer(
  ctx: SupervisorContext,
  message: InboundMessage,
  log: Logger,
): Promise<void> {
  const kind = message.system as TimerKind;
  const dueAt = message.receivedAt;
  try {
    // A stale timer is completed there and then.
    if ((await fireTimer(ctx, message, log, kind)) === 'stale') return;
  } catch (error) {
    ctx.registry.stopActor(message.conversationId);
    // Another node owns the conversation now: the timer's message is redelivered there.
    if (error instanceof StaleOwnerError) return;
    retryTimerLater(ctx, message, log, kind, dueAt, error);
    return;
  }
  // Handled (or stale): done with it.
  ctx.options.timers?.complete(message.conversationId, kind, dueAt);
}

/** Applies the timer's event unless it is stale (then it is completed right away). */
async function fireTimer(
  ctx: SupervisorContext,
  message: InboundMessage,
  log: Logger,
  kind: TimerKind,
): Promise<'stale' | 'fired'> {
  const record = await ctx.options.store.getConversation(message.conversationId);
  if (!record || isStale(ctx.options, message, record)) {
    log.debug({ kind }, 'stale timer ignored');
    ctx.options.timers?.complete(message.conversationId, kind, message.receivedAt);
    return 'stale';
  }
  const { snapshot, replies, state } = await applyEvent(ctx, message, log, { type: kind });
  for (const reply of replies) await ctx.publish(reply);
  await ctx.desk.afterTurn(message, snapshot, state);
  reportTimer(ctx, message, log, kind, { snapshot, replies, state });
  return 'fired';
}

/** Logs what the timer did; an overdue handoff nobody took over is reported to ops. */
function reportTimer(
  ctx: SupervisorContext,
  message: InboundMessage,
  log: Logger,
  kind: TimerKind,
  { snapshot, replies, state }: { snapshot: ConversationSnapshot; replies: OutboundEvent[]; state: string },
): void {
  if (kind === 'session.expired')
    log.info({ kind }, 'session expired; what was captured is kept as a partial lead');
  else if (kind === 'handoff.deadline' && (state === 'human' || !snapshot.context.handoff))
    log.info({ kind, state }, 'handoff deadline passed after a person took the case (or it was closed)');
  else if (kind === 'handoff.deadline') {
    log.warn({ kind, state }, 'handoff deadline passed: nobody from the team has taken this case over yet');
    ctx.options.onHandoffOverdue?.(message);
  } else log.info({ kind, nudged: replies.length > 0 }, 'follow-up due');
}

/** Not lost: the timer is set again (a failing store or model gets a minute to recover). */
function retryTimerLater(
  ctx: SupervisorContext,
  message: InboundMessage,
  log: Logger,
  kind: TimerKind,
  dueAt: number,
  error: unknown,
): void {
  const { options } = ctx;
  log.error({ err: errorMessage(error), kind }, 'timer event failed; it fires again in a minute');
  options.timers?.complete(message.conversationId, kind, dueAt);
  options.timers?.schedule({
    conversationId: message.conversationId,
    tenantId: message.tenantId,
    channel: message.channel,
    userId: message.userId,
    kind,
    dueAt: options.clock.now() + 60_000,
    ...(message.systemTurn !== undefined ? { turn: message.systemTurn } : {}),
  });
}
