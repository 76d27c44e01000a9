import { createHmac, timingSafeEqual } from 'node:crypto';
import { ConfigError } from '../errors.ts';

/** Header carrying the unix time (seconds) the request was signed at. */
export const TIMESTAMP_HEADER = 'X-Leadbot-Timestamp';
/** Header carrying `sha256=<hex>`. */
export const SIGNATURE_HEADER = 'X-Leadbot-Signature';

/**
 * Signs one outbox webhook request.
 *
 * The scheme, for receivers:
 * 1. Read the raw request body (the exact bytes, before any JSON parsing) and the headers
 *    `X-Leadbot-Timestamp` (unix seconds, decimal) and `X-Leadbot-Signature` (`sha256=<hex>`).
 * 2. Compute `HMAC-SHA256(secret, "<timestamp>.<raw body>")` as lowercase hex.
 * 3. Compare it with the hex after `sha256=` in constant time; reject on mismatch.
 * 4. Reject when the timestamp is further than your tolerance (e.g. 300 s) from your clock, so a
 *    captured request cannot be replayed later. Deduplicate on the `Idempotency-Key` header
 *    (the outbox entry id): a request may arrive more than once (retries after a timeout).
 *
 * Returns the lowercase hex digest (without the `sha256=` prefix).
 */
export function signWebhook(secret: string, timestamp: number | string, body: string | Uint8Array): string {
  return createHmac('sha256', secret).update(`${timestamp}.`).update(body).digest('hex');
}

/** Headers as node's `IncomingMessage.headers` or a fetch `Headers`. */
export type WebhookHeaders = Headers | Record<string, string | string[] | undefined>;

function header(headers: WebhookHeaders, name: string): string | undefined {
  if (headers instanceof Headers) return headers.get(name) ?? undefined;
  const wanted = name.toLowerCase();
  for (const [key, value] of Object.entries(headers)) {
    if (key.toLowerCase() === wanted) return Array.isArray(value) ? value[0] : value;
  }
  return undefined;
}

/**
 * Verifies a request signed by {@link signWebhook}: signature (constant-time) and timestamp within
 * `toleranceSec` of `nowSec` (default: the system clock). `body` must be the raw body bytes.
 */
export function verifyWebhook(
  secret: string,
  headers: WebhookHeaders,
  body: string | Uint8Array,
  toleranceSec: number,
  nowSec: number = Math.floor(Date.now() / 1000),
): boolean {
  const timestamp = header(headers, TIMESTAMP_HEADER);
  const signature = header(headers, SIGNATURE_HEADER);
  if (!timestamp || !signature || !/^\d{1,12}$/.test(timestamp)) return false;
  if (Math.abs(nowSec - Number(timestamp)) > toleranceSec) return false;
  const match = /^sha256=([0-9a-f]{64})$/i.exec(signature.trim());
  if (!match?.[1]) return false;
  const expected = Buffer.from(signWebhook(secret, timestamp, body), 'hex');
  const given = Buffer.from(match[1], 'hex');
  return given.length === expected.length && timingSafeEqual(given, expected);
}

const LOOPBACK_V4 = /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/;

/**
 * Checks an outbox webhook URL: `https:` anywhere, plain `http:` only to a loopback host
 * (127.0.0.0/8, ::1, localhost) for local tests, because payloads carry personal data.
 * Returns the parsed URL; throws {@link ConfigError} saying what to change.
 */
export function validateWebhookUrl(url: string): URL {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch (cause) {
    throw new ConfigError('The webhook URL is not a valid absolute URL; use https://host/path.', {
      cause,
    });
  }
  if (parsed.protocol === 'https:') return parsed;
  const host = parsed.hostname.toLowerCase();
  const loopback = host === 'localhost' || host === '[::1]' || LOOPBACK_V4.test(host);
  if (parsed.protocol === 'http:' && loopback) return parsed;
  throw new ConfigError(
    `Webhook URL '${parsed.origin}' must use https: (plain http: is only accepted for a loopback host such as 127.0.0.1 or localhost, for local tests).`,
  );
}
