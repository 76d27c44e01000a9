import { randomInt } from 'node:crypto';
import { ConfigError, errorMessage } from '../errors.ts';
import type { Clock } from '../ports/clock.ts';
import type { DeliveryClaims } from '../ports/delivery-claims.ts';
import type { OutboxEntry } from '../ports/outbox.ts';
import { claimCheck, recordDelivered } from './outbox-claims.ts';
import { validateWebhookUrl } from './webhook-signature.ts';
import { postEntry, type DeliveryOutcome, type WebhookTarget } from './webhook-post.ts';

export { signWebhook, verifyWebhook, validateWebhookUrl } from './webhook-signature.ts';
export type { WebhookHeaders } from './webhook-signature.ts';
export { classify, describeFetchError, parseRetryAfter } from './webhook-post.ts';
export type { DeliveryOutcome, WebhookTarget } from './webhook-post.ts';

/** What the dispatcher needs from the durable outbox (`LmdbOutbox` provides it). */
export interface OutboxQueue {
  due(now: number, limit: number): Promise<OutboxEntry[]>;
  nextDueAt(): Promise<number | undefined>;
  markDelivered(id: string, at: number): Promise<OutboxEntry | undefined>;
  markFailed(id: string, error: string, nextAttemptAt: number | null): Promise<OutboxEntry | undefined>;
  /** When an older pending entry of the same order key is due; without it there is no ordering. */
  olderPendingAt?(entry: OutboxEntry): number | undefined;
  /** Moves a pending entry's next attempt without counting one. */
  defer?(id: string, at: number): Promise<void>;
  /** Makes every backed-off pending entry due now (the receiver is back). */
  expedite?(now: number): Promise<number>;
}

/** The pino methods the dispatcher uses (object first, then message). */
export interface DispatcherLog {
  debug(obj: Record<string, unknown>, msg: string): void;
  info(obj: Record<string, unknown>, msg: string): void;
  warn(obj: Record<string, unknown>, msg: string): void;
  error(obj: Record<string, unknown>, msg: string): void;
}

export interface OutboxDispatcherOptions {
  outbox: OutboxQueue;
  clock: Clock;
  log: DispatcherLog;
  /** The company's webhook (signed POST); not needed when `send` delivers instead. */
  webhook?: WebhookTarget;
  /** Delivers one entry some other way (Slack, Teams…); the outcome drives retries as for webhooks. */
  send?: (entry: OutboxEntry) => Promise<DeliveryOutcome>;
  /** Attempts before an entry becomes a dead letter (at least 1; default: no limit by count). */
  maxAttempts?: number;
  /** A retryable failure of an entry older than this makes it a dead letter (default: never by age). */
  retryForMs?: number;
  /** First back-off ceiling; doubles per attempt up to `maxBackoffMs`, full jitter below it. */
  baseBackoffMs: number;
  maxBackoffMs: number;
  /** Deliveries in flight at once (default 8); entries of one order key still go one by one. */
  concurrency?: number;
  /**
   * One receiver behind every entry (default: true with `webhook`): a retryable failure pauses all
   * deliveries for a back-off, then one probe goes alone; its success resumes everything at once.
   */
  breaker?: boolean;
  /** Looks for due entries at least this often, e.g. re-driven by another process (default 15 s; 0 off). */
  idlePollMs?: number;
  /** Called once an entry is delivered (e.g. to mark the lead `delivered`); errors are logged. */
  onDelivered?: (entry: OutboxEntry) => Promise<void> | void;
  /** Cluster mode: the shared record that keeps one delivery per idempotency key across nodes. */
  claims?: DeliveryClaims;
  /** Entries read per scan of the due index (default 50). */
  batchSize?: number;
}

/** What the dispatcher is doing, for metrics and `/health`. */
export interface DispatcherState {
  inFlight: number;
  /** Retryable failures in a row; 0 while the receiver answers. */
  consecutiveFailures: number;
  /** Deliveries are paused until then (epoch ms) after a failure; undefined when not paused. */
  pausedUntil?: number;
  /** When the current run of failures began (epoch ms); undefined while the receiver answers. */
  failingSince?: number;
}

type Outcome = DeliveryOutcome;

