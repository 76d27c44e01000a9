import { z } from 'zod';
import type { HandoffEnv } from './handoff.ts';
import type { Secrets } from './secrets.ts';

export type { Secrets } from './secrets.ts';
import { TOOL_NAMES } from '../../skills/registry.ts';
import { PHASES } from '../protocol/conversation.ts';

/**
 * Every setting leadbot reads, with its default. Files (`config/default.json`, then the file named by
 * `LEADBOT_CONFIG`) are merged, then environment variables win. Secrets come only from the environment.
 *
 * Each setting carries its description (`.describe()`): `npm run docs:config` writes
 * docs/configuration.md from this schema and the environment table in `load.ts`.
 */
export const SettingsSchema = z
  .object({
    server: z
      .object({
        host: z.string().min(1).default('127.0.0.1').describe('Interface to listen on.'),
        port: z.coerce
          .number()
          .int()
          .min(0)
          .max(65535)
          .default(3000)
          .describe('TCP port (`0` picks a free one).'),
        bodyLimitBytes: z
          .number()
          .int()
          .min(1024)
          .default(256 * 1024)
          .describe('Largest HTTP body accepted, in bytes (`message_too_long` beyond).'),
        wsMaxPayloadBytes: z
          .number()
          .int()
          .min(1024)
          .default(256 * 1024)
          .describe('Largest WebSocket frame accepted, in bytes; a larger frame closes the socket (1009).'),
        restReplyTimeoutMs: z
          .number()
          .int()
          .min(100)
          .default(30_000)
          .describe("How long `POST /webhooks/rest` waits for the bot's replies before answering 504."),
      })
      .strict()
      .prefault({})
      .describe('The HTTP and WebSocket server.'),
    dataDir: z
      .string()
      .min(1)
      .default('./data')
      .describe('Where LMDB keeps history, snapshots, leads and the outbox, and the generated admin token.'),
    tenantsDir: z
      .string()
      .min(1)
      .default('./config/tenants')
      .describe('Folder with one sub-folder per tenant (`tenant.json`, `catalog.json`, `knowledge/`).'),
    defaultTenant: z
      .string()
      .min(1)
      .default('demo')
      .describe('Tenant used when a channel does not name one (REST without `tenant`, CLI).'),
    nodeId: z
      .string()
      .min(1)
      .optional()
      .describe('Id of this process in logs and metrics. Unset: host name + pid.'),
    conversation: z
      .object({
        maxInputChars: z
          .number()
          .int()
          .min(1)
          .max(100_000)
          .default(4000)
          .describe('Longest inbound message accepted, in characters (`message_too_long` beyond).'),
        historyWindow: z
          .number()
          .int()
          .min(2)
          .max(500)
          .default(30)
          .describe('Most history messages handed to the model per turn.'),
        historyTokenBudget: z
          .number()
          .int()
          .min(64)
          .max(200_000)
          .default(3000)
          .describe(
            "Token budget of that history in the model's context: the newest lines that fit (≈ 4 characters a token).",
          ),
        modelTimeoutMs: z
          .number()
          .int()
          .min(100)
          .default(12_000)
          .describe('A model call that takes longer is abandoned and the built-in model answers.'),
        sessionTimeoutMs: z
          .number()
          .int()
          .min(1000)
          .default(30 * 60_000)
          .describe(
            'A person silent this long in the middle of the capture leaves a `partial` lead (a durable timer: it fires after a restart too); if they come back, the same lead is completed.',
          ),
        followUpAfterMs: z
          .number()
          .int()
          .min(0)
          .default(10 * 60_000)
          .describe(
            'Silence in the middle of a capture after which the bot sends one gentle follow-up asking for what is missing (a durable timer). `0` turns nudges off; only useful below `sessionTimeoutMs`.',
          ),
        handoffDeadlineMs: z
          .number()
          .int()
          .min(0)
          .default(15 * 60_000)
          .describe(
            'A case handed to a human that nobody took over within this time is escalated to ops (log, `leadbot_handoffs_overdue_total`, audit entry) and the person is told the team still has it. `0` turns the deadline off.',
          ),
        dedupeWindowMs: z
          .number()
          .int()
          .min(0)
          .default(24 * 60 * 60_000)
          .describe(
            'A message id seen again in the same conversation within this window (a widget resend, a client retry) is acknowledged and dropped: no second reply. `0` turns it off.',
          ),
        deliveryAttempts: z
          .number()
          .int()
          .min(1)
          .max(20)
          .default(5)
          .describe('Attempts to store a lead before the conversation goes to `failed`.'),
        deliveryBackoffMs: z
          .number()
          .int()
          .min(1)
          .default(200)
          .describe('Base delay of the exponential back-off between those attempts.'),
      })
      .strict()
      .prefault({})
      .describe('How one conversation is held: input limits, history, timers, lead storage.'),
    cluster: z
      .object({
        natsUrl: z
          .string()
          .min(1)
          .optional()
          .describe(
            'NATS server URL(s), comma-separated. Set: cluster mode — the bus, conversation state, leads and key budgets go through NATS JetStream (docs/cluster.md). Unset: one node, in-process bus.',
          ),
        role: z
          .enum(['all', 'gateway', 'worker'])
          .default('all')
          .describe(
            '`gateway`: channels and HTTP only; `worker`: conversations only; `all`: both. Needs `natsUrl`.',
          ),
        partitions: z
          .number()
          .int()
          .min(1)
          .max(1024)
          .default(16)
          .describe(
            'Partitions of the inbound stream (every node must agree); ownership moves per partition.',
          ),
        leaseTtlMs: z
          .number()
          .int()
          .min(1000)
          .default(10_000)
          .describe('A node that stops renewing its partition leases loses them after this long.'),
        ackWaitMs: z
          .number()
          .int()
          .min(1000)
          .default(60_000)
          .describe('JetStream ack wait of inbound messages (long turns are marked in progress).'),
        metricsEveryMs: z
          .number()
          .int()
          .min(500)
          .default(5_000)
          .describe('How often each node publishes its metrics on `leadbot.metrics.<node>`.'),
        replicas: z
          .union([z.literal(1), z.literal(3), z.literal(5)])
          .default(1)
          .describe('Stream and bucket replicas (3 in a 3-server NATS cluster).'),
      })
      .strict()
      .prefault({})
      .describe('Cluster mode on NATS JetStream (docs/cluster.md).'),
    security: z
      .object({
        maxMessagesPerUserPerMinute: z
          .number()
          .int()
          .min(1)
          .max(10_000)
          .default(20)
          .describe(
            'Flood control: messages one person may send per minute; more get one polite notice and are not processed.',
          ),
        maxMessagesPerTenantPerMinute: z
          .number()
          .int()
          .min(1)
          .max(1_000_000)
          .default(1200)
          .describe(
            'Flood control: messages one tenant may receive per minute across all its conversations.',
          ),
        blocksBeforeMute: z
          .number()
          .int()
          .min(1)
          .max(100)
          .default(3)
          .describe(
            'Messages blocked by the ThreatDetector within `blockWindowMs` after which a person is muted.',
          ),
        blockWindowMs: z
          .number()
          .int()
          .min(1000)
          .default(10 * 60_000)
          .describe('The window `blocksBeforeMute` counts in.'),
        muteMs: z
          .number()
          .int()
          .min(1000)
          .default(15 * 60_000)
          .describe("How long a muted person's messages are recorded (and audited) but not answered."),
        allowedTools: z
          .partialRecord(z.enum(PHASES), z.array(z.enum(TOOL_NAMES)))
          .default({})
          .describe(
            'Tools allowed per conversation state, e.g. `{"capture": ["save_temp_lead_data"]}`: a state listed here is offered only these tools (within what its skills provide). Unknown states or tools refuse to start.',
          ),
        llmJudge: z
          .boolean()
          .default(true)
          .describe(
            'With LLM keys: messages the ThreatDetector is unsure about get a second opinion from the LLM (through the key pool).',
          ),
        judgeTimeoutMs: z
          .number()
          .int()
          .min(100)
          .default(3000)
          .describe("Longest wait for the judge; past it the rules' verdict stands."),
        maxTemperature: z
          .number()
          .min(0)
          .max(2)
          .default(0.7)
          .describe('Highest sampling temperature allowed: a higher `model.temperature` refuses to start.'),
        maxOutputTokens: z
          .number()
          .int()
          .min(16)
          .max(32_000)
          .default(1000)
          .describe('Highest reply token cap allowed: a higher `model.maxTokens` refuses to start.'),
      })
      .strict()
      .prefault({})
      .describe('SecurityConfig, enforced: flood control, mutes, tool allow-lists, caps (docs/security.md).'),
    memory: z
      .object({
        keepRecentTurns: z
          .number()
          .int()
          .min(1)
          .max(200)
          .default(8)
          .describe('Turns the model sees verbatim; older turns come as a rolling summary.'),
        consolidateEveryTurns: z
          .number()
          .int()
          .min(1)
          .max(200)
          .default(8)
          .describe('A summary is written (or extended) once this many older turns are not covered yet.'),
        summaryTimeoutMs: z
          .number()
          .int()
          .min(100)
          .default(10_000)
          .describe('Longest wait for an LLM summary before the extractive one is used.'),
        insights: z
          .boolean()
          .default(true)
          .describe(
            'Extract insights (products of interest, objections, contact preference) from conversations that went idle, onto their lead.',
          ),
      })
      .strict()
      .prefault({})
      .describe('MemoryConsolidator and IntelligenceExtractor.'),
    retention: z
      .object({
        conversationTtlMs: z
          .number()
          .int()
          .min(0)
          .default(180 * 24 * 60 * 60_000)
          .describe(
            'Conversations (snapshots and history, with their summaries and insights) untouched this long are deleted; leads are kept. `0` keeps everything.',
          ),
        sweepEveryMs: z
          .number()
          .int()
          .min(1000)
          .default(60 * 60_000)
          .describe('How often the retention sweep runs (also once at start).'),
      })
      .strict()
      .prefault({})
      .describe('How long conversations are kept.'),
    supervisor: z
      .object({
        maxRestarts: z
          .number()
          .int()
          .min(0)
          .max(100)
          .default(3)
          .describe(
            'Restarts of one conversation actor tolerated within `withinMs` before escalating (log, metric, apology; the message is kept in history).',
          ),
        withinMs: z.number().int().min(1).default(10_000).describe('The restart-intensity window.'),
        backoffMs: z
          .number()
          .int()
          .min(0)
          .default(10)
          .describe('First back-off before a restart; doubles for each further restart in the window.'),
        idleTimeoutMs: z
          .number()
          .int()
          .min(1000)
          .default(10 * 60_000)
          .describe(
            'Idle actors are stopped (passivated) after this long — the next message rehydrates them from LMDB — and read by the IntelligenceExtractor.',
          ),
      })
      .strict()
      .prefault({})
      .describe('Supervision of conversation actors.'),
    bus: z
      .object({
        concurrency: z
          .number()
          .int()
          .min(1)
          .max(10_000)
          .default(64)
          .describe('Conversations processed at the same time by this node.'),
        coalesceMs: z
          .number()
          .int()
          .min(0)
          .max(10_000)
          .default(0)
          .describe(
            'Burst window: messages of one conversation this close together ("hola" / "necesito" / "precios") are answered as one turn; a first message waits this long for the rest. `0` = off; 1000–2000 suits WhatsApp.',
          ),
        maxQueuedPerConversation: z
          .number()
          .int()
          .min(1)
          .default(100)
          .describe('Messages waiting per conversation before new ones are refused (`busy`).'),
      })
      .strict()
      .prefault({})
      .describe('The priority bus that feeds conversations.'),
    model: z
      .object({
        temperature: z
          .number()
          .min(0)
          .max(2)
          .default(0.3)
          .describe('Sampling temperature for LLM providers (at most `security.maxTemperature`).'),
        maxTokens: z
          .number()
          .int()
          .min(16)
          .max(8192)
          .default(400)
          .describe('Cap on the tokens of one reply (at most `security.maxOutputTokens`).'),
        emojiChannels: z
          .array(z.enum(['web', 'whatsapp', 'twilio', 'telegram', 'rest', 'cli']))
          .default(['web', 'whatsapp', 'twilio', 'telegram'])
          .describe(
            'Channels whose replies get a few strategic emojis (✅ registered, ⚠️ urgent, 📩 asking the email). REST and CLI get none unless listed. In the environment: comma-separated, `none` for no channel.',
          ),
      })
      .strict()
      .prefault({})
      .describe('How replies are written.'),
    llm: z
      .object({
        baseUrl: z.url().default('https://api.deepseek.com').describe('Any OpenAI-compatible endpoint.'),
        model: z
          .string()
          .min(1)
          .optional()
          .describe(
            'Model id; required when keys are set (`config/default.json` names the current DeepSeek one).',
          ),
        rpm: z
          .number()
          .int()
          .min(1)
          .default(60)
          .describe('Default requests per minute per key (or per group).'),
        tpm: z
          .number()
          .int()
          .min(1)
          .optional()
          .describe('Default tokens per minute per key (or per group). Unset: unlimited.'),
        maxConversationsPerKey: z
          .number()
          .int()
          .min(1)
          .default(200)
          .describe('Conversations pinned to one key at most.'),
        groups: z
          .record(
            z.string(),
            z
              .object({ rpm: z.number().int().min(1).optional(), tpm: z.number().int().min(1).optional() })
              .strict(),
          )
          .default({})
          .describe(
            'Limit groups, e.g. `{"acct1": {"rpm": 100}}`: keys of one provider account share one budget.',
          ),
        keyGroups: z
          .record(z.string(), z.string())
          .default({})
          .describe('Key name → group name, e.g. `{"a": "acct1", "b": "acct1"}`.'),
        keyLimits: z
          .record(
            z.string(),
            z
              .object({
                rpm: z.number().int().min(1).optional(),
                tpm: z.number().int().min(1).optional(),
                maxConversations: z.number().int().min(1).optional(),
              })
              .strict(),
          )
          .default({})
          .describe(
            'Key name → its own `rpm` / `tpm` / `maxConversations` when they differ from the defaults (a bigger plan), e.g. `{"main": {"rpm": 500}}`.',
          ),
        thinking: z
          .boolean()
          .optional()
          .describe(
            "DeepSeek's `thinking` switch. Unset: sent as disabled to DeepSeek hosts (V4 models think by default) and not sent to other providers, which may reject unknown fields.",
          ),
        maxToolSteps: z
          .number()
          .int()
          .min(0)
          .max(10)
          .default(4)
          .describe('Most model ↔ tool round trips in one turn.'),
        queueDeadlineMs: z
          .number()
          .int()
          .min(0)
          .default(8000)
          .describe('How long a turn waits for a free key before the built-in model answers.'),
        idleReleaseMs: z
          .number()
          .int()
          .min(1000)
          .default(10 * 60_000)
          .describe('A conversation silent this long gives its key back.'),
        alertWindowMs: z
          .number()
          .int()
          .min(0)
          .default(60_000)
          .describe('`alert` turns on when pool capacity stays ≥ 80 % this long.'),
      })
      .strict()
      .prefault({})
      .describe('LLM providers and the key pool. Without keys the built-in model answers.'),
    crm: z
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
          .default(12)
          .describe('Delivery attempts before an entry is kept as a dead letter.'),
        baseBackoffMs: z
          .number()
          .int()
          .min(1)
          .default(1000)
          .describe(
            'First back-off between attempts: exponential with full jitter (`Retry-After` honoured).',
          ),
        maxBackoffMs: z
          .number()
          .int()
          .min(1)
          .default(10 * 60_000)
          .describe('Longest back-off between attempts.'),
        timeoutMs: z.number().int().min(100).default(10_000).describe('Per delivery request.'),
      })
      .strict()
      .prefault({})
      .describe('The CRM webhook and its durable outbox.'),
    channels: z
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
            tenant: z
              .string()
              .min(1)
              .optional()
              .describe('Tenant whose bot this is. Unset: `defaultTenant`.'),
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
            tenant: z
              .string()
              .min(1)
              .optional()
              .describe('Tenant whose number this is. Unset: `defaultTenant`.'),
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
            tenant: z
              .string()
              .min(1)
              .optional()
              .describe('Tenant whose number this is. Unset: `defaultTenant`.'),
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
      ),
    log: z
      .object({
        level: z
          .enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
          .default('info')
          .describe('pino level.'),
        content: z
          .boolean()
          .default(false)
          .describe(
            'Log message text and contact data. Off: logs carry ids only, and ids that hold a phone number or messaging id are keyed pseudonyms.',
          ),
        pretty: z.boolean().default(false).describe('Pretty-print for humans instead of JSON lines.'),
      })
      .strict()
      .prefault({})
      .describe('Logs: pino JSON lines.'),
  })
  .strict()
  .superRefine((settings, ctx) => {
    // SecurityConfig is enforced, not just declared.
    if (settings.model.temperature > settings.security.maxTemperature)
      ctx.addIssue({
        code: 'custom',
        path: ['model', 'temperature'],
        message: `${settings.model.temperature} is above security.maxTemperature (${settings.security.maxTemperature})`,
      });
    if (settings.model.maxTokens > settings.security.maxOutputTokens)
      ctx.addIssue({
        code: 'custom',
        path: ['model', 'maxTokens'],
        message: `${settings.model.maxTokens} is above security.maxOutputTokens (${settings.security.maxOutputTokens})`,
      });
  });

/** Settings after validation, plus secrets that only come from the environment. */
export type Settings = z.infer<typeof SettingsSchema>;

export interface Config extends Settings {
  nodeId: string;
  /** Human handoff: alert targets, the Slack app, operator tokens (environment only). */
  handoff: HandoffEnv;
  secrets: Secrets;
  /** Files that were read, for the start-up log. */
  sources: string[];
  /** Settings that were given but are not supported by this version (logged at start). */
  warnings: string[];
}
