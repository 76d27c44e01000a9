import { randomInt } from 'node:crypto';
import { setTimeout as sleepFor } from 'node:timers/promises';
import { z } from 'zod';
import { errorMessage } from '../../errors.ts';
import type { Logger } from '../../logger.ts';

/** Graph error codes that mean "slow down" (sent with HTTP 400 or 429). */
export const THROTTLE_CODES: ReadonlySet<number> = new Set([
  4, // application request limit
  80007, // WhatsApp Business Account rate limit
  130429, // Cloud API throughput reached
  131056, // too many messages to the same person (pair rate limit)
]);

/** Graph error code: more than 24 hours since the person's last message (re-engagement needed). */
export const WINDOW_CLOSED_CODE = 131047;

const GraphErrorSchema = z.looseObject({
  error: z.looseObject({
    code: z.number().optional(),
    error_subcode: z.number().optional(),
    type: z.string().optional(),
    is_transient: z.boolean().optional(),
    fbtrace_id: z.string().optional(),
  }),
});

const GraphSentSchema = z.looseObject({
  messages: z.array(z.looseObject({ id: z.string() })).optional(),
});

export type SendResult =
  | { ok: true; messageId?: string; attempts: number }
  | {
      ok: false;
      /** `rejected`: Graph refused it (a 4xx we must not retry); `gave_up`: transient failures every time. */
      reason: 'rejected' | 'gave_up' | 'aborted';
      status?: number;
      code?: number;
      attempts: number;
    };

export interface GraphSenderOptions {
  apiBase: string;
  apiVersion: string;
  phoneNumberId: string;
  token: string;
  log: Logger;
  /** Attempts per request, the first included. Default 5. */
  maxAttempts?: number;
  /** First backoff; doubles each attempt (with jitter). Default 500 ms. */
  baseDelayMs?: number;
  /** Longest backoff between attempts. Default 30 s. */
  maxDelayMs?: number;
  /** A `Retry-After` longer than this is not waited for: the send gives up. Default 120 s. */
  maxRetryAfterMs?: number;
  /** Per-request timeout. Default 15 s. */
  timeoutMs?: number;
  /** Injectable for tests. */
  sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
}

/** Context for logs: ids only, never the recipient or the text. */
export interface SendContext {
  conversationId: string;
  kind: string;
}

