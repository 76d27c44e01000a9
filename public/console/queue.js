// The left column: the queue of conversations that need a person, and recent conversations.

import { ago, byId, channelName, duration, el, label, urgencyBadge, urgencyRank } from '/console/dom.js';
import { t } from '/console/i18n.js';
import { state, stateKind, stateLabel } from '/console/state.js';

let openHandler = () => {};

export function initQueue({ onOpen }) {
  openHandler = onOpen;
}

const stamp = (item) => ({ ...item, _at: Date.now() });

/** Seconds waited by now: the server's figure plus the time since it was read. */
export function waitingNow(item) {
  return (Number(item.waitingSeconds) || 0) + (Date.now() - item._at) / 1000;
}

function sortQueue() {
  state.queue.sort(
    (a, b) => urgencyRank(a.urgency_level) - urgencyRank(b.urgency_level) || waitingNow(b) - waitingNow(a),
  );
}

export function setQueue(items) {
  state.queue = (Array.isArray(items) ? items : []).map(stamp);
  sortQueue();
  renderQueue();
}

/** A `handoff` event: insert or update the item, keeping the order. */
export function upsertHandoff(item) {
  if (!item?.conversationId) return;
  const index = state.queue.findIndex((q) => q.conversationId === item.conversationId);
  if (index === -1) state.queue.push(stamp(item));
  else state.queue[index] = stamp({ ...state.queue[index], ...item });
  sortQueue();
  renderQueue();
}

export function removeHandoff(id) {
  state.queue = state.queue.filter((q) => q.conversationId !== id);
  renderQueue();
}

/** Owner/state changes learnt from a command or a `state` event. */
export function patchItems(id, changes) {
  for (const list of [state.queue, state.recent]) {
    const item = list.find((q) => q.conversationId === id);
    if (item) Object.assign(item, changes);
  }
  renderQueue();
  renderRecent();
}

export function setRecent(items) {
  state.recent = Array.isArray(items) ? items : [];
  renderRecent();
}

export function markActivity(id) {
  state.activity.add(id);
  renderQueue();
  renderRecent();
}

export function clearActivity(id) {
  if (!state.activity.delete(id)) return;
  renderQueue();
  renderRecent();
}

/** Re-renders `list`, keeping keyboard focus on the same conversation if it had it. */
function replaceItems(list, nodes) {
  const focused = list.contains(document.activeElement)
    ? document.activeElement.dataset.conversationId
    : undefined;
  list.replaceChildren(...nodes);
  if (focused === undefined) return;
  for (const button of list.querySelectorAll('button[data-conversation-id]'))
    if (button.dataset.conversationId === focused) button.focus();
}

function activityMark(id) {
  if (!state.activity.has(id)) return null;
  return el(
    'span',
    { className: 'activity', attrs: { title: t('newActivity') } },
    el('span', { className: 'visually-hidden', text: t('newActivity') }),
  );
}

function itemButton(testid, id, className, children) {
  const current = id === state.openId;
  return el(
    'button',
    {
      className: `${className}${current ? ' is-open' : ''}${state.activity.has(id) ? ' has-activity' : ''}`,
      testid,
      data: { conversationId: id },
      attrs: { type: 'button', 'aria-current': current ? 'true' : null },
      on: { click: () => openHandler(id) },
    },
    ...children,
  );
}

function queueEntry(item) {
  const id = item.conversationId;
  const details = [
    label('reason', item.reason),
    item.reference,
    item.owner ? t('withOwner', { name: item.owner }) : '',
  ].filter(Boolean);
  return el(
    'li',
    {},
    itemButton('queue-item', id, 'queue-item', [
      el(
        'span',
        { className: 'item-top' },
        el('span', { className: 'item-name', text: item.name || t('noName') }),
        activityMark(id),
        urgencyBadge(item.urgency_level),
      ),
      item.company ? el('span', { className: 'item-company', text: item.company }) : null,
      el(
        'span',
        { className: 'item-meta' },
        el('span', { className: 'chip', text: channelName(item.channel) }),
        el('span', {
          className: 'item-wait',
          text: t('waiting', { time: duration(waitingNow(item)) }),
        }),
      ),
      details.length
        ? el('span', { className: `item-details${item.owner ? ' has-owner' : ''}` }, details.join(' · '))
        : null,
    ]),
  );
}

export function renderQueue() {
  const list = byId('queue');
  replaceItems(list, state.queue.map(queueEntry));
  byId('queue-empty').hidden = state.queue.length > 0;
  byId('queue-count').textContent = state.queue.length ? String(state.queue.length) : '';
}

function recentEntry(item) {
  const id = item.conversationId;
  return el(
    'li',
    {},
    itemButton('conversation-item', id, 'conv-item', [
      el(
        'span',
        { className: 'item-top' },
        el('span', { className: 'item-name', text: item.name || t('noName') }),
        activityMark(id),
        el('span', { className: 'item-when', text: ago(item.updatedAt) }),
      ),
      el(
        'span',
        { className: 'item-meta' },
        el('span', { className: 'chip', text: channelName(item.channel) }),
        el('span', {
          className: 'item-state',
          data: { state: stateKind(item) },
          text: stateLabel(item),
        }),
      ),
    ]),
  );
}

export function renderRecent() {
  replaceItems(byId('conversation-list'), state.recent.map(recentEntry));
  byId('recent-empty').hidden = state.recent.length > 0;
}
