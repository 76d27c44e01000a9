import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

/** Header Meta signs every webhook POST with: `sha256=<hex HMAC-SHA256 of the raw body, keyed by the app secret>`. */
export const SIGNATURE_HEADER = 'x-hub-signature-256';

/** `sha256=<hex>` for a body, as Meta computes it (tests and tools sign with this). */
export function signPayload(appSecret: string, rawBody: string | Uint8Array): string {
  return `sha256=${createHmac('sha256', appSecret).update(rawBody).digest('hex')}`;
}

/**
 * Checks `X-Hub-Signature-256` against the raw body bytes (before any parsing), in constant time.
 * A missing header, another scheme, a digest of the wrong length or any other byte gives false.
 */
export function verifySignature(
  appSecret: string,
  header: string | string[] | undefined,
  rawBody: Uint8Array,
): boolean {
  const value = Array.isArray(header) ? header[0] : header;
  if (!value) return false;
  const match = /^sha256=([0-9a-f]+)$/i.exec(value.trim());
  if (!match?.[1] || match[1].length % 2 !== 0) return false;
  const given = Buffer.from(match[1], 'hex');
  const expected = createHmac('sha256', appSecret).update(rawBody).digest();
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/**
 * Compares the `hub.verify_token` of a verification request with ours in constant time (both are
 * hashed first, so their lengths do not leak either).
 */
export function verifyTokenMatches(expected: string, given: string): boolean {
  const a = createHash('sha256').update(expected).digest();
  const b = createHash('sha256').update(given).digest();
  return timingSafeEqual(a, b);
}