/** setTimeout's ceiling. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * Delivers outbox entries to the company's webhook (or through `send`), oldest due first, up to
 * `concurrency` at once; entries sharing an order key (one conversation's lead, then its
 * correction) are sent one after the other, in the order they were enqueued.
 *
 * Request: see {@link postEntry}. Outcomes: 2xx → delivered; 408, 429, 5xx, network errors and
 * timeouts → retried with exponential back-off and full jitter (or after `Retry-After`); 3xx and
 * other 4xx → dead at once (a permanent rejection); `maxAttempts` failures, or a failure after
 * `retryForMs`, → dead. Dead letters stay in the outbox for an operator to re-drive.
 *
 * With the breaker on (one receiver), a retryable failure pauses every delivery (back-off with
 * equal jitter, or `Retry-After`), then a single probe is sent; the first answer from the receiver
 * (any non-retryable status) closes the breaker and makes every backed-off entry due at once, so
 * a CRM that comes back gets its backlog within seconds rather than each entry's own back-off.
 *
 * Wakes on {@link notify} (call it after an enqueue or re-drive), on a timer set to the earliest
 * pending `nextAttemptAt`, and every `idlePollMs`. Logs ids, kinds, statuses and attempt numbers,
 * never payloads.
 */
export class OutboxDispatcher {
  private readonly opts: OutboxDispatcherOptions;
  private readonly batchSize: number;
  private readonly concurrency: number;
  private readonly breaker: boolean;
  private running = false;
  private closing = false;
  private again = false;
  private loop: Promise<void> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private readonly inFlight = new Map<string, Promise<void>>();
  private readonly keysInFlight = new Set<string>();
  private failures = 0;
  private pausedUntil = 0;
  private failingSince: number | undefined;
  private storeError: unknown;

