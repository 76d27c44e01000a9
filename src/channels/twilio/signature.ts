import { createHmac, timingSafeEqual } from 'node:crypto';
import type { FormParams } from './form.ts';

/**
 * The `X-Twilio-Signature` Twilio computes for a webhook: base64(HMAC-SHA1(authToken, url + every POST
 * parameter name followed by its value, names sorted)). A repeated name contributes each distinct value,
 * sorted, as twilio-node's `getExpectedTwilioSignature` does.
 */
export function twilioSignature(authToken: string, url: string, params: FormParams): string {
  let data = url;
  for (const name of Object.keys(params).sort()) {
    const value = params[name]!;
    const values = Array.isArray(value) ? [...new Set(value)].sort() : [value];
    for (const v of values) data += name + v;
  }
  return createHmac('sha1', authToken).update(data, 'utf8').digest('base64');
}

/**
 * The URL as given, without its port and with the scheme's default port: Twilio may or may not have
 * included a port when it signed (its own validator tries the same variants).
 */
export function urlVariants(url: string): string[] {
  const match = /^([a-z][a-z0-9+.-]*:\/\/)([^/?#]*)(.*)$/is.exec(url);
  if (!match) return [url];
  const [, scheme = '', authority = '', rest = ''] = match;
  // A colon after the closing bracket of an IPv6 literal starts the port.
  const portStart = authority.indexOf(':', authority.lastIndexOf(']') + 1);
  const host = portStart === -1 ? authority : authority.slice(0, portStart);
  const variants = [url, scheme + host + rest];
  if (portStart === -1)
    variants.push(`${scheme}${host}:${scheme.toLowerCase() === 'https://' ? 443 : 80}${rest}`);
  return [...new Set(variants)];
}

/** True when `header` is Twilio's signature of this request; compared in constant time. */
export function verifyTwilioSignature(
  authToken: string,
  header: string | undefined,
  url: string,
  params: FormParams,
): boolean {
  if (!header) return false;
  const given = Buffer.from(header, 'utf8');
  let valid = false;
  for (const candidate of urlVariants(url)) {
    const expected = Buffer.from(twilioSignature(authToken, candidate, params), 'utf8');
    // Lengths are fixed by SHA-1, not secret; every variant is checked so timing does not tell which matched.
    if (given.length === expected.length && timingSafeEqual(given, expected)) valid = true;
  }
  return valid;
}
