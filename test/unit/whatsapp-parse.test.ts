import { describe, expect, it } from 'vitest';
import { safeParseWebhook, type ParsedWebhook } from '../../src/channels/whatsapp/parse.ts';

// Shapes follow real Cloud API webhooks (Meta's dashboard test payload and pywa's recorded updates).
const METADATA = { display_phone_number: '972123456789', phone_number_id: '1122334455667' };
const CONTACT = {
  profile: { name: 'Test Name' },
  wa_id: '972987654321',
  user_id: 'US.13491208655302741918',
  parent_user_id: 'US.ENT.11815799212886844830',
};

function delivery(value: Record<string, unknown>, field = 'messages'): unknown {
  return {
    object: 'whatsapp_business_account',
    entry: [
      {
        id: '1234567890987654321',
        changes: [{ value: { messaging_product: 'whatsapp', metadata: METADATA, ...value }, field }],
      },
    ],
  };
}

function message(extra: Record<string, unknown>): Record<string, unknown> {
  return { from: '972987654321', id: 'wamid.xyzxyz', timestamp: '1697043223', ...extra };
}

function parsed(json: unknown): ParsedWebhook {
  const result = safeParseWebhook(json);
  if (!result.success) throw new Error(`expected a valid payload, got: ${result.error}`);
  return result.data;
}

const PERSON = {
  userId: 'US.13491208655302741918',
  phone: '+972987654321',
  bsuid: 'US.13491208655302741918',
  name: 'Test Name',
};

