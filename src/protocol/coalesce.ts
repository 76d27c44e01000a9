import type { InboundMessage } from './messages.ts';

/** One turn for a burst: the texts in order, answered as the last message (the others listed). */
export function coalesce(batch: readonly InboundMessage[]): InboundMessage {
  const first = batch[0]!;
  const last = batch[batch.length - 1]!;
  if (batch.length === 1) return first;
  const source = batch.find((m) => m.source)?.source;
  return {
    ...last,
    text: batch.map((m) => m.text).join('\n'),
    receivedAt: first.receivedAt,
    priority: Math.max(...batch.map((m) => m.priority)),
    coalesced: batch.slice(0, -1).map((m) => m.id),
    ...(source ? { source } : {}),
  };
}
