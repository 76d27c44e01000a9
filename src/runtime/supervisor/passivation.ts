import type { ConversationRegistry } from './registry.ts';
import type { RestartPolicy } from './restart-policy.ts';
import type { ConversationActor, SupervisorOptions } from './types.ts';

/**
 * After a persisted turn or timer: the actor is stopped and the conversation kept dormant, holding
 * only its persisted snapshot (the next message wakes it from there without a store read).
 */
export function rest(registry: ConversationRegistry, conversationId: string, actor: ConversationActor): void {
  const entry = registry.get(conversationId);
  if (!entry || entry.actor !== actor) return;
  const snapshot = actor.getSnapshot();
  if (snapshot.status !== 'active' || !snapshot.hasTag('awaiting-input')) return;
  entry.snapshot = actor.getPersistedSnapshot();
  delete entry.actor;
  actor.stop();
}

/**
 * Idle conversations leave memory: their state was persisted after their last turn, so a periodic
 * sweep drops the ones idle longer than the idle timeout and the next message rehydrates them.
 */
export class Passivation {
  private sweepTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly options: Pick<SupervisorOptions, 'clock' | 'idleTimeoutMs' | 'onPassivated'>,
    private readonly registry: ConversationRegistry,
    private readonly restarts: RestartPolicy,
  ) {}

  /** Sweeps every half idle timeout (between 1 s and 1 min); the timer never keeps the process up. */
  start(): void {
    const every = Math.max(1000, Math.min(60_000, this.options.idleTimeoutMs / 2));
    this.sweepTimer = setInterval(() => this.passivateIdle(), every);
    this.sweepTimer.unref();
  }

  /** Stops actors idle longer than the idle timeout; the next message rehydrates them. */
  passivateIdle(): number {
    const cutoff = this.options.clock.now() - this.options.idleTimeoutMs;
    let stopped = 0;
    for (const [id, entry] of this.registry.entries()) {
      if (
        !entry.busy &&
        entry.lastActive <= cutoff &&
        (!entry.actor || entry.actor.getSnapshot().hasTag('awaiting-input'))
      ) {
        this.registry.stopActor(id);
        this.registry.forgetFence(id);
        stopped++;
        this.options.onPassivated?.({ conversationId: id, ...entry.route });
      }
    }
    this.restarts.sweep();
    return stopped;
  }

  /** Stops the sweep (the conversations themselves are the registry's to stop). */
  stop(): void {
    if (this.sweepTimer) clearInterval(this.sweepTimer);
  }
}
