import { createHash } from 'node:crypto';
import { z } from 'zod';
import { systemClock, type Clock } from '../ports/clock.ts';
import { CasContentionError, casUpdate, type VersionedStore } from './versioned-store.ts';

/** One key's limits, cluster-wide (absent: no limit of that kind). */
export interface SharedKeyLimits {
  /** Requests per minute. */
  rpm?: number | undefined;
  /** Tokens per minute. */
  tpm?: number | undefined;
  /** Conversations pinned to the key at once. */
  maxConversations?: number | undefined;
}

export interface ClusterBudgetOptions {
  /** Shared store with compare-and-set (NATS KV bucket `leadbot_budget` in a cluster). */
  store: VersionedStore;
  /** Limits per key id; a key not listed is not limited here. */
  limits: Readonly<Record<string, SharedKeyLimits>>;
  clock?: Clock;
  /** The provider's window plus a margin for clock skew between nodes (default 61 s). */
  windowMs?: number;
  /** Slot length: usage is counted in slots this long (default 1 s; smaller is tighter, larger is cheaper). */
  slotMs?: number;
  /** A conversation's hold on a key lapses when not refreshed for this long (default 15 min). */
  conversationTtlMs?: number;
  /** Compare-and-set attempts before an update gives up (counted as refused). */
  attempts?: number;
}

/** What one request charges. */
export interface Charge {
  requests?: number;
  tokens?: number;
}

/** Usage of one key as the cluster sees it. */
export interface SharedKeyUsage {
  requests: number;
  tokens: number;
  conversations: number;
}

/** `rate.<key>`: usage per slot, `[slotStart, requests, tokens]`, oldest first. */
const RateSchema = z.object({ slots: z.array(z.tuple([z.number(), z.number(), z.number()])) });
type Rate = z.infer<typeof RateSchema>;
/** `conv.<key>`: conversation hash → hold expiry (epoch ms). */
const HoldsSchema = z.object({ holds: z.record(z.string(), z.number()) });
type Holds = z.infer<typeof HoldsSchema>;

function parseWith<T>(schema: z.ZodType<T>) {
  return (value: string): T | undefined => {
    try {
      const parsed = schema.safeParse(JSON.parse(value));
      return parsed.success ? parsed.data : undefined;
    } catch {
      return undefined;
    }
  };
}
const parseRate = parseWith(RateSchema);
const parseHolds = parseWith(HoldsSchema);

/** Store keys: only `[-/_=.A-Za-z0-9]` are allowed. */
function safe(keyId: string): string {
  return keyId.replace(/[^A-Za-z0-9-]/g, (c) => `_${c.charCodeAt(0).toString(16)}`);
}

/** Conversations are stored as hashes: conversation ids may hold phone numbers. */
function conversationHash(conversationId: string): string {
  return createHash('sha256').update(conversationId).digest('base64url').slice(0, 16);
}

/**
 * The LLM keys' budgets shared by every node, so N nodes never spend N times a key's limit.
 *
 * Requests and tokens: one entry per key holding its usage in short slots (default 1 s). A charge
 * is admitted only when the slots that overlap the last `windowMs` plus the new charge stay within
 * the limit, and is written with compare-and-set on the entry's revision (a lost race re-reads and
 * decides again). Counting whole slots over-counts by at most one slot, never under-counts: no
 * window of `windowMs` ever holds more than the limit, whatever the interleaving of nodes.
 *
 * Conversations: one entry per key with the hashes of the conversations pinned to it and when each
 * hold lapses; a node that dies stops refreshing its holds and they lapse.
 */
export class ClusterBudget {
  private readonly clock: Clock;
  private readonly windowMs: number;
  private readonly slotMs: number;
  private readonly conversationTtlMs: number;
  /** Last usage this node read or wrote, per key (for `retryAt` and reports without a round trip). */
  private readonly lastRate = new Map<string, Rate>();
  private readonly lastHolds = new Map<string, Holds>();

  constructor(private readonly options: ClusterBudgetOptions) {
    this.clock = options.clock ?? systemClock;
    this.windowMs = options.windowMs ?? 61_000;
    this.slotMs = options.slotMs ?? 1_000;
    this.conversationTtlMs = options.conversationTtlMs ?? 15 * 60_000;
  }

  /**
   * Charges one request (and its estimated tokens) to `keyId` if the cluster-wide budget allows it
   * now; false when it does not (or the shared store stayed contended), and nothing is charged.
   */
  async tryConsume(keyId: string, charge: Charge = {}): Promise<boolean> {
    const limits = this.options.limits[keyId];
    const requests = charge.requests ?? 1;
    const tokens = Math.max(0, charge.tokens ?? 0);
    if (!limits || (limits.rpm === undefined && limits.tpm === undefined)) return true;
    try {
      return await casUpdate(
        this.options.store,
        `rate.${safe(keyId)}`,
        parseRate,
        (current) => {
          const now = this.clock.now();
          const rate = this.prune(current, now);
          this.lastRate.set(keyId, rate);
          const used = sum(rate);
          if (limits.rpm !== undefined && used.requests + requests > Math.floor(limits.rpm))
            return { skip: false };
          // A charge larger than the whole limit waits for an empty window rather than forever.
          if (limits.tpm !== undefined && used.tokens + Math.min(tokens, limits.tpm) > limits.tpm)
            return { skip: false };
          const next = addTo(rate, this.slotStart(now), requests, tokens);
          this.lastRate.set(keyId, next);
          return { write: next, result: true };
        },
        this.options.attempts,
      );
    } catch (error) {
      if (error instanceof CasContentionError) return false;
      throw error;
    }
  }

