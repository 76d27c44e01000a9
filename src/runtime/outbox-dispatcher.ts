import { randomInt } from 'node:crypto';
import { ConfigError, errorMessage } from '../errors.ts';
import type { Clock } from '../ports/clock.ts';
import type { OutboxEntry } from '../ports/outbox.ts';
import { SIGNATURE_HEADER, TIMESTAMP_HEADER, signWebhook, validateWebhookUrl } from './webhook-signature.ts';

export { signWebhook, verifyWebhook, validateWebhookUrl } from './webhook-signature.ts';
export type { WebhookHeaders } from './webhook-signature.ts';

/** What the dispatcher needs from the durable outbox (`LmdbOutbox` provides it). */
export interface OutboxQueue {
  due(now: number, limit: number): Promise<OutboxEntry[]>;
  nextDueAt(): Promise<number | undefined>;
  markDelivered(id: string, at: number): Promise<OutboxEntry | undefined>;
  markFailed(id: string, error: string, nextAttemptAt: number | null): Promise<OutboxEntry | undefined>;
}

/** The pino methods the dispatcher uses (object first, then message). */
export interface DispatcherLog {
  debug(obj: Record<string, unknown>, msg: string): void;
  info(obj: Record<string, unknown>, msg: string): void;
  warn(obj: Record<string, unknown>, msg: string): void;
  error(obj: Record<string, unknown>, msg: string): void;
}

/** Where entries are POSTed. */
export interface WebhookTarget {
  /** `https:` (or `http:` to a loopback host, for tests); checked by {@link validateWebhookUrl}. */
  url: string;
  /** HMAC-SHA256 key for `X-Leadbot-Signature` (see {@link signWebhook}). */
  secret: string;
  /** Per-request timeout; a timeout counts as a retryable failure. */
  timeoutMs: number;
}

export interface OutboxDispatcherOptions {
  outbox: OutboxQueue;
  clock: Clock;
  log: DispatcherLog;
  /** The company's webhook (signed POST); not needed when `send` delivers instead. */
  webhook?: WebhookTarget;
  /** Delivers one entry some other way (Slack, Teams…); the outcome drives retries as for webhooks. */
  send?: (entry: OutboxEntry) => Promise<DeliveryOutcome>;
  /** Attempts before an entry becomes a dead letter (at least 1). */
  maxAttempts: number;
  /** First back-off ceiling; doubles per attempt up to `maxBackoffMs`, full jitter below it. */
  baseBackoffMs: number;
  maxBackoffMs: number;
  /** Called once an entry is delivered (e.g. to mark the lead `delivered`); errors are logged. */
  onDelivered?: (entry: OutboxEntry) => Promise<void> | void;
  /** Entries read per scan of the due index (default 50). */
  batchSize?: number;
}

export type DeliveryOutcome = Outcome;
type Outcome =
  | { result: 'delivered'; status: number }
  | { result: 'retry'; error: string; status?: number; retryAfterMs?: number }
  | { result: 'dead'; error: string; status?: number };

/** Longest `Retry-After` honoured (a day); a larger value is read as this. */
const MAX_RETRY_AFTER_MS = 24 * 60 * 60 * 1000;
/** setTimeout's ceiling. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * Delivers outbox entries to the company's webhook, one at a time, oldest due first.
 *
 * Request: `POST <url>` with body `{"id","kind","tenant_id","created_at","data"}` (`data` is the
 * entry payload; `created_at` ISO 8601) and headers `Idempotency-Key: <id>`,
 * `X-Leadbot-Timestamp`, `X-Leadbot-Signature` (scheme in {@link signWebhook}).
 * Outcomes: 2xx → delivered; 408, 429, 5xx, network errors and timeouts → retried with
 * exponential back-off and full jitter (or after `Retry-After` when the receiver sends one);
 * 3xx and other 4xx → dead at once (a permanent rejection); `maxAttempts` failures → dead.
 * Dead letters stay in the outbox for an operator to re-drive.
 *
 * Wakes on {@link notify} (call it after an enqueue or re-drive) and on one timer set to the
 * earliest pending `nextAttemptAt`. Logs ids, kinds, statuses and attempt numbers, never payloads.
 */
export class OutboxDispatcher {
  private readonly opts: OutboxDispatcherOptions;
  private readonly batchSize: number;
  private running = false;
  private closing = false;
  private again = false;
  private loop: Promise<void> | undefined;
  private timer: NodeJS.Timeout | undefined;

