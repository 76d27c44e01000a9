/**
 * The events the KeyPool actor's mailbox takes, with what each does: the actor's handlers are typed
 * against this list (`satisfies Record<KeyPoolEvent, …>`) and the state chart draws it.
 */
export const KEY_POOL_EVENTS = {
  acquire:
    'A turn asks for a key: least connections among healthy keys, pinned per conversation, paced to the key’s limits; waits in a priority queue until its deadline',
  pin: 'Which key a conversation is pinned to (a new turn prefers it)',
  release: 'A conversation ends: its pin and any lease it still holds are let go',
  'usage.reported': 'A lease ends with the tokens the provider counted: the key’s budget is corrected',
  'rate.limited': 'The provider answered 429: the key cools down for Retry-After (or a default)',
  'lease.failed': 'A call on a lease failed (5xx, network): counts towards the key’s circuit breaker',
  'limits.observed':
    'x-ratelimit-* headers seen: the key’s real limits and what is left replace the configured ones',
  'key.failed': 'A failure reported outside a lease: counts towards the circuit breaker',
  'key.succeeded': 'A success: closes a half-open breaker',
  sweep: 'Drops the pins of conversations idle for longer than the pin TTL',
  tick: 'Once a second: pacers refill, cooldowns end, waiting acquires are served, the snapshot is refreshed',
  snapshot: 'Refreshes the snapshot (/metrics, the inspector)',
  crashed:
    'A handler threw: the core is rebuilt from the old one (or the last snapshot) and the event retried once',
} as const;

export type KeyPoolEvent = keyof typeof KEY_POOL_EVENTS;
