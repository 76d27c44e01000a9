import { describe, expect, it } from 'vitest';
import { phoneDigits } from '../../src/privacy/contacts.ts';

describe('privacy requests match one person exactly', () => {
  it('reads a query as a phone only when it is a phone number and nothing else', () => {
    expect(phoneDigits('+34 600 111 222')).toBe('34600111222');
    expect(phoneDigits('(555) 123-4567')).toBe('5551234567');
    expect(phoneDigits('whatsapp:+14155238886')).toBe('14155238886');
    expect(phoneDigits('34600111222')).toBe('34600111222');
    // Digits inside an email, a name or an id are not a phone number.
    expect(phoneDigits('34600111222@gmail.com')).toBeUndefined();
    expect(phoneDigits('ana.600111222@x.com')).toBeUndefined();
    expect(phoneDigits('lead_600111222')).toBeUndefined();
    expect(phoneDigits('demo:web:s_12345678')).toBeUndefined();
    expect(phoneDigits('123456')).toBeUndefined();
  });
});
