import { z } from 'zod';

export const crmSettings = z
  .object({
    webhookUrl: z
      .url()
      .optional()
      .describe(
        'HTTPS endpoint that receives leads and tickets, signed (plain http only to loopback). Needs `LEADBOT_CRM_WEBHOOK_SECRET`.',
      ),
    maxAttempts: z
      .number()
      .int()
      .min(1)
      .optional()
      .describe(
        'Delivery attempts before an entry is kept as a dead letter. Unset: only `retryForMs` decides (an outage costs one probe per pause, not one attempt per lead).',
      ),
    retryForMs: z
      .number()
      .int()
      .min(1000)
      .default(24 * 60 * 60_000)
      .describe(
        'An entry still failing this long after it was queued becomes a dead letter (`leadbot outbox redrive`).',
      ),
    baseBackoffMs: z
      .number()
      .int()
      .min(1)
      .default(1000)
      .describe('First back-off between attempts: exponential with full jitter (`Retry-After` honoured).'),
    maxBackoffMs: z
      .number()
      .int()
      .min(1)
      .default(30_000)
      .describe(
        'Longest back-off. While the CRM fails, every push pauses and one probe goes per back-off; the first answer resumes the whole backlog, so recovery is noticed within this.',
      ),
    concurrency: z
      .number()
      .int()
      .min(1)
      .max(64)
      .default(8)
      .describe(
        "Pushes in flight at once; one conversation's lead and its corrections still go one by one, in order.",
      ),
    timeoutMs: z.number().int().min(100).default(10_000).describe('Per delivery request.'),
    degradedAfterMs: z
      .number()
      .int()
      .min(0)
      .default(60_000)
      .describe(
        '`/health` says `degraded` (reason `crm_unreachable`) once CRM pushes have failed this long.',
      ),
  })
  .strict()
  .prefault({})
  .describe('The CRM webhook and its durable outbox.');

export const channelsSettings = z
  .object({
    enabled: z
      .array(z.enum(['web', 'rest', 'telegram', 'whatsapp', 'twilio']))
      .optional()
      .describe(
        'Channels this node runs, e.g. `["web", "rest"]`. Unset: every channel (a provider channel still needs its credentials).',
      ),
    publicUrl: z
      .url()
      .optional()
      .describe(
        "The public https address of this server (behind a tunnel or proxy): Twilio signatures are checked against it + path; Telegram's webhook is registered on it.",
      ),
    telegram: z
      .object({
        apiRoot: z
          .url()
          .default('https://api.telegram.org')
          .describe("Bot API root (Telegram's own local Bot API server, or a test peer)."),
        tenant: z.string().min(1).optional().describe('Tenant whose bot this is. Unset: `defaultTenant`.'),
      })
      .strict()
      .prefault({}),
    whatsapp: z
      .object({
        apiBase: z.url().default('https://graph.facebook.com').describe('Graph API base URL.'),
        apiVersion: z
          .string()
          .regex(/^v\d+\.\d+$/, 'must look like v21.0')
          .default('v21.0')
          .describe('Graph API version used in send URLs.'),
        tenant: z.string().min(1).optional().describe('Tenant whose number this is. Unset: `defaultTenant`.'),
        windowTemplate: z
          .object({
            name: z.string().min(1).describe('Name of the approved template.'),
            language: z.string().min(2).default('es').describe('Language code of the template.'),
          })
          .strict()
          .optional()
          .describe(
            'Approved template sent when a reply falls outside the 24-hour customer-service window. Without it such replies are not sent and a clear log line says so.',
          ),
      })
      .strict()
      .prefault({}),
    twilio: z
      .object({
        apiBase: z.url().default('https://api.twilio.com').describe('Twilio REST API base URL.'),
        tenant: z.string().min(1).optional().describe('Tenant whose number this is. Unset: `defaultTenant`.'),
        reply: z
          .enum(['rest', 'twiml'])
          .default('rest')
          .describe(
            '`rest`: replies sent through the Messages API; `twiml`: returned in the webhook response.',
          ),
      })
      .strict()
      .prefault({}),
  })
  .strict()
  .prefault({})
  .describe(
    'Messaging channels (Telegram, WhatsApp Cloud API, Twilio). Each is on when its credentials are set (docs/channels/).',
  );
