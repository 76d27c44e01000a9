import { setTimeout as sleep } from 'node:timers/promises';
import { errorMessage } from '../../errors.ts';
import type { Logger } from '../../logger.ts';

export interface TwilioSenderOptions {
  /** `https://api.twilio.com`, or a local fake in tests. */
  apiBase: string;
  accountSid: string;
  authToken: string;
  /** The WhatsApp sender, `whatsapp:+<digits>`. */
  from: string;
  log: Logger;
  /** Tries per message before giving up (transient failures only). Default 5. */
  maxAttempts?: number;
  /** First backoff after a 5xx or network error; doubles each try. Default 500 ms. */
  baseBackoffMs?: number;
  /** Longest wait between tries, also for `Retry-After`. Default 60 s. */
  maxBackoffMs?: number;
  /** One HTTP request's time limit. Default 15 s. */
  requestTimeoutMs?: number;
}

/** A few Twilio error codes worth a hint in the log (https://www.twilio.com/docs/api/errors). */
const HINTS: Record<number, string> = {
  20003: 'authentication failed: check LEADBOT_TWILIO_ACCOUNT_SID and LEADBOT_TWILIO_AUTH_TOKEN',
  21211: 'the recipient is not a valid number',
  21606: 'LEADBOT_TWILIO_WHATSAPP_NUMBER is not a sender of this account',
  63007: 'LEADBOT_TWILIO_WHATSAPP_NUMBER is not a WhatsApp sender of this account',
  63015: 'the sandbox only sends to numbers that joined it (send "join <code>" first)',
  63016: 'outside the 24-hour customer-service window: only templates may be sent',
};

