import { setTimeout as sleep } from 'node:timers/promises';
import { GrammyError, HttpError, type Api } from 'grammy';
import { errorMessage } from '../../errors.ts';
import type { Logger } from '../../logger.ts';
import { grammySignal, type GrammySignal } from './signal.ts';
import { formatForTelegram } from './format.ts';

export interface TelegramSenderOptions {
  api: Api;
  log: Logger;
  /** Tries per API call, first included (default 5). */
  maxAttempts?: number;
  /** First backoff after a network error or a 5xx; doubles each time (default 500 ms). */
  baseBackoffMs?: number;
  /** A 429 asking to wait longer than this is not retried: the reply is logged as not sent (default 5 min). */
  maxRetryAfterMs?: number;
}

/** Counters for `/health`. */
export interface SenderStats {
  sent: number;
  failed: number;
  plainFallbacks: number;
  queued: number;
}

/**
 * Sends replies through the Bot API: one queue per chat (order kept, the bus listener never waits),
 * MarkdownV2 with a plain-text resend when Telegram cannot parse it, messages split at 4096
 * characters, 429 `retry_after` honoured, network errors and 5xx retried with backoff.
 */
export class TelegramSender {
  private readonly queues = new Map<string, Promise<void>>();
  private readonly stopping = new AbortController();
  private readonly counts = { sent: 0, failed: 0, plainFallbacks: 0 };
  private queued = 0;
  private readonly maxAttempts: number;
  private readonly baseBackoffMs: number;
  private readonly maxRetryAfterMs: number;

  constructor(private readonly options: TelegramSenderOptions) {
    this.maxAttempts = options.maxAttempts ?? 5;
    this.baseBackoffMs = options.baseBackoffMs ?? 500;
    this.maxRetryAfterMs = options.maxRetryAfterMs ?? 5 * 60_000;
  }

  /** Queues a reply (plain text with optional `*bold*`) for a chat. */
  sendText(chatId: string, text: string): void {
    this.enqueue(chatId, () => this.deliver(chatId, text));
  }

  /** Queues a typing indicator (best effort: one try, failures only logged at debug). */
  sendTyping(chatId: string): void {
    this.enqueue(chatId, async () => {
      try {
        await this.options.api.sendChatAction(chatId, 'typing', {}, grammySignal(this.stopping.signal));
      } catch (error) {
        this.options.log.debug({ chatId, err: errorMessage(error) }, 'Telegram typing indicator not sent');
      }
    });
  }

  stats(): SenderStats {
    return { ...this.counts, queued: this.queued };
  }

  /**
   * Waits until every queued send is done, at most `timeoutMs`; then gives up the waits in progress
   * (those replies are logged as not sent). Resolves to the number of sends left unfinished.
   */
  async drain(timeoutMs: number): Promise<number> {
    const deadline = Date.now() + timeoutMs;
    while (this.queues.size > 0) {
      const left = deadline - Date.now();
      if (left <= 0) break;
      const cancel = new AbortController();
      const timer = sleep(left, 'timeout' as const, { signal: cancel.signal }).catch(
        () => 'cancelled' as const,
      );
      const outcome = await Promise.race([Promise.all(this.queues.values()), timer]);
      cancel.abort();
      if (outcome === 'timeout') break;
    }
    const unfinished = this.queued;
    this.stopping.abort();
    return unfinished;
  }

  private enqueue(chatId: string, task: () => Promise<void>): void {
    this.queued++;
    const previous = this.queues.get(chatId) ?? Promise.resolve();
    const next: Promise<void> = previous.then(task).then(
      () => this.settle(chatId, next),
      (error: unknown) => {
        this.options.log.error({ chatId, err: errorMessage(error) }, 'Telegram send task failed');
        this.settle(chatId, next);
      },
    );
    this.queues.set(chatId, next);
  }

  private settle(chatId: string, done: Promise<void>): void {
    this.queued--;
    if (this.queues.get(chatId) === done) this.queues.delete(chatId);
  }

  private async deliver(chatId: string, text: string): Promise<void> {
    const log = this.options.log;
    for (const chunk of formatForTelegram(text)) {
      try {
        try {
          await this.call('sendMessage', (signal) =>
            this.options.api.sendMessage(chatId, chunk.markdown, { parse_mode: 'MarkdownV2' }, signal),
          );
        } catch (error) {
          if (!isParseError(error)) throw error;
          // Never lose a reply over formatting: Telegram refused the entities, send it as plain text.
          this.counts.plainFallbacks++;
          log.warn(
            { chatId, err: errorMessage(error) },
            'Telegram refused MarkdownV2; resending as plain text',
          );
          await this.call('sendMessage', (signal) =>
            this.options.api.sendMessage(chatId, chunk.plain, {}, signal),
          );
        }
        this.counts.sent++;
      } catch (error) {
        this.counts.failed++;
        log.error(
          { chatId, err: errorMessage(error), ...errorFacts(error) },
          'Telegram reply not sent; the person did not get this message',
        );
        // Later chunks would read out of context without this one.
        return;
      }
    }
  }

  /** Runs one API call, retrying 429s (after `retry_after`), 5xx and network errors. */
  private async call<T>(method: string, run: (signal: GrammySignal) => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await run(grammySignal(this.stopping.signal));
      } catch (error) {
        const waitMs = this.retryDelay(error, attempt);
        if (waitMs === undefined || attempt >= this.maxAttempts || this.stopping.signal.aborted) throw error;
        this.options.log.warn(
          { method, attempt, waitMs, ...errorFacts(error) },
          'Telegram API call failed; retrying',
        );
        await sleep(waitMs, undefined, { signal: this.stopping.signal });
      }
    }
  }

  private retryDelay(error: unknown, attempt: number): number | undefined {
    const backoff = Math.min(this.baseBackoffMs * 2 ** (attempt - 1), 30_000);
    if (error instanceof HttpError) return backoff;
    if (!(error instanceof GrammyError)) return undefined;
    if (error.error_code === 429) {
      const retryAfter = error.parameters.retry_after;
      const waitMs = typeof retryAfter === 'number' ? retryAfter * 1000 : backoff;
      return waitMs <= this.maxRetryAfterMs ? waitMs : undefined;
    }
    return error.error_code >= 500 ? backoff : undefined;
  }
}

/** Telegram's answer when MarkdownV2 entities cannot be parsed (400 "can't parse entities"). */
function isParseError(error: unknown): boolean {
  return (
    error instanceof GrammyError &&
    error.error_code === 400 &&
    /can't parse entities/i.test(error.description)
  );
}

/** Loggable facts about an API error (codes only, never payloads). */
function errorFacts(error: unknown): Record<string, unknown> {
  if (error instanceof GrammyError)
    return {
      errorCode: error.error_code,
      ...(error.parameters.retry_after !== undefined ? { retryAfter: error.parameters.retry_after } : {}),
    };
  return error instanceof HttpError ? { errorCode: 'network' } : {};
}
