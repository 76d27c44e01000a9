import twilio from 'twilio';
import { describe, expect, it } from 'vitest';
import { normaliseWhatsAppNumber } from '../../src/channels/twilio/index.ts';
import { param, parseForm, type FormParams } from '../../src/channels/twilio/form.ts';
import {
  TEXT_ONLY_REPLY,
  TOO_LONG_REPLY,
  formatForWhatsApp,
  twiml,
} from '../../src/channels/twilio/format.ts';
import { parseTwilioInbound } from '../../src/channels/twilio/inbound.ts';
import { ClientError } from '../../src/errors.ts';

/** The sandbox's inbound text webhook body, as Twilio puts it on the wire (ids redacted by Twilio). */
const SANDBOX_WIRE =
  'SmsMessageSid=SM45e9b726c0314a5524cXXXX&NumMedia=0&ProfileName=Test+User&SmsSid=SM45e9b726c0314a5524c3f3cbYYYYY' +
  '&WaId=91990000000&SmsStatus=received&Body=hey&To=whatsapp%3A%2B14155238886&NumSegments=1&ReferralNumMedia=0' +
  '&MessageSid=SM45e9b726c0314a5524c3f3cb4ZZZZZ&AccountSid=AC8e904faad99a05efe123e12DDDDDD' +
  '&From=whatsapp%3A%2B919900000000&ApiVersion=2010-04-01';

/** A delivery status callback on the wire. */
const STATUS_WIRE =
  'SmsSid=SMc4c96554c26604013c6b7f1b4bXXXXX&SmsStatus=sent&MessageStatus=sent&ChannelToAddress=%2B91994541XXXX' +
  '&To=whatsapp%3A%2B919900000000&ChannelPrefix=whatsapp&MessageSid=SMc4c96554c26604013c6b7f1b4b6DDDDD' +
  '&AccountSid=AC8e904faad99a05efe123e12515ZZZZZ&StructuredMessage=false&From=whatsapp%3A%2B14155238886' +
  '&ApiVersion=2010-04-01&ChannelInstallSid=XEcc20d939f803ee381f2442185EEEEE';

function inbound(over: FormParams = {}): FormParams {
  return { ...parseForm(SANDBOX_WIRE), ...over };
}

function clientError(fn: () => unknown): ClientError {
  try {
    fn();
  } catch (error) {
    if (error instanceof ClientError) return error;
    throw error;
  }
  throw new Error('expected a ClientError');
}

describe('parseForm', () => {
  it('decodes the sandbox body: + is a space, %XX escapes, every field kept', () => {
    const params = parseForm(SANDBOX_WIRE);
    expect(params.ProfileName).toBe('Test User');
    expect(params.From).toBe('whatsapp:+919900000000');
    expect(params.To).toBe('whatsapp:+14155238886');
    expect(Object.keys(params)).toHaveLength(14);
  });

  it('keeps every value of a repeated name, in order', () => {
    expect({ ...parseForm('a=1&b=2&a=3&a=') }).toEqual({ a: ['1', '3', ''], b: '2' });
    expect(param(parseForm('a=1&a=2'), 'a')).toBe('1');
  });

  it('decodes UTF-8 and keeps empty values and names without "="', () => {
    expect({ ...parseForm('Body=%C2%A1Hola%2C+se%C3%B1or%21+%F0%9F%98%80&Empty=&Flag') }).toEqual({
      Body: '¡Hola, señor! 😀',
      Empty: '',
      Flag: '',
    });
  });

  it('treats __proto__ and constructor as plain names', () => {
    const params = parseForm('__proto__=x&constructor=y&toString=z');
    expect(params.__proto__).toBe('x');
    expect(params.constructor).toBe('y');
    expect(Object.getPrototypeOf(params)).toBeNull();
    expect(({} as Record<string, unknown>).x).toBeUndefined();
    expect(param(parseForm('a=1'), 'toString')).toBeUndefined();
  });

  it('reads junk without throwing', () => {
    expect({ ...parseForm('%%%&&==&%zz=1') }).toEqual({ '%%%': '', '': '=', '%zz': '1' });
    expect({ ...parseForm('') }).toEqual({});
  });
});

