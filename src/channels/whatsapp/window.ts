import type { Clock } from '../../ports/clock.ts';
import type { Store } from '../../ports/store.ts';

/** WhatsApp's customer-service window: free-form replies only within 24 h of the person's last message. */
export const SERVICE_WINDOW_MS = 24 * 60 * 60 * 1000;

/** How many history lines are read back to find the last inbound message after a restart. */
const HISTORY_LOOKBACK = 20;

/**
 * Tracks when each person last wrote, per conversation: in memory as messages arrive, and after a
 * restart from the last `user` line of the stored history. Time comes from the injected clock.
 */
export class ServiceWindow {
  private readonly lastInbound = new Map<string, number>();

  constructor(
    private readonly store: Pick<Store, 'getHistory'>,
    private readonly clock: Clock,
    private readonly windowMs = SERVICE_WINDOW_MS,
  ) {}

  /** The person wrote now (or at `at`). */
  noteInbound(conversationId: string, at = this.clock.now()): void {
    const previous = this.lastInbound.get(conversationId) ?? 0;
    if (at > previous) this.lastInbound.set(conversationId, at);
  }

  /** Epoch ms of the person's last message, or undefined when none is known. */
  async lastInboundAt(conversationId: string): Promise<number | undefined> {
    const known = this.lastInbound.get(conversationId);
    if (known !== undefined) return known;
    const history = await this.store.getHistory(conversationId, HISTORY_LOOKBACK);
    const last = history.findLast((line) => line.role === 'user');
    if (last) this.lastInbound.set(conversationId, last.at);
    return last?.at;
  }

  /** Whether a free-form message may be sent now; `lastInboundAt` for the log line when it may not. */
  async check(conversationId: string): Promise<{ open: boolean; lastInboundAt?: number }> {
    const at = await this.lastInboundAt(conversationId);
    if (at === undefined) return { open: false };
    return { open: this.clock.now() - at < this.windowMs, lastInboundAt: at };
  }
}
