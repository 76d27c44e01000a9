import { budgetHeadroom, budgetReadyAt } from './key-budget.ts';
import type { KeyHealth } from './key-health.ts';
import type { KeyState } from './key-state.ts';

/**
 * Key selection: least connections among usable keys (ties: most budget left, then key order),
 * with the reservations a drain pass uses to keep budget for more urgent waiters.
 */
export class KeyPicker {
  /** Side result of `pick` when it finds no key (avoids an allocation on the hot path). */
  pickAt = Infinity;

  constructor(
    private readonly keys: readonly KeyState[],
    private readonly health: KeyHealth,
  ) {}

  /** Earliest time the key (and its group) can take a request of `tokens`; Infinity: wait for a lease end. */
  readyAt(key: KeyState, now: number, tokens: number): number {
    const healthy = this.health.healthyAt(key);
    // Half-open breaker: one probe request at a time.
    if (healthy <= now && this.health.probing(key)) return Infinity;
    return Math.max(healthy, budgetReadyAt(key, now, tokens));
  }

  /**
   * The key to pin a conversation to, other than `current`: the healthy key with room and the
   * fewest conversations (ties: most budget left, then key order). `undefined` when none.
   */
  pinTarget(current: KeyState | undefined, now: number): KeyState | undefined {
    let best: KeyState | undefined;
    let bestRoom = -Infinity;
    for (const key of this.keys) {
      if (key === current || key.conversations >= key.maxConversations || this.health.healthyAt(key) > now)
        continue;
      if (best !== undefined && key.conversations > best.conversations) continue;
      const room = budgetHeadroom(key, now);
      if (best === undefined || key.conversations < best.conversations || room > bestRoom) {
        best = key;
        bestRoom = room;
      }
    }
    return best;
  }

  /**
   * The key for a request now: the pinned one if ready, else the ready key with fewest
   * conversations (and room for one more). Keys reserved in this drain pass (`epoch`) are left to
   * the more urgent waiter that reserved them. When none, sets `pickAt`: the earliest time one of
   * the keys looked at may be ready.
   */
  pick(pinned: KeyState | undefined, tokens: number, now: number, epoch = -1): KeyState | undefined {
    let earliest = Infinity;
    if (pinned && pinned.reserved !== epoch) {
      const at = this.readyAt(pinned, now, tokens);
      if (at <= now) return pinned;
      earliest = at;
    }
    let best: KeyState | undefined;
    let bestRoom = -Infinity;
    for (const key of this.keys) {
      if (key === pinned || key.reserved === epoch || key.conversations >= key.maxConversations) continue;
      const at = this.readyAt(key, now, tokens);
      if (at > now) {
        if (at < earliest) earliest = at;
        continue;
      }
      if (best !== undefined && key.conversations > best.conversations) continue;
      const room = budgetHeadroom(key, now);
      if (best === undefined || key.conversations < best.conversations || room > bestRoom) {
        best = key;
        bestRoom = room;
      }
    }
    this.pickAt = earliest;
    return best;
  }

  /** Marks the keys a blocked waiter could use; returns how many keys are now reserved. */
  reserve(pinned: KeyState | undefined, epoch: number, count: number): number {
    for (const key of this.keys) {
      if (key.reserved === epoch) continue;
      if (key === pinned || key.conversations < key.maxConversations) {
        key.reserved = epoch;
        count++;
      }
    }
    return count;
  }
}
