import type { Bus } from '../ports/bus.ts';
import type { BotMessage } from '../protocol/index.ts';

/**
 * Collects the bot's replies to one inbound message until its turn completes. Subscribe before
 * publishing so no reply is missed.
 */
export function collectTurn(bus: Bus, inboundId: string, conversationId: string, timeoutMs: number) {
  const replies: BotMessage[] = [];
  let unsubscribe: () => void = () => {};
  let timer: NodeJS.Timeout | undefined;
  const done = new Promise<{ replies: BotMessage[]; state: string }>((resolve, reject) => {
    unsubscribe = bus.subscribeOutbound((event) => {
      if (event.conversationId !== conversationId || event.inReplyTo !== inboundId) return;
      if (event.type === 'bot.message') replies.push(event);
      if (event.type === 'turn.completed') {
        cleanup();
        resolve({ replies, state: event.state });
      }
    });
    timer = setTimeout(() => {
      cleanup();
      reject(new Error(`no reply within ${timeoutMs} ms`));
    }, timeoutMs);
  });
  const cleanup = () => {
    if (timer) clearTimeout(timer);
    unsubscribe();
  };
  return { done, cancel: cleanup };
}
