import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { signPayload, verifySignature, verifyTokenMatches } from '../../src/channels/whatsapp/signature.ts';

const SECRET = 'app-secret-0123456789abcdef';
const BODY = Buffer.from(
  JSON.stringify({
    object: 'whatsapp_business_account',
    entry: [{ id: '0', changes: [{ field: 'messages', value: { messaging_product: 'whatsapp' } }] }],
  }),
);
// Computed independently of the code under test.
const RIGHT = `sha256=${createHmac('sha256', SECRET).update(BODY).digest('hex')}`;

describe('X-Hub-Signature-256 check', () => {
  const cases: { name: string; header: string | string[] | undefined; body?: Buffer; ok: boolean }[] = [
    { name: 'right signature', header: RIGHT, ok: true },
    { name: 'right signature, upper-case hex', header: `sha256=${RIGHT.slice(7).toUpperCase()}`, ok: true },
    { name: 'right signature as the first of repeated headers', header: [RIGHT, 'sha256=00'], ok: true },
    { name: 'missing header', header: undefined, ok: false },
    { name: 'empty header', header: '', ok: false },
    {
      name: 'signed with another secret',
      header: `sha256=${createHmac('sha256', 'other').update(BODY).digest('hex')}`,
      ok: false,
    },
    {
      name: 'sha1 scheme (X-Hub-Signature)',
      header: `sha1=${createHmac('sha1', SECRET).update(BODY).digest('hex')}`,
      ok: false,
    },
    { name: 'no scheme prefix', header: RIGHT.slice(7), ok: false },
    { name: 'digest one byte short', header: RIGHT.slice(0, -2), ok: false },
    { name: 'digest one byte long', header: `${RIGHT}00`, ok: false },
    { name: 'odd number of hex digits', header: RIGHT.slice(0, -1), ok: false },
    { name: 'not hex', header: `sha256=${'zz'.repeat(32)}`, ok: false },
    {
      name: 'body altered by one byte',
      header: RIGHT,
      body: Buffer.from(BODY.toString().replace('"0"', '"1"')),
      ok: false,
    },
    {
      name: 'body with one extra byte',
      header: RIGHT,
      body: Buffer.concat([BODY, Buffer.from('\n')]),
      ok: false,
    },
    { name: 'empty body', header: RIGHT, body: Buffer.alloc(0), ok: false },
  ];
  for (const { name, header, body, ok } of cases) {
    it(`${name} → ${ok ? 'accepted' : 'refused'}`, () => {
      expect(verifySignature(SECRET, header, body ?? BODY)).toBe(ok);
    });
  }

  it('signPayload produces what Meta sends', () => {
    expect(signPayload(SECRET, BODY)).toBe(RIGHT);
    expect(verifySignature(SECRET, signPayload(SECRET, 'x'), Buffer.from('x'))).toBe(true);
  });
});

describe('hub.verify_token comparison', () => {
  it('accepts only the exact token', () => {
    expect(verifyTokenMatches('my-verify-token', 'my-verify-token')).toBe(true);
    expect(verifyTokenMatches('my-verify-token', 'my-verify-tokeN')).toBe(false);
    expect(verifyTokenMatches('my-verify-token', 'my-verify-token ')).toBe(false);
    expect(verifyTokenMatches('my-verify-token', '')).toBe(false);
    expect(verifyTokenMatches('my-verify-token', 'my-verify')).toBe(false);
  });
});
