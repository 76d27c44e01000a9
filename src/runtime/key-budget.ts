/**
 * The pool's view of a key's budget: the key's own and, when it belongs to a limit group, the
 * group's shared one, always together. Admission (`budgetReadyAt`), ranking (`budgetHeadroom`),
 * charging and settling a request all go through here; admission is paced (GCRA, `pacer.ts`).
 */
import type { KeyState, LeaseUsage } from './key-state.ts';
import type { TokenCharge } from './sliding-window.ts';

/** Earliest time ≥ `now` at which the key and its group both admit `tokens`; Infinity: wait for a lease end. */
export function budgetReadyAt(key: KeyState, now: number, tokens: number, reserve = 0): number {
  const at = key.budget.readyAt(now, tokens, reserve);
  return key.group ? Math.max(at, key.group.readyAt(now, tokens, reserve)) : at;
}

/** Share of the budget still free now, 0..1: the tighter of the key's and its group's. */
export function budgetHeadroom(key: KeyState, now: number): number {
  const own = key.budget.headroom(now);
  return key.group ? Math.min(own, key.group.headroom(now)) : own;
}

/** Charges one request of `tokens` to the key and its group; the caller checked `budgetReadyAt`. */
export function chargeBudget(key: KeyState, now: number, tokens: number): TokenCharge {
  const charge = { t: now, tokens };
  key.budget.take(now, charge);
  key.group?.take(now, charge);
  return charge;
}

/** A lease ended: frees its concurrency slot on the key and its group. */
export function finishBudget(key: KeyState): void {
  key.budget.finish();
  key.group?.finish();
}

/** Replaces a charge's estimate with the provider's real usage. */
export function correctBudget(key: KeyState, charge: TokenCharge, usage: LeaseUsage, now: number): void {
  const real = Number.isFinite(usage.totalTokens) && usage.totalTokens > 0 ? usage.totalTokens : 0;
  const delta = real - charge.tokens;
  if (delta !== 0) {
    // Windows first, then the charge: see TokenWindow.adjust.
    key.budget.adjustTokens(charge, delta, now);
    key.group?.adjustTokens(charge, delta, now);
    charge.tokens = real;
  }
}
