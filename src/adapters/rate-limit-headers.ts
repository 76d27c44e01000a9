import type { ProviderLimits } from '../ports/chat-model.ts';

/**
 * A reset duration as OpenAI-compatible providers send it in `x-ratelimit-reset-*`: "1s", "6m0s",
 * "120ms", "1m30.5s", "2h", or plain seconds ("0.5"). Undefined when unreadable.
 */
export function parseResetDuration(value: string | null | undefined): number | undefined {
  if (!value) return undefined;
  const text = value.trim();
  if (/^\d+(\.\d+)?$/.test(text)) return Math.round(Number(text) * 1_000_000) / 1000;
  const units: Record<string, number> = { h: 3_600_000, m: 60_000, s: 1000, ms: 1 };
  let total = 0;
  let rest = text;
  while (rest) {
    const part = /^(\d+(?:\.\d+)?)(ms|h|m|s)/.exec(rest);
    if (!part) return undefined;
    total += Number(part[1]) * units[part[2]!]!;
    rest = rest.slice(part[0].length);
  }
  // "1.001s" is 1001 ms, not 1000.9999999999999.
  return Math.round(total * 1000) / 1000;
}

function count(headers: Headers, name: string): number | undefined {
  const value = headers.get(name);
  if (value === null || !/^\d+(\.\d+)?$/.test(value.trim())) return undefined;
  return Number(value);
}

/** `Retry-After` (seconds or an HTTP date) in ms from `now`; undefined when absent or unreadable. */
export function retryAfterHeaderMs(headers: Headers | undefined, now: number): number | undefined {
  const value = headers?.get('retry-after');
  if (!value) return undefined;
  if (/^\d+(\.\d+)?$/.test(value.trim())) return Number(value) * 1000;
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/** The rate-limit headers of one response (OpenAI's `x-ratelimit-*` names); only what was sent. */
export function parseProviderLimits(headers: Headers | undefined, now = Date.now()): ProviderLimits {
  if (!headers) return {};
  const fields: [keyof ProviderLimits, number | undefined][] = [
    ['limitRequests', count(headers, 'x-ratelimit-limit-requests')],
    ['remainingRequests', count(headers, 'x-ratelimit-remaining-requests')],
    ['resetRequestsMs', parseResetDuration(headers.get('x-ratelimit-reset-requests'))],
    ['limitTokens', count(headers, 'x-ratelimit-limit-tokens')],
    ['remainingTokens', count(headers, 'x-ratelimit-remaining-tokens')],
    ['resetTokensMs', parseResetDuration(headers.get('x-ratelimit-reset-tokens'))],
    ['retryAfterMs', count(headers, 'retry-after-ms') ?? retryAfterHeaderMs(headers, now)],
  ];
  const limits: ProviderLimits = {};
  for (const [name, value] of fields) if (value !== undefined) limits[name] = value;
  return limits;
}