  constructor(options: OutboxDispatcherOptions) {
    if (!options.send && !options.webhook) throw new ConfigError('The outbox needs a webhook or a sender.');
    if (options.webhook) {
      validateWebhookUrl(options.webhook.url);
      if (!options.webhook.secret) throw new ConfigError('The outbox webhook secret is empty; set one.');
    }
    const positive = { maxAttempts: options.maxAttempts, timeoutMs: options.webhook?.timeoutMs ?? 1 };
    for (const [name, value] of Object.entries(positive)) {
      if (!Number.isInteger(value) || value < 1)
        throw new ConfigError(`Outbox ${name} must be an integer ≥ 1.`);
    }
    if (!(options.baseBackoffMs >= 0 && options.maxBackoffMs >= options.baseBackoffMs))
      throw new ConfigError('Outbox back-off needs 0 ≤ baseBackoffMs ≤ maxBackoffMs.');
    this.opts = options;
    this.batchSize = options.batchSize ?? 50;
  }

  /** Starts delivering (entries left pending by a previous run go first). */
  start(): Promise<void> {
    if (this.running || this.closing) return Promise.resolve();
    this.running = true;
    this.notify();
    return Promise.resolve();
  }

  /** Something was enqueued or re-driven: look for due entries now. Cheap; safe to call often. */
  notify(): void {
    if (!this.running || this.closing) return;
    if (this.loop) {
      this.again = true;
      return;
    }
    this.clearTimer();
    this.loop = this.drain().then(() => {
      this.loop = undefined;
      if (this.again) this.notify();
    });
  }

  /** Stops taking work: waits for an in-flight delivery to be recorded, then stops. */
  async close(): Promise<void> {
    this.closing = true;
    this.running = false;
    this.clearTimer();
    await this.loop;
  }

  private async drain(): Promise<void> {
    try {
      do {
        this.again = false;
        await this.deliverDue();
      } while (this.again && !this.closing);
      await this.scheduleNext();
    } catch (error) {
      // The store failed (or is closed): try again later rather than losing the wake-up.
      this.opts.log.error({ err: errorMessage(error) }, 'outbox dispatcher could not read the outbox');
      this.setTimer(this.opts.maxBackoffMs);
    }
  }

  private async deliverDue(): Promise<void> {
    for (;;) {
      const batch = await this.opts.outbox.due(this.opts.clock.now(), this.batchSize);
      for (const entry of batch) {
        if (this.closing) return;
        await this.deliver(entry);
      }
      if (batch.length < this.batchSize || this.closing) return;
    }
  }

  private async scheduleNext(): Promise<void> {
    const next = await this.opts.outbox.nextDueAt();
    if (next !== undefined) this.setTimer(next - this.opts.clock.now());
  }

