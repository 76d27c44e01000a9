import { StaleOwnerError } from '../../cluster/conversation-replica.ts';
import { isOutOfSpace } from '../disk-guard.ts';
import { errorMessage } from '../../errors.ts';
import type { Logger } from '../../logger.ts';
import type { InboundMessage } from '../../protocol/index.ts';
import { TurnTimeoutError } from './state.ts';
import type { RestartIntensity, SupervisorOptions } from './types.ts';

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * What follows a failed turn: `lost` (another node owns the conversation and answers the message),
 * `retry` (the actor restarts from its last snapshot after a back-off; `crashedAt` excludes the
 * back-off from crash-to-ready) or `giveUp` (past the intensity, or a turn past its deadline).
 */
export type Recovery =
  | { kind: 'lost' }
  | { kind: 'retry'; crashedAt: number }
  | { kind: 'giveUp'; timedOut: boolean }
  | { kind: 'noSpace' };

/**
 * OTP-style: a failed actor restarts from its last snapshot and the same message is retried, with
 * back-off, until the restart intensity (N restarts within T) is exceeded; then it escalates.
 */
export class RestartPolicy {
  /** Recent restart times per conversation (only conversations that failed lately). */
  private readonly restarts = new Map<string, number[]>();

  constructor(
    private readonly options: Pick<
      SupervisorOptions,
      'clock' | 'restartIntensity' | 'onRestart' | 'onEscalate'
    >,
  ) {}

  /** The configured intensity, or 3 restarts within 10 s with a 10 ms first back-off. */
  get intensity(): RestartIntensity {
    return this.options.restartIntensity ?? { maxRestarts: 3, withinMs: 10_000, backoffMs: 10 };
  }

  /** Records a restart; returns how many happened within the intensity window. */
  note(conversationId: string): number {
    const now = this.options.clock.now();
    const recent = (this.restarts.get(conversationId) ?? []).filter((t) => now - t < this.intensity.withinMs);
    recent.push(now);
    this.restarts.set(conversationId, recent);
    return recent.length;
  }

  /** Forgets a conversation's restarts (its data was erased). */
  forget(conversationId: string): void {
    this.restarts.delete(conversationId);
  }

  /** Drops the restart records that fell out of the intensity window. */
  sweep(): void {
    for (const [id, times] of this.restarts) {
      if (times.every((t) => this.options.clock.now() - t >= this.intensity.withinMs))
        this.restarts.delete(id);
    }
  }

  /**
   * Decides what follows a failed turn (its actor already stopped at `failedAt`), waits out the
   * back-off of a restart, and reports an escalation. A turn past its deadline is not retried: that
   * would only make the person wait longer.
   */
  async afterFailure(
    error: unknown,
    message: InboundMessage,
    log: Logger,
    failedAt: number,
  ): Promise<Recovery> {
    if (error instanceof StaleOwnerError) {
      // Another node owns the conversation now and answers this message; nothing is sent from here.
      log.warn('lost the conversation to another node mid-turn; the new owner answers it');
      return { kind: 'lost' };
    }
    if (isOutOfSpace(error)) {
      // Restarting cannot help: nothing can be written until space is freed.
      log.error({ err: errorMessage(error) }, 'the data disk is full: the message could not be kept');
      return { kind: 'noSpace' };
    }
    const timedOut = error instanceof TurnTimeoutError;
    const restarts = timedOut ? Number.POSITIVE_INFINITY : this.note(message.conversationId);
    if (!timedOut) this.options.onRestart?.(message.conversationId);
    if (restarts <= this.intensity.maxRestarts) {
      log.warn(
        { err: errorMessage(error), restarts },
        'conversation actor failed; restarting from its last snapshot',
      );
      const backoff = this.intensity.backoffMs * 2 ** (restarts - 1);
      const before = performance.now();
      await sleep(backoff);
      // Crash-to-ready excludes the deliberate back-off.
      return { kind: 'retry', crashedAt: failedAt + (performance.now() - before) };
    }
    this.escalate(error, message, log, timedOut, restarts);
    return { kind: 'giveUp', timedOut };
  }

  /** The turn is given up: a timeout is only logged; repeated failures are escalated to ops. */
  private escalate(
    error: unknown,
    message: InboundMessage,
    log: Logger,
    timedOut: boolean,
    restarts: number,
  ): void {
    if (timedOut) {
      log.warn(
        { err: errorMessage(error) },
        'turn exceeded its deadline; the message is kept, the person gets an apology',
      );
    } else {
      log.error(
        { err: errorMessage(error), restarts, withinMs: this.intensity.withinMs },
        'conversation actor keeps failing; escalating (the message is kept, the person gets an apology)',
      );
      this.options.onEscalate?.({ message, error: errorMessage(error), restarts });
    }
  }
}
