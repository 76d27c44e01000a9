import { setTimeout as sleep } from 'node:timers/promises';
import { GrammyError, type Api } from 'grammy';
import { errorMessage } from '../../errors.ts';
import type { Logger } from '../../logger.ts';
import { grammySignal } from './signal.ts';

export type PollerState = 'idle' | 'running' | 'failed' | 'stopped';

export interface TelegramPollerOptions {
  api: Api;
  log: Logger;
  /**
   * Hands one update to leadbot. Rejecting means "not taken now" (intake busy or stopping): the
   * update is tried again and its offset is not confirmed, so Telegram keeps it.
   */
  handle: (update: unknown) => Promise<void>;
  /** Seconds Telegram holds an empty `getUpdates` (default 30). */
  pollTimeoutSec?: number;
  /**
   * Pause after an empty answer that came back at once (a Bot API peer that does not hold long polls,
   * such as a test server), so it is not polled in a tight loop (default 250 ms).
   */
  idlePauseMs?: number;
}

/**
 * Long polling with grammY's API client. Unlike `bot.start()`, an update's offset is confirmed only
 * once leadbot has taken the update, so a message refused while leadbot stops is delivered again
 * on the next start instead of being lost.
 */
export class TelegramPoller {
  private running = false;
  private offset = 0;
  private confirmed = 0;
  private abort = new AbortController();
  private loop: Promise<void> | undefined;
  private currentState: PollerState = 'idle';

  constructor(private readonly options: TelegramPollerOptions) {}

  get state(): PollerState {
    return this.currentState;
  }

  /** Starts polling in the background (failures are logged, never thrown). */
  start(): void {
    if (this.running) return;
    this.running = true;
    this.currentState = 'running';
    this.abort = new AbortController();
    this.loop = this.run().catch((error: unknown) => {
      this.currentState = 'failed';
      this.options.log.error({ err: errorMessage(error) }, 'Telegram polling stopped unexpectedly');
    });
  }

  /** Stops polling, waits for the update being handled, confirms the handled offset to Telegram. */
  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    this.abort.abort();
    await this.loop;
    if (this.currentState !== 'failed') this.currentState = 'stopped';
    if (this.offset > this.confirmed) {
      try {
        await this.options.api.getUpdates(
          { offset: this.offset, limit: 1, timeout: 0 },
          grammySignal(AbortSignal.timeout(3000)),
        );
      } catch (error) {
        // Unconfirmed updates come again on the next start, where dedupe drops them.
        this.options.log.debug({ err: errorMessage(error) }, 'could not confirm the last Telegram offset');
      }
    }
  }

  private async run(): Promise<void> {
    const { api, log } = this.options;
    const signal = this.abort.signal;
    try {
      // getUpdates is refused while a webhook is set (grammY's bot.start does the same).
      await api.deleteWebhook({}, grammySignal(signal));
    } catch (error) {
      if (!this.running) return;
      log.warn({ err: errorMessage(error) }, 'could not remove a Telegram webhook before polling');
    }
    let failures = 0;
    while (this.running) {
      const started = Date.now();
      let updates: unknown[];
      try {
        updates = await api.getUpdates(
          {
            ...(this.offset > 0 ? { offset: this.offset } : {}),
            timeout: this.options.pollTimeoutSec ?? 30,
            allowed_updates: ['message'],
          },
          grammySignal(signal),
        );
        this.confirmed = this.offset;
        failures = 0;
      } catch (error) {
        if (!this.running) return;
        const waitMs = this.pollErrorDelay(error, ++failures);
        if (waitMs === undefined) {
          this.currentState = 'failed';
          this.running = false;
          log.error(
            { err: errorMessage(error) },
            'Telegram refused LEADBOT_TELEGRAM_TOKEN; polling stopped (check the token from @BotFather)',
          );
          return;
        }
        log.warn({ err: errorMessage(error), waitMs }, 'Telegram getUpdates failed; polling again shortly');
        if (!(await this.pause(waitMs))) return;
        continue;
      }
      if (updates.length === 0 && Date.now() - started < 1000) {
        if (!(await this.pause(this.options.idlePauseMs ?? 250))) return;
      }
      for (const update of updates) {
        if (!(await this.deliver(update))) return;
        this.offset = Math.max(this.offset, updateId(update) + 1);
      }
    }
  }

  /** Hands one update over, retrying with backoff while leadbot refuses it; false once stopping. */
  private async deliver(update: unknown): Promise<boolean> {
    for (let attempt = 1; ; attempt++) {
      try {
        await this.options.handle(update);
        return true;
      } catch (error) {
        if (!this.running) return false;
        const waitMs = Math.min(200 * 2 ** (attempt - 1), 10_000);
        this.options.log.warn(
          { updateId: updateId(update), attempt, waitMs, err: errorMessage(error) },
          'Telegram update not taken yet; retrying',
        );
        if (!(await this.pause(waitMs))) return false;
      }
    }
  }

  /** Waits unless polling stops first; false when it stopped. */
  private async pause(ms: number): Promise<boolean> {
    try {
      await sleep(ms, undefined, { signal: this.abort.signal });
      return this.running;
    } catch {
      return false;
    }
  }

  /** How long to wait before polling again, or undefined when the token itself is refused. */
  private pollErrorDelay(error: unknown, failures: number): number | undefined {
    if (error instanceof GrammyError) {
      if (error.error_code === 401 || error.error_code === 404) return undefined;
      if (error.error_code === 429 && typeof error.parameters.retry_after === 'number')
        return error.parameters.retry_after * 1000;
    }
    // 409 (another poller or a webhook), 5xx and network errors: back off up to 30 s.
    return Math.min(1000 * 2 ** (failures - 1), 30_000);
  }
}

function updateId(update: unknown): number {
  const id = (update as { update_id?: unknown }).update_id;
  return typeof id === 'number' ? id : -1;
}