/** Seconds or an HTTP date, as milliseconds from now; undefined when absent or unreadable. */
function retryAfterMs(header: string | null, now: number): number | undefined {
  if (!header) return undefined;
  if (/^\d+$/.test(header.trim())) return Number(header.trim()) * 1000;
  const at = Date.parse(header);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/**
 * Sends WhatsApp messages through Twilio's Messages API. Sends never block the caller: they queue per
 * recipient (so one person's messages keep their order) and retry 5xx / network failures with backoff
 * and 429s after `Retry-After`. Other 4xx answers are logged with Twilio's error code and dropped.
 * Logs carry message keys and Twilio codes, never recipients or text.
 */
export class TwilioSender {
  private readonly queues = new Map<string, Promise<void>>();
  private readonly abort = new AbortController();
  private readonly endpoint: string;
  private readonly authorization: string;
  private closing = false;
  private readonly counts = { queued: 0, sent: 0, failed: 0, retried: 0 };

  constructor(private readonly options: TwilioSenderOptions) {
    this.endpoint = `${options.apiBase.replace(/\/+$/, '')}/2010-04-01/Accounts/${encodeURIComponent(options.accountSid)}/Messages.json`;
    this.authorization = `Basic ${Buffer.from(`${options.accountSid}:${options.authToken}`).toString('base64')}`;
  }

  /**
   * Queues one body for `to` (`whatsapp:+<digits>`). `key` identifies it across retries (sent as
   * `I-Twilio-Idempotency-Token`), derived from the outbound event id.
   */
  send(to: string, body: string, key: string): void {
    if (this.closing && this.abort.signal.aborted) {
      this.options.log.error({ channel: 'twilio', key }, 'reply not sent: the Twilio channel is closed');
      this.counts.failed++;
      return;
    }
    this.counts.queued++;
    const previous = this.queues.get(to) ?? Promise.resolve();
    const next = previous.then(() => this.deliver(to, body, key)).finally(() => this.counts.queued--);
    this.queues.set(to, next);
    void next.finally(() => {
      if (this.queues.get(to) === next) this.queues.delete(to);
    });
  }

  /** Counters for `/health`. */
  stats(): { queued: number; sent: number; failed: number; retried: number } {
    return { ...this.counts };
  }

  /** Waits for queued sends (at most `timeoutMs`), then abandons the rest with a log line. */
  async close(timeoutMs: number): Promise<void> {
    this.closing = true;
    const pending = () => Promise.allSettled([...this.queues.values()]);
    const stopTimer = new AbortController();
    const timer = sleep(timeoutMs, 'timeout' as const, { ref: false, signal: stopTimer.signal }).catch(
      () => 'done' as const,
    );
    const outcome = await Promise.race([pending().then(() => 'done' as const), timer]);
    stopTimer.abort();
    if (outcome === 'timeout') {
      this.options.log.warn(
        { channel: 'twilio', queued: this.counts.queued, timeoutMs },
        'closing: replies still queued for Twilio were abandoned',
      );
      this.abort.abort();
      await pending();
    }
  }

  private async deliver(to: string, body: string, key: string): Promise<void> {
    const log = this.options.log;
    const maxAttempts = this.options.maxAttempts ?? 5;
    const baseBackoffMs = this.options.baseBackoffMs ?? 500;
    const maxBackoffMs = this.options.maxBackoffMs ?? 60_000;
    for (let attempt = 1; ; attempt++) {
      if (this.abort.signal.aborted) {
        this.counts.failed++;
        return;
      }
      const backoffMs = Math.min(baseBackoffMs * 2 ** (attempt - 1), maxBackoffMs);
      const outcome = await this.attempt(to, body, key, attempt, backoffMs, maxBackoffMs);
      if (outcome === 'done') return;
      const { reason, waitMs } = outcome;
      if (attempt >= maxAttempts) {
        this.counts.failed++;
        log.error(
          { channel: 'twilio', key, attempts: attempt, reason },
          'reply not sent through Twilio; gave up',
        );
        return;
      }
      this.counts.retried++;
      log.warn({ channel: 'twilio', key, attempt, waitMs, reason }, 'Twilio send failed; retrying');
      try {
        await sleep(waitMs, undefined, { signal: this.abort.signal });
      } catch {
        // Aborted by close(): the loop's first check records it.
        continue;
      }
    }
  }

  /** One POST to the Messages API: `done` (sent, refused for good or abandoned), or retry after a wait. */
  private async attempt(
    to: string,
    body: string,
    key: string,
    attempt: number,
    backoffMs: number,
    maxBackoffMs: number,
  ): Promise<'done' | { reason: string; waitMs: number }> {
    const log = this.options.log;
    try {
      const response = await fetch(this.endpoint, {
        method: 'POST',
        headers: {
          authorization: this.authorization,
          'content-type': 'application/x-www-form-urlencoded',
          accept: 'application/json',
          'i-twilio-idempotency-token': key,
        },
        body: new URLSearchParams({ From: this.options.from, To: to, Body: body }).toString(),
        signal: AbortSignal.any([
          this.abort.signal,
          AbortSignal.timeout(this.options.requestTimeoutMs ?? 15_000),
        ]),
      });
      const payload = (await response.json().catch(() => undefined)) as
        { sid?: unknown; code?: unknown; more_info?: unknown } | undefined;
      if (response.ok) {
        this.counts.sent++;
        log.debug({ channel: 'twilio', key, sid: payload?.sid, attempt }, 'reply sent through Twilio');
        return 'done';
      }
      const code = typeof payload?.code === 'number' ? payload.code : undefined;
      const reason = `HTTP ${response.status}${code ? ` (Twilio error ${code})` : ''}`;
      if (response.status === 429) {
        const asked = retryAfterMs(response.headers.get('retry-after'), Date.now());
        return { reason, waitMs: Math.min(asked ?? backoffMs, maxBackoffMs) };
      }
      if (response.status >= 500) return { reason, waitMs: backoffMs };
      this.counts.failed++;
      log.error(
        {
          channel: 'twilio',
          key,
          status: response.status,
          twilioCode: code,
          ...(code && HINTS[code] ? { hint: HINTS[code] } : {}),
          ...(typeof payload?.more_info === 'string' ? { moreInfo: payload.more_info } : {}),
        },
        'Twilio refused a reply; not retried',
      );
      return 'done';
    } catch (error) {
      if (!this.abort.signal.aborted) return { reason: errorMessage(error), waitMs: backoffMs };
      this.counts.failed++;
      log.warn({ channel: 'twilio', key }, 'reply abandoned: the Twilio channel closed');
      return 'done';
    }
  }
}