  private setTimer(delayMs: number): void {
    this.clearTimer();
    if (this.closing) return;
    const delay = Math.min(Math.max(0, delayMs), MAX_TIMER_MS);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.notify();
    }, delay);
    // Pending retries must not keep a stopping process alive; close() clears it anyway.
    this.timer.unref();
  }

  private clearTimer(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private async deliver(entry: OutboxEntry): Promise<void> {
    const { outbox, clock, log } = this.opts;
    const attempt = entry.attempts + 1;
    const outcome = this.opts.send ? await this.sendSafely(entry) : await this.post(entry);
    const now = clock.now();
    const fields = { outboxId: entry.id, kind: entry.kind, tenantId: entry.tenantId, attempt };
    if (outcome.result === 'delivered') {
      const delivered = await outbox.markDelivered(entry.id, now);
      log.info({ ...fields, status: outcome.status }, 'outbox entry delivered');
      if (delivered) await this.afterDelivered(delivered);
      return;
    }
    const status = outcome.status;
    if (outcome.result === 'dead') {
      await outbox.markFailed(entry.id, outcome.error, null);
      log.error(
        { ...fields, status, error: outcome.error },
        'webhook rejected the outbox entry permanently; kept as a dead letter (fix the receiver, then re-drive it)',
      );
      return;
    }
    if (attempt >= this.opts.maxAttempts) {
      await outbox.markFailed(entry.id, outcome.error, null);
      log.error(
        { ...fields, status, error: outcome.error },
        `outbox entry failed ${attempt} times; kept as a dead letter (re-drive it once the receiver is back)`,
      );
      return;
    }
    const delay = outcome.retryAfterMs ?? this.backoff(attempt);
    await outbox.markFailed(entry.id, outcome.error, now + delay);
    log.warn(
      { ...fields, status, error: outcome.error, retryInMs: delay },
      'outbox delivery failed; will retry',
    );
  }

  private async afterDelivered(entry: OutboxEntry): Promise<void> {
    if (!this.opts.onDelivered) return;
    try {
      await this.opts.onDelivered(entry);
    } catch (error) {
      this.opts.log.error(
        { outboxId: entry.id, kind: entry.kind, err: errorMessage(error) },
        'onDelivered hook failed (the entry stays delivered)',
      );
    }
  }

  /** Exponential ceiling `base · 2^(attempt-1)` capped at `maxBackoffMs`, full jitter below it. */
  private backoff(attempt: number): number {
    const ceiling = Math.min(this.opts.maxBackoffMs, this.opts.baseBackoffMs * 2 ** (attempt - 1));
    return randomInt(0, Math.floor(ceiling) + 1);
  }

  private async sendSafely(entry: OutboxEntry): Promise<Outcome> {
    try {
      return await this.opts.send!(entry);
    } catch (error) {
      return { result: 'retry', error: errorMessage(error) };
    }
  }

  private async post(entry: OutboxEntry): Promise<Outcome> {
    const { clock } = this.opts;
    const webhook = this.opts.webhook!;
    let body: string;
    try {
      body = JSON.stringify({
        id: entry.id,
        kind: entry.kind,
        tenant_id: entry.tenantId,
        created_at: new Date(entry.createdAt).toISOString(),
        data: entry.payload,
      });
    } catch (error) {
      return { result: 'dead', error: `payload is not serialisable: ${errorMessage(error)}` };
    }
    const timestamp = Math.floor(clock.now() / 1000);
    let response: Response;
    try {
      response = await fetch(webhook.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'Idempotency-Key': entry.id,
          [TIMESTAMP_HEADER]: String(timestamp),
          [SIGNATURE_HEADER]: `sha256=${signWebhook(webhook.secret, timestamp, body)}`,
        },
        body,
        // Following a redirect would resend personal data to a host nobody configured.
        redirect: 'manual',
        signal: AbortSignal.timeout(webhook.timeoutMs),
      });
    } catch (error) {
      return { result: 'retry', error: describeFetchError(error, webhook.timeoutMs) };
    }
    // The receiver's body is never read (it may echo personal data); release the connection.
    await response.body?.cancel().catch(() => undefined);
    return classify(response, clock.now());
  }
}

/** A receiver's HTTP status as an outcome: 2xx delivered; 408/429/5xx retried; other statuses dead. */
export function classify(response: Response, nowMs: number): Outcome {
  const status = response.status;
  if (status >= 200 && status < 300) return { result: 'delivered', status };
  if (status === 408 || status === 429 || status >= 500) {
    const retryAfterMs = parseRetryAfter(response.headers.get('retry-after'), nowMs);
    return retryAfterMs === undefined
      ? { result: 'retry', status, error: `HTTP ${status}` }
      : { result: 'retry', status, error: `HTTP ${status}`, retryAfterMs };
  }
  if (status >= 300 && status < 400)
    return { result: 'dead', status, error: `HTTP ${status} redirect: configure the final webhook URL` };
  return { result: 'dead', status, error: `HTTP ${status}` };
}

/** `Retry-After` as delay-seconds or an HTTP date, in ms from `nowMs`; undefined when absent or invalid. */
export function parseRetryAfter(value: string | null, nowMs: number): number | undefined {
  const text = value?.trim();
  if (!text) return undefined;
  if (/^\d+$/.test(text)) return Math.min(Number(text) * 1000, MAX_RETRY_AFTER_MS);
  const at = Date.parse(text);
  if (Number.isNaN(at)) return undefined;
  return Math.min(Math.max(0, at - nowMs), MAX_RETRY_AFTER_MS);
}

export function describeFetchError(error: unknown, timeoutMs: number): string {
  if (error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError'))
    return `timeout after ${timeoutMs} ms`;
  const cause = error instanceof Error ? (error.cause as { code?: unknown } | undefined) : undefined;
  return typeof cause?.code === 'string'
    ? `network error ${cause.code}`
    : `network error: ${errorMessage(error)}`;
}
