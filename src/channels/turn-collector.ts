import { OverloadedError } from '../errors.ts';
import type { Bus } from '../ports/bus.ts';
import type { BotMessage, OutboundEvent } from '../protocol/index.ts';

type Waiter = (event: OutboundEvent) => void;

/**
 * One outbound subscription per bus, dispatching by inbound message id: a node waiting on thousands
 * of turns at once does one map lookup per event, not one call per waiting request.
 */
const waitersOf = new WeakMap<Bus, Map<string, Set<Waiter>>>();

function waiters(bus: Bus): Map<string, Set<Waiter>> {
  let byId = waitersOf.get(bus);
  if (!byId) {
    const map = new Map<string, Set<Waiter>>();
    byId = map;
    waitersOf.set(bus, map);
    bus.subscribeOutbound((event) => {
      const id = 'inReplyTo' in event ? event.inReplyTo : undefined;
      if (id === undefined) return;
      const set = map.get(id);
      if (set) for (const waiter of [...set]) waiter(event);
    });
  }
  return byId;
}

/**
 * Collects the bot's replies to one inbound message until its turn completes. Subscribe before
 * publishing so no reply is missed.
 */
export function collectTurn(bus: Bus, inboundId: string, conversationId: string, timeoutMs: number) {
  const replies: BotMessage[] = [];
  const byId = waiters(bus);
  let waiter: Waiter = () => {};
  let timer: NodeJS.Timeout | undefined;
  const done = new Promise<{ replies: BotMessage[]; state: string }>((resolve, reject) => {
    waiter = (event) => {
      if (event.conversationId !== conversationId) return;
      if (event.type === 'bot.message') replies.push(event);
      if (event.type === 'turn.refused') {
        cleanup();
        reject(
          new OverloadedError(
            event.retryAfterS,
            `The message could not be stored (the data disk is full) and will not be answered; send it again in ${event.retryAfterS} s.`,
          ),
        );
      }
      if (event.type === 'turn.completed') {
        cleanup();
        resolve({ replies, state: event.state });
      }
    };
    let set = byId.get(inboundId);
    if (!set) byId.set(inboundId, (set = new Set()));
    set.add(waiter);
    timer = setTimeout(() => {
      cleanup();
      reject(new Error(`no reply within ${timeoutMs} ms`));
    }, timeoutMs);
  });
  const cleanup = () => {
    if (timer) clearTimeout(timer);
    const set = byId.get(inboundId);
    set?.delete(waiter);
    if (set?.size === 0) byId.delete(inboundId);
  };
  return { done, cancel: cleanup };
}