  constructor(options: OutboxDispatcherOptions) {
    if (!options.send && !options.webhook) throw new ConfigError('The outbox needs a webhook or a sender.');
    if (options.webhook) {
      validateWebhookUrl(options.webhook.url);
      if (!options.webhook.secret) throw new ConfigError('The outbox webhook secret is empty; set one.');
    }
    const positive = {
      maxAttempts: options.maxAttempts ?? 1,
      timeoutMs: options.webhook?.timeoutMs ?? 1,
      concurrency: options.concurrency ?? 1,
    };
    for (const [name, value] of Object.entries(positive)) {
      if (!Number.isInteger(value) || value < 1)
        throw new ConfigError(`Outbox ${name} must be an integer ≥ 1.`);
    }
    if (!(options.baseBackoffMs >= 0 && options.maxBackoffMs >= options.baseBackoffMs))
      throw new ConfigError('Outbox back-off needs 0 ≤ baseBackoffMs ≤ maxBackoffMs.');
    this.opts = options;
    this.batchSize = options.batchSize ?? 50;
    this.concurrency = options.concurrency ?? 8;
    this.breaker = options.breaker ?? options.webhook !== undefined;
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

  /** What it is doing now (for metrics and `/health`). */
  state(): DispatcherState {
    const paused = this.pausedUntil > this.opts.clock.now();
    return {
      inFlight: this.inFlight.size,
      consecutiveFailures: this.failures,
      ...(paused ? { pausedUntil: this.pausedUntil } : {}),
      ...(this.failingSince === undefined ? {} : { failingSince: this.failingSince }),
    };
  }

  /** Stops taking work: waits for in-flight deliveries to be recorded, then stops. */
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

  private paused(): boolean {
    return this.pausedUntil > this.opts.clock.now();
  }

  /** Passes over the due entries until none is left that can go now. */
  private async deliverDue(): Promise<void> {
    for (;;) {
      if (this.paused()) return;
      const now = this.opts.clock.now();
      const batch = await this.opts.outbox.due(now, this.batchSize);
      let skipped = false;
      for (const entry of batch) {
        if (this.closing || this.paused()) break;
        if (this.keysInFlight.has(orderKeyOf(entry))) {
          skipped = true;
          continue;
        }
        if (await this.waitsItsTurn(entry, now)) continue;
        await this.slot();
        if (this.closing || this.paused()) break;
        this.launch(entry);
      }
      await Promise.all(this.inFlight.values());
      this.rethrowStoreError();
      if (this.closing || (!skipped && batch.length < this.batchSize)) return;
    }
  }

  /** An older entry of the same order key is still pending: this one waits until after it. */
  private async waitsItsTurn(entry: OutboxEntry, now: number): Promise<boolean> {
    const olderAt = this.opts.outbox.olderPendingAt?.(entry);
    if (olderAt === undefined) return false;
    await this.opts.outbox.defer?.(entry.id, Math.max(olderAt, now) + 1);
    return true;
  }

  /** Waits for a free delivery slot: one while the breaker probes, else `concurrency`. */
  private async slot(): Promise<void> {
    const limit = this.breaker && this.failures > 0 ? 1 : this.concurrency;
    while (this.inFlight.size >= limit) await Promise.race(this.inFlight.values());
  }

  private launch(entry: OutboxEntry): void {
    const key = orderKeyOf(entry);
    this.keysInFlight.add(key);
    const delivery = this.deliver(entry)
      .catch((error: unknown) => {
        this.storeError ??= error;
      })
      .finally(() => {
        this.inFlight.delete(entry.id);
        this.keysInFlight.delete(key);
      });
    this.inFlight.set(entry.id, delivery);
  }

  private rethrowStoreError(): void {
    const error = this.storeError;
    this.storeError = undefined;
    if (error !== undefined) throw error instanceof Error ? error : new Error(errorMessage(error));
  }

  private async scheduleNext(): Promise<void> {
    const now = this.opts.clock.now();
    const next = await this.opts.outbox.nextDueAt();
    const poll = this.opts.idlePollMs ?? 15_000;
    const waits = [next === undefined ? Infinity : Math.max(next, this.pausedUntil) - now];
    if (poll > 0) waits.push(poll);
    const delay = Math.min(...waits);
    if (delay !== Infinity) this.setTimer(delay);
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
    const claim = await claimCheck(this.opts.claims, entry, log);
    // Held by another node: looked at again later (delivered by then, or adopted if it died).
    if (claim === 'elsewhere') return outbox.defer?.(entry.id, clock.now() + this.opts.maxBackoffMs);
    if (claim === 'delivered') return this.afterDelivered(await outbox.markDelivered(entry.id, clock.now()));
    const outcome = this.opts.send
      ? await this.sendSafely(entry)
      : await postEntry(this.opts.webhook!, entry, () => clock.now());
    const now = clock.now();
    const fields = { outboxId: entry.id, kind: entry.kind, tenantId: entry.tenantId, attempt };
    if (outcome.result !== 'retry') await this.receiverAnswered(now);
    if (outcome.result === 'delivered') {
      await recordDelivered(this.opts.claims, entry, log);
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
    await this.retryLater(entry, outcome, now, fields);
  }

  private async retryLater(
    entry: OutboxEntry,
    outcome: Extract<Outcome, { result: 'retry' }>,
    now: number,
    fields: Record<string, unknown> & { attempt: number },
  ): Promise<void> {
    const { outbox, log } = this.opts;
    const { status, error } = outcome;
    const tooOld = now - entry.createdAt >= (this.opts.retryForMs ?? Infinity);
    if (fields.attempt >= (this.opts.maxAttempts ?? Infinity) || tooOld) {
      await outbox.markFailed(entry.id, error, null);
      const why = tooOld ? 'was still failing after retryForMs' : `failed ${fields.attempt} times`;
      log.error(
        { ...fields, status, error },
        `outbox entry ${why}; kept as a dead letter (re-drive it once the receiver is back)`,
      );
      return;
    }
    let delay = outcome.retryAfterMs ?? this.backoff(fields.attempt);
    if (this.breaker) delay = Math.max(delay, this.pause(outcome.retryAfterMs, now));
    await outbox.markFailed(entry.id, error, now + delay);
    log.warn({ ...fields, status, error, retryInMs: delay }, 'outbox delivery failed; will retry');
  }

  /** The breaker opens (or stays open): nothing is sent until the pause is over. */
  private pause(retryAfterMs: number | undefined, now: number): number {
    this.failures++;
    const ceiling = Math.min(this.opts.maxBackoffMs, this.opts.baseBackoffMs * 2 ** (this.failures - 1));
    const wait = retryAfterMs ?? Math.floor(ceiling / 2) + randomInt(0, Math.floor(ceiling / 2) + 1);
    this.pausedUntil = Math.max(this.pausedUntil, now + wait);
    this.failingSince ??= now;
    if (this.failures === 1)
      this.opts.log.warn({ pauseMs: wait }, 'the receiver is failing; deliveries pause, then one probe goes');
    return wait;
  }

  /** The receiver answered: close the breaker; after an outage, everything waiting is due now. */
  private async receiverAnswered(now: number): Promise<void> {
    if (!this.breaker || this.failures === 0) return;
    const failures = this.failures;
    this.failures = 0;
    this.pausedUntil = 0;
    this.failingSince = undefined;
    const due = (await this.opts.outbox.expedite?.(now)) ?? 0;
    this.again = true;
    this.opts.log.info({ afterFailures: failures, due }, 'the receiver is back; waiting entries are due now');
  }

  private async afterDelivered(entry: OutboxEntry | undefined): Promise<void> {
    if (!this.opts.onDelivered || !entry) return;
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
}

/** Entries of one order key go one at a time, in order; an entry without one is its own key. */
function orderKeyOf(entry: OutboxEntry): string {
  return entry.orderKey ?? entry.id;
}
