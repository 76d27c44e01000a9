/**
 * Flood control, enforced in the conversation runtime before any model sees a message: per-person and
 * per-tenant message rates (sliding one-minute windows), and repeated attacks escalate — a person
 * whose messages were blocked `blocksBeforeMute` times within `blockWindowMs` is muted for `muteMs`.
 */
export interface FloodSettings {
  maxMessagesPerUserPerMinute: number;
  /** Unset: no fixed per-tenant cap (resource admission handles floods). */
  maxMessagesPerTenantPerMinute?: number | undefined;
  blocksBeforeMute: number;
  blockWindowMs: number;
  muteMs: number;
}

export type FloodOutcome = 'ok' | 'user_limited' | 'tenant_limited' | 'muted';

const MINUTE = 60_000;

export class FloodControl {
  private readonly users = new Map<string, number[]>();
  private readonly tenants = new Map<string, number[]>();
  private readonly blocks = new Map<string, number[]>();
  private readonly mutedUntil = new Map<string, number>();
  /** People told they were limited (told once per window, not on every message). */
  private readonly told = new Map<string, number>();

  constructor(private readonly settings: FloodSettings) {}

  /** Counts one message of `person` (a conversation id) in `tenantId` at `now` and says whether it may go on. */
  check(person: string, tenantId: string, now: number): FloodOutcome {
    const muted = this.mutedUntil.get(person);
    if (muted !== undefined) {
      if (now < muted) return 'muted';
      this.mutedUntil.delete(person);
      this.blocks.delete(person);
    }
    const user = recent(this.users, person, now, MINUTE);
    if (user.length >= this.settings.maxMessagesPerUserPerMinute) return 'user_limited';
    const cap = this.settings.maxMessagesPerTenantPerMinute;
    if (cap !== undefined) {
      const tenant = recent(this.tenants, tenantId, now, MINUTE);
      if (tenant.length >= cap) return 'tenant_limited';
      tenant.push(now);
    }
    user.push(now);
    return 'ok';
  }

  /** Whether the person should be told about a limit now (once per minute at most). */
  shouldTell(person: string, now: number): boolean {
    const last = this.told.get(person);
    if (last !== undefined && now - last < MINUTE) return false;
    this.told.set(person, now);
    return true;
  }

  /** A message of `person` was blocked; returns true when this mutes them. */
  noteBlocked(person: string, now: number): boolean {
    const blocks = recent(this.blocks, person, now, this.settings.blockWindowMs);
    blocks.push(now);
    if (blocks.length < this.settings.blocksBeforeMute) return false;
    this.mutedUntil.set(person, now + this.settings.muteMs);
    return true;
  }

  /** Forgets windows that ended (called periodically; memory follows active people only). */
  prune(now: number): void {
    for (const map of [this.users, this.tenants]) prune(map, now, MINUTE);
    prune(this.blocks, now, this.settings.blockWindowMs);
    for (const [person, until] of this.mutedUntil) if (until <= now) this.mutedUntil.delete(person);
    for (const [person, at] of this.told) if (now - at >= MINUTE) this.told.delete(person);
  }
}

function recent(map: Map<string, number[]>, key: string, now: number, windowMs: number): number[] {
  let times = map.get(key);
  if (!times) {
    times = [];
    map.set(key, times);
  }
  while (times.length > 0 && now - times[0]! >= windowMs) times.shift();
  return times;
}

function prune(map: Map<string, number[]>, now: number, windowMs: number): void {
  for (const [key, times] of map) {
    while (times.length > 0 && now - times[0]! >= windowMs) times.shift();
    if (times.length === 0) map.delete(key);
  }
}