describe('WhatsApp webhook parsing: messages we answer', () => {
  const cases: { name: string; json: unknown; expected: unknown }[] = [
    {
      name: 'a text message, keyed by the business-scoped user id when present',
      json: delivery({
        contacts: [CONTACT],
        messages: [message({ type: 'text', text: { body: 'Body Text' } })],
      }),
      expected: {
        kind: 'text',
        id: 'wamid.xyzxyz',
        text: 'Body Text',
        phoneNumberId: '1122334455667',
        person: PERSON,
      },
    },
    {
      name: "Meta's dashboard test payload (no BSUID): keyed by wa_id",
      json: {
        object: 'whatsapp_business_account',
        entry: [
          {
            id: '0',
            changes: [
              {
                field: 'messages',
                value: {
                  messaging_product: 'whatsapp',
                  metadata: { display_phone_number: '16505551111', phone_number_id: '123456123' },
                  contacts: [{ profile: { name: 'test user name' }, wa_id: '16315551181' }],
                  messages: [
                    {
                      from: '16315551181',
                      id: 'ABGGFlA5Fpa',
                      timestamp: '1504902988',
                      type: 'text',
                      text: { body: 'this is a text message' },
                    },
                  ],
                },
              },
            ],
          },
        ],
      },
      expected: {
        kind: 'text',
        id: 'ABGGFlA5Fpa',
        text: 'this is a text message',
        phoneNumberId: '123456123',
        person: { userId: '16315551181', phone: '+16315551181', name: 'test user name' },
      },
    },
    {
      name: 'a reply quoting an earlier message (context) is plain text',
      json: delivery({
        contacts: [CONTACT],
        messages: [
          message({
            context: { from: '972123456789', id: 'wamid.xyzxyz==' },
            type: 'text',
            text: { body: 'replied text' },
          }),
        ],
      }),
      expected: { kind: 'text', text: 'replied text', person: PERSON },
    },
    {
      name: 'an interactive reply button: its title is the text',
      json: delivery({
        contacts: [CONTACT],
        messages: [
          message({
            type: 'interactive',
            interactive: { type: 'button_reply', button_reply: { id: 'plan_pro', title: 'Plan Pro' } },
          }),
        ],
      }),
      expected: { kind: 'text', text: 'Plan Pro', person: PERSON },
    },
    {
      name: 'an interactive list row: its title is the text',
      json: delivery({
        contacts: [CONTACT],
        messages: [
          message({
            type: 'interactive',
            interactive: {
              type: 'list_reply',
              list_reply: { id: 'billing', title: 'Facturación', description: 'Pagos y facturas' },
            },
          }),
        ],
      }),
      expected: { kind: 'text', text: 'Facturación' },
    },
    {
      name: "a template's quick-reply button",
      json: delivery({
        contacts: [CONTACT],
        messages: [message({ type: 'button', button: { text: 'Sí, llámenme', payload: 'CALL_ME' } })],
      }),
      expected: { kind: 'text', text: 'Sí, llámenme' },
    },
    {
      name: 'a Click-to-WhatsApp ad referral: source ad:<source_id>',
      json: delivery({
        contacts: [CONTACT],
        messages: [
          message({
            referral: {
              source_url: 'AD_OR_POST_FB_URL',
              source_id: 'ADID',
              source_type: 'ad or post',
              headline: 'AD_TITLE',
              body: 'AD_DESCRIPTION',
              media_type: 'image or video',
              image_url: 'RAW_IMAGE_URL',
              ctwa_clid: 'CTWA_CLID',
            },
            id: 'wamid.ID',
            type: 'text',
            text: { body: 'BODY' },
          }),
        ],
      }),
      expected: { kind: 'text', id: 'wamid.ID', text: 'BODY', referralSource: 'ad:ADID' },
    },
    {
      name: 'a referral without source_id: source ad:<headline>',
      json: delivery({
        contacts: [CONTACT],
        messages: [
          message({ referral: { headline: 'Promo invierno' }, type: 'text', text: { body: 'Hola' } }),
        ],
      }),
      expected: { kind: 'text', referralSource: 'ad:Promo invierno' },
    },
    {
      name: 'a username-only contact (no phone): keyed by BSUID, username kept, no phone',
      json: delivery({
        contacts: [{ profile: { name: 'Jane', username: '@jane.doe' }, user_id: 'BR.1502576394655843' }],
        messages: [
          {
            from_user_id: 'BR.1502576394655843',
            id: 'wamid.USR1',
            timestamp: '1697043223',
            type: 'text',
            text: { body: 'Hola' },
          },
        ],
      }),
      expected: {
        kind: 'text',
        person: {
          userId: 'BR.1502576394655843',
          bsuid: 'BR.1502576394655843',
          username: 'jane.doe',
          name: 'Jane',
        },
      },
    },
    {
      name: 'a contact with only a username: keyed by @username',
      json: delivery({
        contacts: [{ profile: { username: 'jane_doe' } }],
        messages: [{ id: 'wamid.USR2', type: 'text', text: { body: 'Hola' } }],
      }),
      expected: { kind: 'text', person: { userId: '@jane_doe', username: 'jane_doe' } },
    },
    {
      name: 'an image: answered with the "text only" notice',
      json: delivery({
        contacts: [CONTACT],
        messages: [message({ type: 'image', image: { id: 'MEDIA_ID', mime_type: 'image/jpeg' } })],
      }),
      expected: { kind: 'unsupported', type: 'image', person: PERSON },
    },
    {
      name: 'a message type WhatsApp itself calls unsupported',
      json: delivery({
        contacts: [CONTACT],
        messages: [
          message({ type: 'unsupported', errors: [{ code: 131051, title: 'Message type unknown' }] }),
        ],
      }),
      expected: { kind: 'unsupported', type: 'unsupported' },
    },
  ];

  for (const { name, json, expected } of cases) {
    it(name, () => {
      const result = parsed(json);
      expect(result.messages).toHaveLength(1);
      expect(result.messages[0]).toMatchObject(expected as Record<string, unknown>);
      if ((expected as { person?: object }).person)
        expect(result.messages[0]!.person).toEqual((expected as { person: object }).person);
    });
  }

  it('keeps the order of several messages and matches each to its own contact', () => {
    const result = parsed(
      delivery({
        contacts: [
          { profile: { name: 'Ana' }, wa_id: '5215511111111' },
          { profile: { name: 'Luis' }, wa_id: '5215522222222' },
        ],
        messages: [
          { from: '5215522222222', id: 'wamid.B', type: 'text', text: { body: 'de Luis' } },
          { from: '5215511111111', id: 'wamid.A', type: 'text', text: { body: 'de Ana' } },
        ],
      }),
    );
    expect(result.messages.map((m) => [m.id, m.person.name])).toEqual([
      ['wamid.B', 'Luis'],
      ['wamid.A', 'Ana'],
    ]);
  });
});

