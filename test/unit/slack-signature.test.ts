import { describe, expect, it } from 'vitest';
import { signSlackRequest, verifySlackSignature } from '../../src/handoff/slack-signature.ts';

/** Slack's public documentation example ("Verifying requests from Slack"). */
const DOC = {
  secret: '8f742231b10e8888abcd99yyyzzz85a5',
  timestamp: '1531420618',
  signature: 'v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503',
  body:
    'token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V' +
    '&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=' +
    '&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN' +
    '&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c',
};
const DOC_NOW = Number(DOC.timestamp) * 1000;

const SECRET = 'test-signing-secret';
const NOW = 1_700_000_000_000;
const BODY = JSON.stringify({ type: 'event_callback', event: { type: 'message', text: 'Hola' } });

function check(overrides: Partial<Parameters<typeof verifySlackSignature>[0]> = {}) {
  const timestamp = String(Math.floor(NOW / 1000));
  return verifySlackSignature({
    signingSecret: SECRET,
    timestamp,
    signature: signSlackRequest(SECRET, timestamp, BODY),
    rawBody: BODY,
    nowMs: NOW,
    ...overrides,
  });
}

describe('signSlackRequest', () => {
  it("reproduces Slack's documented signature", () => {
    expect(signSlackRequest(DOC.secret, DOC.timestamp, DOC.body)).toBe(DOC.signature);
    expect(signSlackRequest(DOC.secret, Number(DOC.timestamp), DOC.body)).toBe(DOC.signature);
  });
});

describe('verifySlackSignature', () => {
  it("accepts Slack's documented request", () => {
    const result = verifySlackSignature({
      signingSecret: DOC.secret,
      timestamp: DOC.timestamp,
      signature: DOC.signature,
      rawBody: DOC.body,
      nowMs: DOC_NOW + 10_000,
    });
    expect(result).toEqual({ ok: true });
  });

  it('accepts a freshly signed request and an upper-case digest', () => {
    expect(check()).toEqual({ ok: true });
    const timestamp = String(NOW / 1000);
    const upper = `v0=${signSlackRequest(SECRET, timestamp, BODY).slice(3).toUpperCase()}`;
    expect(check({ signature: upper })).toEqual({ ok: true });
  });

  it('rejects a request six minutes old as stale, even if correctly signed', () => {
    const old = String(Math.floor(NOW / 1000) - 360);
    expect(check({ timestamp: old, signature: signSlackRequest(SECRET, old, BODY) })).toEqual({
      ok: false,
      reason: 'stale',
    });
  });

  it('accepts the edge of the window and honours a custom tolerance', () => {
    const edge = String(Math.floor(NOW / 1000) - 300);
    expect(check({ timestamp: edge, signature: signSlackRequest(SECRET, edge, BODY) })).toEqual({ ok: true });
    const minute = String(Math.floor(NOW / 1000) - 61);
    const signed = { timestamp: minute, signature: signSlackRequest(SECRET, minute, BODY) };
    expect(check({ ...signed, toleranceSeconds: 60 })).toEqual({ ok: false, reason: 'stale' });
  });

  it('rejects a timestamp skewed into the future', () => {
    const future = String(Math.floor(NOW / 1000) + 600);
    expect(check({ timestamp: future, signature: signSlackRequest(SECRET, future, BODY) })).toEqual({
      ok: false,
      reason: 'stale',
    });
  });

  it('rejects the documented request once it is old', () => {
    const result = verifySlackSignature({
      signingSecret: DOC.secret,
      timestamp: DOC.timestamp,
      signature: DOC.signature,
      rawBody: DOC.body,
      nowMs: DOC_NOW + 301_000,
    });
    expect(result).toEqual({ ok: false, reason: 'stale' });
  });

  it('rejects a tampered body', () => {
    expect(check({ rawBody: BODY.replace('Hola', 'Adiós') })).toEqual({ ok: false, reason: 'mismatch' });
    expect(check({ rawBody: `${BODY} ` })).toEqual({ ok: false, reason: 'mismatch' });
  });

  it('rejects a signature made with another secret', () => {
    expect(check({ signingSecret: 'another-secret' })).toEqual({ ok: false, reason: 'mismatch' });
  });

  it('rejects a signature over another timestamp', () => {
    const timestamp = String(Math.floor(NOW / 1000));
    const other = signSlackRequest(SECRET, Number(timestamp) - 1, BODY);
    expect(check({ timestamp, signature: other })).toEqual({ ok: false, reason: 'mismatch' });
  });

  it('reports missing or empty headers', () => {
    expect(check({ timestamp: undefined })).toEqual({ ok: false, reason: 'missing' });
    expect(check({ signature: undefined })).toEqual({ ok: false, reason: 'missing' });
    expect(check({ timestamp: '', signature: '' })).toEqual({ ok: false, reason: 'missing' });
  });

  it('rejects non-numeric or non-integer timestamps', () => {
    for (const timestamp of ['abc', '1700000000.5', '-1700000000', '1e9', '0x65']) {
      const signature = signSlackRequest(SECRET, timestamp, BODY);
      expect(check({ timestamp, signature })).toEqual({ ok: false, reason: 'mismatch' });
    }
  });

  it('rejects other schemes and malformed digests', () => {
    const hex = signSlackRequest(SECRET, String(NOW / 1000), BODY).slice(3);
    for (const signature of [
      `v1=${hex}`,
      hex,
      `v0=${hex.slice(0, 62)}`,
      `v0=${hex}00`,
      `v0=${'z'.repeat(64)}`,
    ]) {
      expect(check({ signature })).toEqual({ ok: false, reason: 'mismatch' });
    }
  });
});
