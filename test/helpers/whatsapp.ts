import { createHmac } from 'node:crypto';

let seq = 0;

/** A WhatsApp Cloud API webhook delivery of one text message from `waId` (as Meta posts it). */
export function whatsappTextDelivery(o: {
  phoneNumberId: string;
  waId: string;
  body: string;
  name?: string;
}) {
  return {
    object: 'whatsapp_business_account',
    entry: [
      {
        id: '1234567890987654321',
        changes: [
          {
            field: 'messages',
            value: {
              messaging_product: 'whatsapp',
              metadata: { display_phone_number: '972123456789', phone_number_id: o.phoneNumberId },
              contacts: [{ profile: { name: o.name ?? 'Luis' }, wa_id: o.waId }],
              messages: [
                {
                  from: o.waId,
                  id: `wamid.IN${++seq}-${Date.now()}`,
                  timestamp: String(Math.floor(Date.now() / 1000)),
                  type: 'text',
                  text: { body: o.body },
                },
              ],
            },
          },
        ],
      },
    ],
  };
}

/** The `x-hub-signature-256` header value Meta sends for `raw` under the app secret. */
export function whatsappSignature(raw: string, appSecret: string): string {
  return `sha256=${createHmac('sha256', appSecret).update(raw).digest('hex')}`;
}