  /**
   * Corrects a charge made at `chargedAt` by `deltaTokens` (real usage minus the estimate) while
   * its slot is still in the window.
   */
  async adjustTokens(keyId: string, chargedAt: number, deltaTokens: number): Promise<void> {
    if (deltaTokens === 0 || this.options.limits[keyId]?.tpm === undefined) return;
    const start = this.slotStart(chargedAt);
    await casUpdate(this.options.store, `rate.${safe(keyId)}`, parseRate, (current) => {
      const rate = this.prune(current, this.clock.now());
      const slot = rate.slots.find((s) => s[0] === start);
      if (!slot) return { skip: undefined };
      slot[2] = Math.max(0, slot[2] + deltaTokens);
      this.lastRate.set(keyId, rate);
      return { write: rate, result: undefined };
    });
  }

  /**
   * Earliest time a request of `tokens` may fit on `keyId`, from the usage this node last saw
   * (`now` when it fits already or nothing is known). A hint for waiting: `tryConsume` decides.
   */
  retryAt(keyId: string, tokens = 0): number {
    const now = this.clock.now();
    const limits = this.options.limits[keyId];
    const rate = this.prune(this.lastRate.get(keyId), now);
    if (!limits) return now;
    let { requests, tokens: used } = sum(rate);
    const fits = () =>
      (limits.rpm === undefined || requests + 1 <= Math.floor(limits.rpm)) &&
      (limits.tpm === undefined || used + Math.min(tokens, limits.tpm) <= limits.tpm);
    if (fits()) return now;
    for (const [start, r, t] of rate.slots) {
      requests -= r;
      used -= t;
      if (fits()) return start + this.slotMs + this.windowMs;
    }
    return now + this.windowMs;
  }

  /**
   * Pins `conversationId` to `keyId` cluster-wide (or refreshes its hold). False when the key
   * already holds its `maxConversations` other conversations.
   */
  async holdConversation(keyId: string, conversationId: string): Promise<boolean> {
    const max = this.options.limits[keyId]?.maxConversations;
    const hash = conversationHash(conversationId);
    try {
      return await casUpdate(
        this.options.store,
        `conv.${safe(keyId)}`,
        parseHolds,
        (current) => {
          const now = this.clock.now();
          const holds = this.live(current, now);
          this.lastHolds.set(keyId, holds);
          if (!(hash in holds.holds) && max !== undefined && Object.keys(holds.holds).length >= max)
            return { skip: false };
          holds.holds[hash] = now + this.conversationTtlMs;
          return { write: holds, result: true };
        },
        this.options.attempts,
      );
    } catch (error) {
      if (error instanceof CasContentionError) return false;
      throw error;
    }
  }

  /** Unpins a conversation from a key (ended, disconnected, idle or moved). */
  async releaseConversation(keyId: string, conversationId: string): Promise<void> {
    const hash = conversationHash(conversationId);
    await casUpdate(this.options.store, `conv.${safe(keyId)}`, parseHolds, (current) => {
      const holds = this.live(current, this.clock.now());
      this.lastHolds.set(keyId, holds);
      if (!(hash in holds.holds)) return { skip: undefined };
      delete holds.holds[hash];
      return { write: holds, result: undefined };
    });
  }

  /** Cluster-wide usage of a key, read now from the shared store. */
  async usage(keyId: string): Promise<SharedKeyUsage> {
    const now = this.clock.now();
    const [rateEntry, holdsEntry] = await Promise.all([
      this.options.store.get(`rate.${safe(keyId)}`),
      this.options.store.get(`conv.${safe(keyId)}`),
    ]);
    const rate = this.prune(rateEntry ? parseRate(rateEntry.value) : undefined, now);
    const holds = this.live(holdsEntry ? parseHolds(holdsEntry.value) : undefined, now);
    this.lastRate.set(keyId, rate);
    this.lastHolds.set(keyId, holds);
    return { ...sum(rate), conversations: Object.keys(holds.holds).length };
  }

  /** Conversations pinned to the key cluster-wide, as this node last saw it (no round trip). */
  activeConversations(keyId: string): number {
    return Object.keys(this.live(this.lastHolds.get(keyId), this.clock.now()).holds).length;
  }

  private slotStart(t: number): number {
    return Math.floor(t / this.slotMs) * this.slotMs;
  }

  /** Slots that still overlap the window ending at `now` (copied: callers mutate the result). */
  private prune(rate: Rate | undefined, now: number): Rate {
    const edge = now - this.windowMs;
    return {
      slots: (rate?.slots ?? [])
        .filter(([start]) => start + this.slotMs > edge)
        .map(([s, r, t]) => [s, r, t] as [number, number, number]),
    };
  }

  private live(holds: Holds | undefined, now: number): Holds {
    const out: Holds = { holds: {} };
    for (const [hash, until] of Object.entries(holds?.holds ?? {})) if (until > now) out.holds[hash] = until;
    return out;
  }
}

function sum(rate: Rate): { requests: number; tokens: number } {
  let requests = 0;
  let tokens = 0;
  for (const [, r, t] of rate.slots) {
    requests += r;
    tokens += t;
  }
  return { requests, tokens };
}

function addTo(rate: Rate, start: number, requests: number, tokens: number): Rate {
  const slots = rate.slots.map(([s, r, t]) => [s, r, t] as [number, number, number]);
  const last = slots[slots.length - 1];
  if (last && last[0] === start) {
    last[1] += requests;
    last[2] += tokens;
  } else {
    slots.push([start, requests, tokens]);
    slots.sort((a, b) => a[0] - b[0]);
  }
  return { slots };
}
