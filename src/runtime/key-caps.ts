import type { KeyState } from './key-state.ts';

/** Fewest requests over the last window before the pool trusts its per-conversation measure. */
const MIN_SAMPLE = 30;

/**
 * Measured conversation caps (keys without a configured `maxConversations`): a key holds as many
 * conversations as its rate in force allows at the LLM requests per minute one pinned conversation
 * made over the last window — what `leadbot capacity` recommends, kept live, so conversations go
 * to keys in proportion to their rates. A measured cap steers and never strands a conversation:
 * it binds only while another key still has room under its own (`KeyPicker`). No cap until enough traffic was seen, or while the key has
 * no request rate.
 */
export function measureCaps(keys: readonly KeyState[], now: number): void {
  let requests = 0;
  let conversations = 0;
  for (const key of keys) {
    requests += key.budget.requests?.count(now) ?? 0;
    conversations += key.conversations;
  }
  // The request windows span about a minute (60 s plus a small margin).
  const perConversationPerMinute = conversations > 0 ? requests / conversations : 0;
  for (const key of keys) {
    const rpm = key.budget.rpm;
    key.measuredCap =
      requests < MIN_SAMPLE || perConversationPerMinute <= 0 || rpm === undefined
        ? Infinity
        : Math.max(1, Math.floor(rpm / perConversationPerMinute));
  }
}
