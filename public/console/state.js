// What the console knows right now; the views render from it.

import { t } from '/console/i18n.js';

export const state = {
  /** `{ name, tenant, admin }` once logged in. */
  me: null,
  /** Queue items, most urgent first (each stamped with `_at`, when its waitingSeconds was read). */
  queue: [],
  /** Recent conversations (`/api/conversations`). */
  recent: [],
  /** Conversations with activity the operator has not seen yet. */
  activity: new Set(),
  /** The conversation shown in the centre pane (`null`: none), and what was loaded for it. */
  openId: null,
  conv: null,
};

export function isMine(conv = state.conv) {
  return Boolean(conv?.owner) && conv.owner === state.me?.name;
}

export function queueItem(id) {
  return state.queue.find((item) => item.conversationId === id);
}

export function recentItem(id) {
  return state.recent.find((item) => item.conversationId === id);
}

/**
 * `Atendido por Marta` (owned) / `Esperando a una persona` (in the queue, nobody on it) /
 * `Caso cerrado` / `Bot atendiendo`. The queue decides "waiting": a conversation given back to the
 * bot may still be in its `handoff` phase, but no longer needs a person.
 */
export function stateLabel({ conversationId, state: phase, owner }) {
  if (owner) return t(owner === state.me?.name ? 'stateOwnedByMe' : 'stateOwnedBy', { name: owner });
  if (queueItem(conversationId)) return t('stateWaiting');
  if (phase === 'closed') return t('stateClosed');
  return t('stateBot');
}

/** A short key for the same distinction, for styling (`data-state`). */
export function stateKind({ conversationId, state: phase, owner }) {
  if (owner) return owner === state.me?.name ? 'mine' : 'owned';
  if (queueItem(conversationId)) return 'waiting';
  return phase === 'closed' ? 'closed' : 'bot';
}
