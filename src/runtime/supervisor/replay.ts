import type { Logger } from '../../logger.ts';
import type { InboundMessage } from '../../protocol/index.ts';
import { route } from '../human-commands.ts';
import { stored } from './persistence.ts';
import type { SupervisorContext } from './context.ts';

/**
 * A message delivered again (its first owner died): when its turn was persisted already, the replies
 * it produced are published again under their original ids (gateways drop ids they delivered), and
 * nothing runs twice. Returns false when the message still has to be handled.
 */
export async function replayIfHandled(
  ctx: SupervisorContext,
  message: InboundMessage,
  log: Logger,
): Promise<boolean> {
  const { options } = ctx;
  const lines = await options.store.getHistory(message.conversationId, 200);
  const asked = lines.findIndex((l) => l.role === 'user' && l.messageId === message.id);
  if (asked < 0) return false;
  const turn = lines[asked]!.turn;
  const { state, language } = await stored(options, message.conversationId);
  // The bot's replies to it (an operator's lines of the same turn were not answers to this message).
  const replies = lines.slice(asked + 1).filter((l) => l.role === 'assistant' && l.turn === turn && !l.by);
  log.info(
    { replies: replies.length },
    'redelivered message was handled before; its replies are re-sent, not recomputed',
  );
  for (const line of replies)
    await ctx.publish({
      type: 'bot.message',
      id: line.messageId,
      ...route(message),
      text: line.text,
      state,
      language,
    });
  for (const id of [message.id, ...(message.coalesced ?? [])]) {
    await ctx.publish({ type: 'turn.completed', ...route(message), inReplyTo: id, state });
    options.dedupe?.confirm(message.conversationId, id, options.clock.now());
  }
  return true;
}