describe('WhatsApp webhook parsing: what is ignored without error', () => {
  it('delivery statuses only: nothing to answer, failed ones carry their error codes', () => {
    const result = parsed(
      delivery({
        contacts: [CONTACT],
        statuses: [
          {
            id: 'wamid.sent',
            status: 'sent',
            timestamp: '1698266945',
            recipient_id: '972987654321',
            conversation: { id: '7270432eae37498234f4444b35ffc5', origin: { type: 'service' } },
            pricing: { billable: true, pricing_model: 'CBP', category: 'service' },
          },
          {
            id: 'wamid.failed',
            status: 'failed',
            timestamp: '1689380458',
            recipient_id: '972987654321',
            errors: [{ code: 130472, title: "User's number is part of an experiment" }],
          },
        ],
      }),
    );
    expect(result.messages).toEqual([]);
    expect(result.statuses).toEqual([
      { id: 'wamid.sent', status: 'sent', errorCodes: [] },
      { id: 'wamid.failed', status: 'failed', errorCodes: [130472] },
    ]);
  });

  it('reactions, system notices and other webhook fields are skipped', () => {
    const result = parsed(
      delivery({
        contacts: [CONTACT],
        messages: [
          message({ id: 'wamid.r', type: 'reaction', reaction: { message_id: 'wamid.x', emoji: '👍' } }),
          message({
            id: 'wamid.s',
            type: 'system',
            system: { body: 'changed number', type: 'user_changed_number' },
          }),
        ],
      }),
    );
    expect(result.messages).toEqual([]);
    expect(result.ignored).toBe(2);
    const other = parsed(
      delivery({ message_template_id: 1, event: 'APPROVED' }, 'message_template_status_update'),
    );
    expect(other).toMatchObject({ messages: [], statuses: [], ignored: 1 });
  });

  it('an empty entry list is valid and holds nothing', () => {
    expect(parsed({ object: 'whatsapp_business_account', entry: [] })).toMatchObject({
      messages: [],
      ignored: 0,
    });
  });
});

describe('WhatsApp webhook parsing: malformed payloads are refused as a whole', () => {
  const cases: { name: string; json: unknown; error: RegExp }[] = [
    { name: 'not an object', json: 'hola', error: /expected object/i },
    { name: 'null', json: null, error: /expected object/i },
    {
      name: 'another kind of webhook',
      json: { object: 'page', entry: [] },
      error: /whatsapp_business_account/,
    },
    { name: 'entry missing', json: { object: 'whatsapp_business_account' }, error: /^entry/ },
    {
      name: 'entry not an array',
      json: { object: 'whatsapp_business_account', entry: { id: '1' } },
      error: /^entry/,
    },
    {
      name: 'a message without an id',
      json: delivery({
        contacts: [CONTACT],
        messages: [{ from: '972987654321', type: 'text', text: { body: 'x' } }],
      }),
      error: /messages\.0\.id/,
    },
    {
      name: 'a text message without text',
      json: delivery({ contacts: [CONTACT], messages: [message({ type: 'text' })] }),
      error: /text\.body/,
    },
    {
      name: 'a text body that is not a string',
      json: delivery({ contacts: [CONTACT], messages: [message({ type: 'text', text: { body: 42 } })] }),
      error: /text\.body/,
    },
    {
      name: 'an interactive reply without its title',
      json: delivery({
        contacts: [CONTACT],
        messages: [message({ type: 'interactive', interactive: { type: 'button_reply' } })],
      }),
      error: /button_reply/,
    },
    {
      name: 'a message nobody sent (no from, no contact)',
      json: delivery({ messages: [{ id: 'wamid.x', type: 'text', text: { body: 'x' } }] }),
      error: /no sender/,
    },
    {
      name: 'a wa_id that is not a phone number',
      json: delivery({
        contacts: [{ wa_id: '../../etc' }],
        messages: [{ from: '../../etc', id: 'wamid.x', type: 'text', text: { body: 'x' } }],
      }),
      error: /phone number digits/,
    },
    {
      name: 'messages not an array',
      json: delivery({ contacts: [CONTACT], messages: { id: 'x' } }),
      error: /value\.messages/,
    },
    {
      name: 'a status without its status',
      json: delivery({ statuses: [{ id: 'wamid.x' }] }),
      error: /statuses\.0\.status/,
    },
  ];
  for (const { name, json, error } of cases) {
    it(name, () => {
      const result = safeParseWebhook(json);
      expect(result.success).toBe(false);
      if (!result.success) expect(result.error).toMatch(error);
    });
  }
});
