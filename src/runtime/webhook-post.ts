import type { OutboxEntry } from '../ports/outbox.ts';
import { errorMessage } from '../errors.ts';
import { SIGNATURE_HEADER, TIMESTAMP_HEADER, signWebhook } from './webhook-signature.ts';

/** What one delivery attempt came to. */
export type DeliveryOutcome =
  | { result: 'delivered'; status: number }
  | { result: 'retry'; error: string; status?: number; retryAfterMs?: number }
  | { result: 'dead'; error: string; status?: number };
type Outcome = DeliveryOutcome;

/** Where entries are POSTed. */
export interface WebhookTarget {
  /** `https:` (or `http:` to a loopback host, for tests); checked by `validateWebhookUrl`. */
  url: string;
  /** HMAC-SHA256 key for `X-Leadbot-Signature` (see {@link signWebhook}). */
  secret: string;
  /** Per-request timeout; a timeout counts as a retryable failure. */
  timeoutMs: number;
}

/** Longest `Retry-After` honoured (a day); a larger value is read as this. */
const MAX_RETRY_AFTER_MS = 24 * 60 * 60 * 1000;

/**
 * One signed POST of an entry: body `{"id","kind","tenant_id","created_at","data"}`, headers
 * `Idempotency-Key`, `X-Leadbot-Timestamp`, `X-Leadbot-Signature`. Never throws.
 */
export async function postEntry(
  webhook: WebhookTarget,
  entry: OutboxEntry,
  nowMs: () => number,
): Promise<Outcome> {
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
  const timestamp = Math.floor(nowMs() / 1000);
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
  return classify(response, nowMs());
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
