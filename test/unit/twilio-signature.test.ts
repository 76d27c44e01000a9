import twilio from 'twilio';
import { describe, expect, it } from 'vitest';
import { parseForm, type FormParams } from '../../src/channels/twilio/form.ts';
import { twilioSignature, urlVariants, verifyTwilioSignature } from '../../src/channels/twilio/signature.ts';

const TOKEN = '9f3c2b1a8e7d6c5b4a39281706f5e4d3';
const URL_ = 'https://bot.example.com/webhooks/twilio';

/** Twilio's sandbox inbound webhook (a real capture, ids redacted by Twilio's docs), as params. */
function sandboxInbound(): FormParams {
  return {
    SmsMessageSid: 'SM45e9b726c0314a5524cXXXX',
    NumMedia: '0',
    ProfileName: 'Test User',
    SmsSid: 'SM45e9b726c0314a5524c3f3cbYYYYY',
    WaId: '91990000000',
    SmsStatus: 'received',
    Body: 'hey',
    To: 'whatsapp:+14155238886',
    NumSegments: '1',
    ReferralNumMedia: '0',
    MessageSid: 'SM45e9b726c0314a5524c3f3cb4ZZZZZ',
    AccountSid: 'AC8e904faad99a05efe123e12DDDDDD',
    From: 'whatsapp:+919900000000',
    ApiVersion: '2010-04-01',
  };
}

/** A status callback as Twilio sends it for an outbound WhatsApp message. */
function statusCallback(): FormParams {
  return {
    SmsSid: 'SMc4c96554c26604013c6b7f1b4bXXXXX',
    SmsStatus: 'sent',
    MessageStatus: 'sent',
    ChannelToAddress: '+91994541XXXX',
    To: 'whatsapp:+919900000000',
    ChannelPrefix: 'whatsapp',
    MessageSid: 'SMc4c96554c26604013c6b7f1b4b6DDDDD',
    AccountSid: 'AC8e904faad99a05efe123e12515ZZZZZ',
    StructuredMessage: 'false',
    From: 'whatsapp:+14155238886',
    ApiVersion: '2010-04-01',
    ChannelInstallSid: 'XEcc20d939f803ee381f2442185EEEEE',
  };
}

/** Deterministic pseudo-random strings (mulberry32), so the property test is reproducible. */
function generator(seed: number) {
  let state = seed;
  const next = () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const alphabet = [
    'a',
    'Z',
    '0',
    ' ',
    '+',
    '&',
    '=',
    '%',
    'ñ',
    'é',
    '¿',
    '😀',
    '中',
    '\n',
    '"',
    "'",
    '<',
    '_',
  ];
  const text = (max: number) =>
    Array.from(
      { length: Math.floor(next() * max) },
      () => alphabet[Math.floor(next() * alphabet.length)]!,
    ).join('');
  return { next, text };
}

const CASES: Array<[string, FormParams]> = [
  ['the sandbox inbound message', sandboxInbound()],
  ['a status callback', statusCallback()],
  ['no parameters', {}],
  ['empty values', { Body: '', MediaUrl0: '', From: 'whatsapp:+15005550006' }],
  ['unicode text', { Body: '¡Hola! ¿Cómo están? 😀 中文 naïve', ProfileName: 'José Ñúñez 👩🏽‍💻' }],
  ['characters that form encoding escapes', { Body: 'a+b=c&d%20e?f/g#h', 'Weird Name': 'x y' }],
  ['repeated keys', { MediaUrl: ['https://m/2', 'https://m/1'], Body: 'two pictures' }],
  ['repeated keys with the same value twice', { Tag: ['b', 'a', 'b'], Body: 'x' }],
  ['keys that sort by code unit', { b: '1', B: '2', a: '3', _: '4', Á: '5', '10': '6', '9': '7' }],
  ['newlines and carriage returns', { Body: 'line 1\r\nline 2\n\nline 3' }],
];

describe('twilioSignature (our HMAC-SHA1) against the twilio package', () => {
  it("reproduces Twilio's published test vector", () => {
    // twilio-node's own signature test: token 12345, a voice webhook with a query string.
    const url = 'https://mycompany.com/myapp.php?foo=1&bar=2';
    const params = {
      CallSid: 'CA1234567890ABCDE',
      Caller: '+14158675309',
      Digits: '1234',
      From: '+14158675309',
      To: '+18005551212',
    };
    expect(twilioSignature('12345', url, params)).toBe('RSOYDt4T1cUTdK1PDd93/VVr8B8=');
    expect(twilio.getExpectedTwilioSignature('12345', url, params)).toBe('RSOYDt4T1cUTdK1PDd93/VVr8B8=');
    expect(verifyTwilioSignature('12345', 'RSOYDt4T1cUTdK1PDd93/VVr8B8=', url, params)).toBe(true);
    expect(verifyTwilioSignature('12346', 'RSOYDt4T1cUTdK1PDd93/VVr8B8=', url, params)).toBe(false);
  });

  it.each(CASES)('equals getExpectedTwilioSignature for %s', (_name, params) => {
    for (const url of [URL_, `${URL_}?tenant=demo&x=%20y`, 'http://127.0.0.1:3000/webhooks/twilio']) {
      const ours = twilioSignature(TOKEN, url, params);
      expect(ours).toBe(twilio.getExpectedTwilioSignature(TOKEN, url, params));
      expect(verifyTwilioSignature(TOKEN, ours, url, params)).toBe(true);
      expect(twilio.validateRequest(TOKEN, ours, url, params)).toBe(true);
    }
  });

  it('equals getExpectedTwilioSignature for 300 generated parameter sets', () => {
    const { next, text } = generator(20240605);
    for (let i = 0; i < 300; i++) {
      const params: FormParams = {};
      const n = Math.floor(next() * 8);
      for (let k = 0; k < n; k++) {
        const name = text(12) || `k${k}`;
        params[name] = next() < 0.2 ? [text(10), text(10), text(10)] : text(40);
      }
      const token = text(32) || 't';
      const ours = twilioSignature(token, URL_, params);
      expect(ours, JSON.stringify({ token, params })).toBe(
        twilio.getExpectedTwilioSignature(token, URL_, params),
      );
    }
  });

  it('signs exactly what parseForm reads from the wire (form encoding round trip)', () => {
    const params = { ...sandboxInbound(), Body: 'Hola+mundo & 100% ¿sí? 😀' };
    const wire = new URLSearchParams(params as Record<string, string>).toString();
    const parsed = parseForm(wire);
    expect({ ...parsed }).toEqual(params);
    expect(twilioSignature(TOKEN, URL_, parsed)).toBe(twilio.getExpectedTwilioSignature(TOKEN, URL_, params));
  });
});