function retryAfterMs(header: string | null, now: number): number | undefined {
  if (!header) return undefined;
  if (/^\d+(\.\d+)?$/.test(header.trim())) return Math.ceil(Number(header) * 1000);
  const at = Date.parse(header);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/**
 * Posts to the Graph API `/{phone-number-id}/messages` endpoint with the bearer token. Retries
 * network errors, timeouts, 5xx and errors Graph marks transient with exponential backoff; honours
 * 429 and the throttling codes ({@link THROTTLE_CODES}) with `Retry-After` when given, else backoff;
 * gives up at once on any other 4xx and logs its Graph error code (never the body we sent).
 */
/** What a failed attempt reports with the result. */
type Failure = { status?: number; code?: number };

export class GraphSender {
  private readonly url: string;
  private readonly maxAttempts: number;
  private readonly baseDelayMs: number;
  private readonly maxDelayMs: number;
  private readonly maxRetryAfterMs: number;
  private readonly timeoutMs: number;
  private readonly sleep: (ms: number, signal: AbortSignal) => Promise<void>;

  constructor(private readonly options: GraphSenderOptions) {
    this.url = `${options.apiBase.replace(/\/+$/, '')}/${options.apiVersion}/${encodeURIComponent(options.phoneNumberId)}/messages`;
    this.maxAttempts = options.maxAttempts ?? 5;
    this.baseDelayMs = options.baseDelayMs ?? 500;
    this.maxDelayMs = options.maxDelayMs ?? 30_000;
    this.maxRetryAfterMs = options.maxRetryAfterMs ?? 120_000;
    this.timeoutMs = options.timeoutMs ?? 15_000;
    this.sleep = options.sleep ?? ((ms, signal) => sleepFor(ms, undefined, { signal }));
  }

  private backoff(attempt: number): number {
    const base = Math.min(this.maxDelayMs, this.baseDelayMs * 2 ** (attempt - 1));
    return base + randomInt(0, Math.max(1, Math.floor(base / 4)));
  }

  /** Sends one message body; `attempts: 1` for best-effort calls (typing indicators). */
  async post(
    body: Record<string, unknown>,
    context: SendContext,
    signal: AbortSignal,
    attempts = this.maxAttempts,
  ): Promise<SendResult> {
    for (let attempt = 1; ; attempt++) {
      if (signal.aborted) return { ok: false, reason: 'aborted', attempts: attempt - 1 };
      const outcome = await this.attempt(body, context, signal, attempt);
      if ('result' in outcome) return outcome.result;
      const { wait, failure } = outcome;
      if (attempt >= attempts) {
        this.options.log.error(
          { ...context, attempts: attempt, ...failure },
          'WhatsApp send failed after retries; message not sent',
        );
        return { ok: false, reason: 'gave_up', attempts: attempt, ...failure };
      }
      try {
        await this.sleep(wait, signal);
      } catch {
        return { ok: false, reason: 'aborted', attempts: attempt, ...failure };
      }
    }
  }

  /** One POST: a final result, or how long to wait before the next attempt. */
  private async attempt(
    body: Record<string, unknown>,
    context: SendContext,
    signal: AbortSignal,
    attempt: number,
  ): Promise<{ result: SendResult } | { wait: number; failure: Failure }> {
    try {
      const response = await fetch(this.url, {
        method: 'POST',
        headers: { authorization: `Bearer ${this.options.token}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
        signal: AbortSignal.any([signal, AbortSignal.timeout(this.timeoutMs)]),
      });
      const json: unknown = await response.json().catch(() => undefined);
      if (response.ok) {
        const sent = GraphSentSchema.safeParse(json);
        const messageId = sent.success ? sent.data.messages?.[0]?.id : undefined;
        return { result: { ok: true, attempts: attempt, ...(messageId ? { messageId } : {}) } };
      }
      return this.refused(response, json, context, attempt);
    } catch (error) {
      if (signal.aborted) return { result: { ok: false, reason: 'aborted', attempts: attempt } };
      const wait = this.backoff(attempt);
      this.options.log.warn(
        { ...context, attempt, err: errorMessage(error), waitMs: wait },
        'WhatsApp Graph API unreachable; retrying',
      );
      return { wait, failure: {} };
    }
  }

  /** A non-2xx answer: throttled or transient (retry after a wait), or refused for good. */
  private refused(
    response: Response,
    json: unknown,
    context: SendContext,
    attempt: number,
  ): { result: SendResult } | { wait: number; failure: Failure } {
    const log = this.options.log;
    const parsed = GraphErrorSchema.safeParse(json);
    const graph = parsed.success ? parsed.data.error : undefined;
    const failure: Failure = {
      status: response.status,
      ...(graph?.code !== undefined ? { code: graph.code } : {}),
    };
    const throttled =
      response.status === 429 || (graph?.code !== undefined && THROTTLE_CODES.has(graph.code));
    const transient = response.status >= 500 || graph?.is_transient === true;
    const details = {
      ...context,
      status: response.status,
      code: graph?.code,
      subcode: graph?.error_subcode,
      fbtrace_id: graph?.fbtrace_id,
      attempt,
    };
    if (throttled) {
      const asked = retryAfterMs(response.headers.get('retry-after'), Date.now());
      if (asked !== undefined && asked > this.maxRetryAfterMs) {
        log.error(
          { ...details, retryAfterMs: asked },
          'WhatsApp Graph API throttled the send for longer than we wait; message not sent',
        );
        return { result: { ok: false, reason: 'gave_up', attempts: attempt, ...failure } };
      }
      const wait = asked ?? this.backoff(attempt);
      log.warn({ ...details, waitMs: wait }, 'WhatsApp Graph API throttled the send; retrying');
      return { wait, failure };
    }
    if (transient) {
      const wait = this.backoff(attempt);
      log.warn({ ...details, waitMs: wait }, 'WhatsApp Graph API failed; retrying');
      return { wait, failure };
    }
    log.error(
      { ...details, type: graph?.type },
      'WhatsApp Graph API refused the message (see the error code in the Cloud API error-code reference)',
    );
    return { result: { ok: false, reason: 'rejected', attempts: attempt, ...failure } };
  }
}
