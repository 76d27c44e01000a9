import { budgetHeadroom, budgetReadyAt } from './key-budget.ts';
import type { KeyHealth } from './key-health.ts';
import type { KeyState } from './key-state.ts';

/** How keys are chosen beyond least connections. */
export interface PickerOptions {
  /** Share of each key's burst kept for urgent requests (0..1). */
  urgentReserve: number;
  /** Requests at or above this priority may use the reserve. */
  urgentPriority: number;
  /** Longest wait for a pinned key before moving; default one pacing interval of that key. */
  pinPatienceMs?: number;
}

/**
 * Key selection: least connections among usable keys (ties: most budget left, then key order),
 * with the reservations a drain pass uses to keep budget for more urgent waiters.
 */
export class KeyPicker {
  /** Side result of `pick` when it finds no key (avoids an allocation on the hot path). */
  pickAt = Infinity;
  /** Side result of `pick`: it found no key because the pinned one is worth waiting for. */
  patient = false;

  constructor(
    private readonly keys: readonly KeyState[],
    private readonly health: KeyHealth,
    private readonly options: PickerOptions = { urgentReserve: 0, urgentPriority: 8 },
  ) {}

  /** Earliest time the key (and its group) can take a request of `tokens`; Infinity: wait for a lease end. */
  readyAt(key: KeyState, now: number, tokens: number, priority = 5): number {
    const healthy = this.health.healthyAt(key);
    // Half-open breaker: one probe request at a time.
    if (healthy <= now && this.health.probing(key)) return Infinity;
    const reserve = priority >= this.options.urgentPriority ? 0 : this.options.urgentReserve;
    return Math.max(healthy, budgetReadyAt(key, now, tokens, reserve));
  }

  /**
   * How long a conversation waits for its own key before it moves: about one pacing interval, at most
   * two seconds (a key at a few requests a minute is not worth a long wait when another is free).
   */
  private patience(key: KeyState): number {
    if (this.options.pinPatienceMs !== undefined) return this.options.pinPatienceMs;
    return Math.min(2_000, this.interval(key));
  }

  /**
   * The key takes no new conversation: it is at its configured cap, or at its measured cap while
   * another key still has room (a measured cap steers conversations to faster keys; pacing limits).
   */
  private full(key: KeyState): boolean {
    if (key.conversations < key.maxConversations) return false;
    if (key.fixedCap !== undefined) return true;
    return this.keys.some((k) => k.conversations < k.maxConversations);
  }

  /** The key's pacing interval: the slower of its own and its group's. */
  private interval(key: KeyState): number {
    return Math.max(key.budget.requestPacer?.intervalMs ?? 0, key.group?.requestPacer?.intervalMs ?? 0);
  }

  /**
   * The key to pin a conversation to, other than `current`: the healthy key with room and the
   * fewest conversations (ties: most budget left, then key order). `undefined` when none.
   */
  pinTarget(current: KeyState | undefined, now: number): KeyState | undefined {
    let best: KeyState | undefined;
    let bestRoom = -Infinity;
    for (const key of this.keys) {
      if (key === current || this.full(key) || this.health.healthyAt(key) > now) continue;
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
  pick(
    pinned: KeyState | undefined,
    tokens: number,
    now: number,
    epoch = -1,
    priority = 5,
  ): KeyState | undefined {
    let earliest = Infinity;
    this.patient = false;
    if (pinned) {
      const claimed = pinned.reserved === epoch;
      const at = this.readyAt(pinned, now, tokens, priority);
      if (at <= now && !claimed) return pinned;
      earliest = at;
      // Its key frees within the patience (and is healthy), counting the waiters served on it first:
      // wait for it rather than hop keys.
      const turn = claimed ? Math.max(at, now) + pinned.ahead * this.interval(pinned) : at;
      if (turn - now <= this.patience(pinned)) {
        this.patient = true;
        this.pickAt = at;
        return undefined;
      }
      if (claimed) earliest = Infinity;
    }
    let best: KeyState | undefined;
    let bestRoom = -Infinity;
    for (const key of this.keys) {
      if (key === pinned || key.reserved === epoch || this.full(key)) continue;
      const at = this.readyAt(key, now, tokens, priority);
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

  /**
   * Marks the keys a blocked waiter could use; returns how many keys are now reserved. A waiter that
   * is only being patient with its own key reserves that key alone.
   */
  reserve(pinned: KeyState | undefined, epoch: number, count: number): number {
    if (this.patient && pinned) return count + this.claim(pinned, epoch);
    for (const key of this.keys) if (key === pinned || !this.full(key)) count += this.claim(key, epoch);
    return count;
  }

  /** Claims `key` for a waiter in drain pass `epoch`; 1 when it was not claimed yet in this pass. */
  private claim(key: KeyState, epoch: number): number {
    if (key.reserved === epoch) {
      key.ahead++;
      return 0;
    }
    key.reserved = epoch;
    key.ahead = 1;
    return 1;
  }
}