describe('verifyTwilioSignature refuses what Twilio did not sign', () => {
  const params = sandboxInbound();
  const good = twilio.getExpectedTwilioSignature(TOKEN, URL_, params);

  it('accepts the right signature', () => {
    expect(verifyTwilioSignature(TOKEN, good, URL_, params)).toBe(true);
  });

  it.each([
    ['a wrong auth token', () => verifyTwilioSignature(`${TOKEN}x`, good, URL_, params)],
    [
      'another URL',
      () => verifyTwilioSignature(TOKEN, good, 'https://bot.example.com/webhooks/twilio2', params),
    ],
    [
      'another host',
      () => verifyTwilioSignature(TOKEN, good, 'https://evil.example.com/webhooks/twilio', params),
    ],
    [
      'http instead of https',
      () => verifyTwilioSignature(TOKEN, good, 'http://bot.example.com/webhooks/twilio', params),
    ],
    ['an added query string', () => verifyTwilioSignature(TOKEN, good, `${URL_}?a=1`, params)],
    ['a changed Body', () => verifyTwilioSignature(TOKEN, good, URL_, { ...params, Body: 'hey!' })],
    [
      'a changed From',
      () => verifyTwilioSignature(TOKEN, good, URL_, { ...params, From: 'whatsapp:+10000000000' }),
    ],
    ['an added parameter', () => verifyTwilioSignature(TOKEN, good, URL_, { ...params, Extra: '' })],
    [
      'a removed parameter',
      () => {
        const { ProfileName: _gone, ...rest } = params;
        return verifyTwilioSignature(TOKEN, good, URL_, rest);
      },
    ],
    [
      'values swapped between two names',
      () => verifyTwilioSignature(TOKEN, good, URL_, { ...params, Body: 'Test User', ProfileName: 'hey' }),
    ],
    ['a missing header', () => verifyTwilioSignature(TOKEN, undefined, URL_, params)],
    ['an empty header', () => verifyTwilioSignature(TOKEN, '', URL_, params)],
    ['a truncated signature', () => verifyTwilioSignature(TOKEN, good.slice(0, -2), URL_, params)],
    ['a signature of another case', () => verifyTwilioSignature(TOKEN, good.toLowerCase(), URL_, params)],
  ])('refuses %s', (_name, check) => {
    expect(check()).toBe(false);
  });

  it('agrees with twilio.validateRequest on every refusal above', () => {
    expect(twilio.validateRequest(`${TOKEN}x`, good, URL_, params)).toBe(false);
    expect(twilio.validateRequest(TOKEN, good, `${URL_}?a=1`, params)).toBe(false);
    expect(twilio.validateRequest(TOKEN, good, URL_, { ...params, Body: 'hey!' })).toBe(false);
  });

  it('accepts the URL with or without the default port, as Twilio may sign either', () => {
    const withPort = 'https://bot.example.com:443/webhooks/twilio';
    const signedWithout = twilio.getExpectedTwilioSignature(TOKEN, URL_, params);
    const signedWith = twilio.getExpectedTwilioSignature(TOKEN, withPort, params);
    expect(verifyTwilioSignature(TOKEN, signedWithout, withPort, params)).toBe(true);
    expect(verifyTwilioSignature(TOKEN, signedWith, URL_, params)).toBe(true);
    expect(twilio.validateRequest(TOKEN, signedWithout, withPort, params)).toBe(true);
    expect(twilio.validateRequest(TOKEN, signedWith, URL_, params)).toBe(true);
    expect(urlVariants('http://127.0.0.1:3000/a?b=1')).toEqual([
      'http://127.0.0.1:3000/a?b=1',
      'http://127.0.0.1/a?b=1',
    ]);
    expect(urlVariants('http://[::1]:8080/x')).toEqual(['http://[::1]:8080/x', 'http://[::1]/x']);
    expect(urlVariants('https://h/x')).toEqual(['https://h/x', 'https://h:443/x']);
  });
});
