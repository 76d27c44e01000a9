import type { Clock } from '../ports/clock.ts';
import { Budget } from './budget.ts';
import { DEFAULT_PACING, type PacingOptions } from './pacer.ts';
import type { GroupSpec, KeySpec } from './key-specs.ts';
import { KeyState } from './key-state.ts';

/** The pool logs through this (a pino logger fits). It never receives a secret. */
export interface PoolLogger {
  warn(obj: object, msg: string): void;
  info(obj: object, msg: string): void;
  debug(obj: object, msg: string): void;
}

/** Why a conversation lets go of its key. */
export type ReleaseReason = 'ended' | 'disconnected' | 'idle';

/** Options of `KeyPool`; every duration in milliseconds. */
export interface KeyPoolOptions {
  keys: readonly KeySpec[];
  /** A conversation was unpinned from a key (cluster mode releases its shared hold). */
  onRelease?: (conversationId: string, keyId: string, reason: ReleaseReason) => void;
  /** A conversation was pinned to a key (first time, or moved). */
  onPin?: (conversationId: string, keyId: string) => void;
  /** Limit groups (one provider account): a key's budget is the tighter of its own and its group's. */
  groups?: Readonly<Record<string, GroupSpec>>;
  clock: Clock;
  log?: PoolLogger;
  /** Applied to keys that leave these out. */
  defaults?: { tpm?: number; maxConversations?: number; maxConcurrent?: number };
  /** A conversation with no request for this long is released (default 15 min). */
  idleMs?: number;
  /** How long `acquire` waits when no key has budget, unless the call says (default 20 s). */
  deadlineMs?: number;
  /** `alert` turns on when pool capacity stays ≥ the threshold this long (default 60 s). */
  alertWindowMs?: number;
  /** Pool capacity percentage that counts as high (default 80). */
  alertThresholdPct?: number;
  /** Added to the 60 s reporting window (default 1000). */
  windowMarginMs?: number;
  /** Consecutive failures that open a key's circuit breaker (default 3). */
  failureThreshold?: number;
  /** How long an open breaker keeps a key out before one probe request (default 30 s). */
  breakerCooldownMs?: number;
  /** Cooldown after a 429 without a usable `Retry-After` (default 60 s: a whole window). */
  defaultRetryAfterMs?: number;
  /** Housekeeping period: alert sampling and the idle sweep (default 1 s; 0: only `tick()` calls). */
  tickMs?: number;
  /** Paced admission: burst in seconds of the rate (default 1) and safety margin (default 0.03). */
  pacing?: Partial<PacingOptions>;
  /** Share of each key's burst kept for urgent requests, priority ≥ 8 (default 0.2). */
  urgentReserve?: number;
  /** Longest wait for a conversation's own key before it moves (default: one pacing interval). */
  pinPatienceMs?: number;
}

/** Options of one `acquire`. */
export interface AcquireOptions {
  /** Tokens this request will probably use (prompt + max completion); corrected on release. */
  estimatedTokens: number;
  /** 0..9, higher is more urgent (default 5). */
  priority?: number;
  /** Aborting rejects the pending acquire with the signal's reason. */
  signal?: AbortSignal;
  /** Longest wait for budget, from now; then `acquire` resolves `undefined` (default: the pool's). */
  deadlineMs?: number;
}

export const MINUTE = 60_000;
export const silentPoolLogger: PoolLogger = { warn: () => {}, info: () => {}, debug: () => {} };

/**
 * The pool's keys, in spec order: each with its own budget over `windowMs` and, when it belongs
 * to a limit group, that group's shared budget. Key fields left out take `defaults`.
 */
export function buildKeys(
  specs: readonly KeySpec[],
  groups: Readonly<Record<string, GroupSpec>>,
  defaults: NonNullable<KeyPoolOptions['defaults']>,
  windowMs: number,
  pacing: PacingOptions = DEFAULT_PACING,
): KeyState[] {
  const groupBudgets = new Map<string, Budget>();
  for (const [name, spec] of Object.entries(groups))
    groupBudgets.set(name, new Budget(spec, windowMs, pacing));
  const keys: KeyState[] = [];
  for (const spec of specs) {
    const limits = {
      rpm: spec.rpm,
      tpm: spec.tpm ?? defaults.tpm,
      maxConcurrent: spec.maxConcurrent ?? defaults.maxConcurrent,
    };
    const group = spec.group === undefined ? undefined : groupBudgets.get(spec.group);
    const cap = spec.maxConversations ?? defaults.maxConversations;
    keys.push(new KeyState(spec.id, spec.secret, limits, windowMs, pacing, group, cap));
  }
  return keys;
}