describe('parseTwilioInbound', () => {
  it('normalises a WhatsApp text message', () => {
    expect(parseTwilioInbound(inbound())).toEqual({
      kind: 'text',
      messageSid: 'SM45e9b726c0314a5524c3f3cb4ZZZZZ',
      userId: '91990000000',
      text: 'hey',
      profile: { name: 'Test User', phone: '+91990000000' },
    });
  });

  it('falls back to the number in From when WaId is absent', () => {
    const { WaId: _gone, ...params } = inbound();
    expect(parseTwilioInbound(params)).toMatchObject({
      userId: '919900000000',
      profile: { phone: '+919900000000' },
    });
  });

  it('leaves the name out when ProfileName is absent', () => {
    const { ProfileName: _gone, ...params } = inbound();
    expect(parseTwilioInbound(params)).toMatchObject({ profile: { phone: '+91990000000' } });
    expect(parseTwilioInbound(params)).not.toHaveProperty('profile.name');
  });

  it('ignores status callbacks (MessageStatus, no Body)', () => {
    expect(parseTwilioInbound(parseForm(STATUS_WIRE))).toEqual({
      kind: 'status',
      status: 'sent',
      messageSid: 'SMc4c96554c26604013c6b7f1b4b6DDDDD',
    });
    expect(parseTwilioInbound({ SmsStatus: 'delivered', MessageSid: 'SM1' }).kind).toBe('status');
    expect(parseTwilioInbound({ MessageStatus: 'read' }).kind).toBe('status');
  });

  it('reads a quick-reply button as text', () => {
    expect(
      parseTwilioInbound(inbound({ Body: '', ButtonText: 'Ventas', ButtonPayload: 'sales' })),
    ).toMatchObject({
      kind: 'text',
      text: 'Ventas',
    });
    expect(parseTwilioInbound(inbound({ Body: '', ButtonPayload: 'sales' }))).toMatchObject({
      text: 'sales',
    });
  });

  it('records a Click-to-WhatsApp ad referral as the source', () => {
    const result = parseTwilioInbound(
      inbound({ ReferralSourceId: '120208', ReferralSourceType: 'ad', ReferralSourceUrl: 'https://fb.me/x' }),
    );
    expect(result).toMatchObject({ kind: 'text', source: 'ad:120208' });
  });

  it('classifies media-only and location messages as unsupported, empty ones as empty', () => {
    expect(
      parseTwilioInbound(
        inbound({
          Body: '',
          NumMedia: '1',
          MediaUrl0: 'https://api.twilio.com/m',
          MediaContentType0: 'image/jpeg',
        }),
      ),
    ).toEqual({
      kind: 'unsupported',
      messageSid: 'SM45e9b726c0314a5524c3f3cb4ZZZZZ',
      userId: '91990000000',
      numMedia: 1,
    });
    expect(parseTwilioInbound(inbound({ Body: '', Latitude: '19.43', Longitude: '-99.13' })).kind).toBe(
      'unsupported',
    );
    expect(parseTwilioInbound(inbound({ Body: '  ' })).kind).toBe('empty');
  });

  it('keeps a caption sent with media as text', () => {
    expect(parseTwilioInbound(inbound({ Body: 'mira esto', NumMedia: '1' }))).toMatchObject({
      kind: 'text',
      text: 'mira esto',
    });
  });

  it.each<[string, FormParams, RegExp]>([
    ['no From', { MessageSid: 'SM1', Body: 'hi' }, /From is missing/],
    ['no MessageSid', { From: 'whatsapp:+15005550006', Body: 'hi' }, /MessageSid is missing/],
    ['an SMS sender', { MessageSid: 'SM1', From: '+15005550006', Body: 'hi' }, /not a WhatsApp address/],
    [
      'a From that is no number',
      { MessageSid: 'SM1', From: 'whatsapp:bob', Body: 'hi' },
      /not a phone number/,
    ],
    [
      'a MessageSid with odd characters',
      { MessageSid: 'SM1 <x>', From: 'whatsapp:+15005550006', Body: 'hi' },
      /not a Twilio SID/,
    ],
    ['an empty body', {}, /From is missing|MessageSid is missing/],
  ])('refuses %s with invalid_message (400)', (_name, params, message) => {
    const error = clientError(() => parseTwilioInbound(params));
    expect(error.code).toBe('invalid_message');
    expect(error.status).toBe(400);
    expect(error.message).toMatch(message);
  });
});

describe('normaliseWhatsAppNumber', () => {
  it.each([
    ['+14155238886', 'whatsapp:+14155238886'],
    ['whatsapp:+14155238886', 'whatsapp:+14155238886'],
    ['WhatsApp:+14155238886', 'whatsapp:+14155238886'],
    [' +1 (415) 523-8886 ', 'whatsapp:+14155238886'],
    ['14155238886', 'whatsapp:+14155238886'],
  ])('%s → %s', (input, expected) => {
    expect(normaliseWhatsAppNumber(input)).toBe(expected);
  });

  it.each(['', 'whatsapp:', 'sms:+14155238886', '+0123', 'abc', '+1234567890123456789'])(
    'refuses %j',
    (input) => {
      expect(normaliseWhatsAppNumber(input)).toBeUndefined();
    },
  );
});

describe('WhatsApp formatting and TwiML', () => {
  it('keeps *bold*, turns Markdown WhatsApp does not show into plain text', () => {
    expect(
      formatForWhatsApp('¡Hola, *Carlos*!\n\n**Plan Pro**: [ver](https://x.example/p)\n## Siguiente'),
    ).toEqual(['¡Hola, *Carlos*!\n\n*Plan Pro*: ver: https://x.example/p\nSiguiente']);
  });

  it('splits long replies into bodies of at most 1600 characters', () => {
    const text = Array.from({ length: 60 }, (_, i) => `Frase número ${i} con algo de contenido útil.`).join(
      ' ',
    );
    const bodies = formatForWhatsApp(`${text}\n\n${text}`);
    expect(bodies.length).toBeGreaterThan(1);
    for (const body of bodies) expect(body.length).toBeLessThanOrEqual(1600);
    expect(bodies.join(' ').replace(/\s+/g, ' ')).toBe(`${text} ${text}`);
  });

  it("writes the same TwiML as twilio's MessagingResponse", () => {
    const bodies = ['a & <b> "c" \'d\' *bold* ¿sí? 😀\nline', 'two\r\nthree', ']]> </Message><Message>x'];
    const response = new twilio.twiml.MessagingResponse();
    for (const body of bodies) response.message(body);
    expect(twiml(bodies)).toBe(response.toString());
    expect(twiml([])).toBe(new twilio.twiml.MessagingResponse().toString());
  });

  it('drops characters XML cannot carry', () => {
    expect(twiml(['a\u0000b\u0007c'])).toContain('<Message>abc</Message>');
  });

  it('has its fixed answers in Spanish and English', () => {
    for (const text of [TEXT_ONLY_REPLY, TOO_LONG_REPLY]) {
      const [es, en] = text.split('\n\n');
      expect(es).toMatch(/[¿¡]|por favor|mensaje/i);
      expect(en).toMatch(/please|message/i);
    }
  });
});
