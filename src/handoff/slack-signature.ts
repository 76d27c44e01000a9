import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Outcome of checking a Slack request. `missing`: a header is absent or empty; `stale`: the
 * timestamp is further from now than the tolerance (either direction, against replays);
 * `mismatch`: a malformed timestamp, another scheme than `v0=`, or a signature that does not match.
 */
export type SlackSignatureCheck = { ok: true } | { ok: false; reason: 'missing' | 'stale' | 'mismatch' };

/** Default replay window, as Slack recommends: five minutes. */
const DEFAULT_TOLERANCE_SECONDS = 300;

/** `v0=<hex HMAC-SHA256 of "v0:<timestamp>:<raw body>">`, as Slack signs (tests and tools sign with this). */
export function signSlackRequest(signingSecret: string, timestamp: string | number, rawBody: string): string {
  return `v0=${createHmac('sha256', signingSecret).update(`v0:${timestamp}:${rawBody}`, 'utf8').digest('hex')}`;
}

/**
 * Checks `X-Slack-Request-Timestamp` and `X-Slack-Signature` against the raw body (before any
 * parsing): the timestamp must be an integer within `toleranceSeconds` (default 300) of `nowMs`, and
 * the signature is compared in constant time.
 */
export function verifySlackSignature(args: {
  signingSecret: string;
  timestamp: string | undefined;
  signature: string | undefined;
  rawBody: string;
  nowMs: number;
  toleranceSeconds?: number;
}): SlackSignatureCheck {
  const timestamp = args.timestamp?.trim();
  const signature = args.signature?.trim();
  if (!timestamp || !signature) return { ok: false, reason: 'missing' };
  if (!/^\d{1,12}$/.test(timestamp)) return { ok: false, reason: 'mismatch' };
  const tolerance = args.toleranceSeconds ?? DEFAULT_TOLERANCE_SECONDS;
  if (Math.abs(args.nowMs / 1000 - Number(timestamp)) > tolerance) return { ok: false, reason: 'stale' };
  const match = /^v0=([0-9a-f]{64})$/i.exec(signature);
  if (!match?.[1]) return { ok: false, reason: 'mismatch' };
  const given = Buffer.from(match[1], 'hex');
  const expected = Buffer.from(signSlackRequest(args.signingSecret, timestamp, args.rawBody).slice(3), 'hex');
  const same = given.length === expected.length && timingSafeEqual(given, expected);
  return same ? { ok: true } : { ok: false, reason: 'mismatch' };
}
