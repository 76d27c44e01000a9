import { z } from 'zod';
import type { HandoffEnv } from './handoff.ts';
import type { Secrets } from './secrets.ts';

export type { Secrets } from './secrets.ts';
import { TOOL_NAMES } from '../../skills/registry.ts';
import { PHASES } from '../protocol/conversation.ts';

/**
 * Every setting leadbot reads, with its default. Files (`config/default.json`, then the file named by
 * `LEADBOT_CONFIG`) are merged, then environment variables win. Secrets come only from the environment.
 */
export const SettingsSchema = z
  .object({
    server: z
      .object({
        /** Interface to listen on. Env `HOST`. */
        host: z.string().min(1).default('127.0.0.1'),
        /** TCP port; 0 picks a free one. Env `PORT`. */
        port: z.coerce.number().int().min(0).max(65535).default(3000),
        /** Largest HTTP body accepted, in bytes. */
        bodyLimitBytes: z
          .number()
          .int()
          .min(1024)
          .default(256 * 1024),
        /** Largest WebSocket frame accepted, in bytes; larger frames close the socket (1009). */
        wsMaxPayloadBytes: z
          .number()
          .int()
          .min(1024)
          .default(256 * 1024),
        /** How long the REST channel waits for the bot's replies before answering 504. */
        restReplyTimeoutMs: z.number().int().min(100).default(30_000),
      })
      .strict()
      .prefault({}),
    /** Where LMDB keeps history, snapshots and leads. Env `LEADBOT_DATA_DIR`. */
    dataDir: z.string().min(1).default('./data'),
    /** Folder with one sub-folder per tenant (`tenant.json`, `catalog.json`, `knowledge/`). */
    tenantsDir: z.string().min(1).default('./config/tenants'),
    /** Tenant used when a channel does not say (REST without `tenant`, CLI). */
    defaultTenant: z.string().min(1).default('demo'),
    /** Id of this process in logs and metrics. Env `LEADBOT_NODE_ID`; default host name + pid. */
    nodeId: z.string().min(1).optional(),
    conversation: z
      .object({
        /** Longest inbound message accepted, in characters. */
        maxInputChars: z.number().int().min(1).max(100_000).default(4000),
        /** Most history messages handed to the model per turn. */
        historyWindow: z.number().int().min(2).max(500).default(30),
        /** Token budget of the history in the model's context (newest lines that fit). */
        historyTokenBudget: z.number().int().min(64).max(200_000).default(3000),
        /** A model call that takes longer is aborted and the built-in model answers. */
        modelTimeoutMs: z.number().int().min(100).default(12_000),
        /** Silence after which an unfinished capture is kept as a `partial` lead (a durable timer). */
        sessionTimeoutMs: z
          .number()
          .int()
          .min(1000)
          .default(30 * 60_000),
        /**
         * Silence in the middle of a capture after which the bot sends one gentle follow-up (a nudge).
         * 0 turns nudges off. Only useful below `sessionTimeoutMs`.
         */
        followUpAfterMs: z
          .number()
          .int()
          .min(0)
          .default(10 * 60_000),
        /**
         * A case handed to a human that nobody took over within this time is escalated to ops (log,
         * metric, audit entry) and the person is told the team still has it. 0 turns the deadline off.
         */
        handoffDeadlineMs: z
          .number()
          .int()
          .min(0)
          .default(15 * 60_000),
        /** A message id seen again within this window (a retried delivery) is dropped. */
        dedupeWindowMs: z
          .number()
          .int()
          .min(0)
          .default(24 * 60 * 60_000),
        /** Attempts to store a lead before the conversation goes to `failed`. */
        deliveryAttempts: z.number().int().min(1).max(20).default(5),
        /** Base delay of the exponential back-off between delivery attempts. */
        deliveryBackoffMs: z.number().int().min(1).default(200),
      })
      .strict()
      .prefault({}),
    cluster: z
      .object({
        /** NATS server URL(s), comma-separated: cluster mode when set. Env `LEADBOT_NATS_URL`. */
        natsUrl: z.string().min(1).optional(),
        /** `all`: channels and conversations; `gateway`: channels and HTTP only; `worker`: conversations only. Env `LEADBOT_ROLE`. */
        role: z.enum(['all', 'gateway', 'worker']).default('all'),
        /** Partitions of the inbound stream (every node must agree); ownership moves per partition. */
        partitions: z.number().int().min(1).max(1024).default(16),
        /** A node that stops renewing its partition leases loses them after this long. */
        leaseTtlMs: z.number().int().min(1000).default(10_000),
        /** JetStream ack wait of inbound messages (long turns are marked in progress). */
        ackWaitMs: z.number().int().min(1000).default(60_000),
        /** How often each node publishes its metrics on `leadbot.metrics.<node>`. */
        metricsEveryMs: z.number().int().min(500).default(5_000),
        /** Stream and bucket replicas (3 in a 3-server NATS cluster). */
        replicas: z.union([z.literal(1), z.literal(3), z.literal(5)]).default(1),
      })
      .strict()
      .prefault({}),
    security: z
      .object({
        /** Messages one person may send per minute; more get one polite notice and are not processed. */
        maxMessagesPerUserPerMinute: z.number().int().min(1).max(10_000).default(20),
        /** Messages one tenant may receive per minute across all its conversations. */
        maxMessagesPerTenantPerMinute: z.number().int().min(1).max(1_000_000).default(1200),
        /** Blocked messages (ThreatDetector) within `blockWindowMs` after which a person is muted. */
        blocksBeforeMute: z.number().int().min(1).max(100).default(3),
        blockWindowMs: z
          .number()
          .int()
          .min(1000)
          .default(10 * 60_000),
        /** How long a muted person's messages are recorded but not answered. */
        muteMs: z
          .number()
          .int()
          .min(1000)
          .default(15 * 60_000),
        /**
         * Tools allowed per conversation state, e.g. `{"capture": ["save_temp_lead_data"]}`: a state
         * listed here is offered only these tools (within what its skills provide). Unknown states or
         * tools refuse to start.
         */
        allowedTools: z.partialRecord(z.enum(PHASES), z.array(z.enum(TOOL_NAMES))).default({}),
        /** With LLM keys: messages the ThreatDetector is unsure about are judged by the LLM too. */
        llmJudge: z.boolean().default(true),
        /** Longest wait for the judge; past it the rules' verdict stands. */
        judgeTimeoutMs: z.number().int().min(100).default(3000),
        /** Highest sampling temperature allowed (`model.temperature` above it refuses to start). */
        maxTemperature: z.number().min(0).max(2).default(0.7),
        /** Highest reply token cap allowed (`model.maxTokens` above it refuses to start). */
        maxOutputTokens: z.number().int().min(16).max(32_000).default(1000),
      })
      .strict()
      .prefault({}),
    memory: z
      .object({
        /** Turns kept verbatim at the end of the model's context; older turns are summarised. */
        keepRecentTurns: z.number().int().min(1).max(200).default(8),
        /** A summary is written (or extended) once this many older turns are not covered yet. */
        consolidateEveryTurns: z.number().int().min(1).max(200).default(8),
        /** Longest wait for an LLM summary before the extractive one is used. */
        summaryTimeoutMs: z.number().int().min(100).default(10_000),
        /** Extract insights (entities, products, objections) from conversations that went idle. */
        insights: z.boolean().default(true),
      })
      .strict()
      .prefault({}),
    retention: z
      .object({
        /** Conversations (snapshots and history) untouched this long are deleted; leads are kept. 0 = keep forever. */
        conversationTtlMs: z
          .number()
          .int()
          .min(0)
          .default(180 * 24 * 60 * 60_000),
        /** How often the retention sweep runs. */
        sweepEveryMs: z
          .number()
          .int()
          .min(1000)
          .default(60 * 60_000),
      })
      .strict()
      .prefault({}),
    supervisor: z
      .object({
        /** Restarts of one conversation actor tolerated within `withinMs` before escalating. */
        maxRestarts: z.number().int().min(0).max(100).default(3),
        withinMs: z.number().int().min(1).default(10_000),
        /** First back-off before a restart; doubles for each further restart in the window. */
        backoffMs: z.number().int().min(0).default(10),
        /** Idle actors are stopped (passivated) after this long; the next message rehydrates them. */
        idleTimeoutMs: z
          .number()
          .int()
          .min(1000)
          .default(10 * 60_000),
      })
      .strict()
      .prefault({}),
    bus: z
      .object({
        /** Conversations processed at the same time by this node. */
        concurrency: z.number().int().min(1).max(10_000).default(64),
        /** Burst window in ms: messages of one conversation this close together are answered once. 0 = off. */
        coalesceMs: z.number().int().min(0).max(10_000).default(0),
        /** Messages waiting per conversation before new ones are refused (`busy`). */
        maxQueuedPerConversation: z.number().int().min(1).default(100),
      })
      .strict()
      .prefault({}),
    model: z
      .object({
        /** Sampling temperature for LLM providers. */
        temperature: z.number().min(0).max(2).default(0.3),
        /** Cap on the tokens of one reply. */
        maxTokens: z.number().int().min(16).max(8192).default(400),
        /**
         * Channels whose replies get a few strategic emojis (✅ registered, ⚠️ urgent, 📩 asking the
         * email). Env `LEADBOT_REPLY_EMOJIS` (comma-separated; `none` for no channel).
         */
        emojiChannels: z
          .array(z.enum(['web', 'whatsapp', 'twilio', 'telegram', 'rest', 'cli']))
          .default(['web', 'whatsapp', 'twilio', 'telegram']),
      })
      .strict()
      .prefault({}),
    llm: z
      .object({
        /** OpenAI-compatible base URL. Env `LEADBOT_LLM_BASE_URL`. */
        baseUrl: z.url().default('https://api.deepseek.com'),
        /** Model id (required when keys are set; `config/default.json` names the current DeepSeek one). Env `LEADBOT_LLM_MODEL`. */
        model: z.string().min(1).optional(),
        /** Default requests per minute per key (or per group). Env `LEADBOT_LLM_RPM`. */
        rpm: z.number().int().min(1).default(60),
        /** Default tokens per minute per key (or per group); unset = unlimited. Env `LEADBOT_LLM_TPM`. */
        tpm: z.number().int().min(1).optional(),
        /** Conversations pinned to one key at most. */
        maxConversationsPerKey: z.number().int().min(1).default(200),
        /** Limit groups (keys of one provider account share one budget). */
        groups: z
          .record(
            z.string(),
            z
              .object({ rpm: z.number().int().min(1).optional(), tpm: z.number().int().min(1).optional() })
              .strict(),
          )
          .default({}),
        /** Key name → group name. */
        keyGroups: z.record(z.string(), z.string()).default({}),
        /** Key name → its own limits when they differ from the defaults (e.g. a bigger plan). */
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
          .default({}),
        /**
         * DeepSeek's `thinking` switch. Unset: sent as disabled to DeepSeek (V4 models think by default)
         * and not sent to other providers, which may reject unknown fields. Env `LEADBOT_LLM_THINKING`.
         */
        thinking: z.boolean().optional(),
        /** Most model ↔ tool round trips in one turn. */
        maxToolSteps: z.number().int().min(0).max(10).default(4),
        /** How long a turn waits for a free key before the built-in model answers. */
        queueDeadlineMs: z.number().int().min(0).default(8000),
        /** A conversation silent this long gives its key back. */
        idleReleaseMs: z
          .number()
          .int()
          .min(1000)
          .default(10 * 60_000),
        /** `alert` turns on when pool capacity stays ≥ 80 % this long. */
        alertWindowMs: z.number().int().min(0).default(60_000),
      })
      .strict()
      .prefault({}),
    crm: z
      .object({
        /** HTTPS endpoint that receives leads and tickets (signed). Env `LEADBOT_CRM_WEBHOOK_URL`; secret in `LEADBOT_CRM_WEBHOOK_SECRET`. */
        webhookUrl: z.url().optional(),
        /** Attempts before an entry is kept as a dead letter. */
        maxAttempts: z.number().int().min(1).default(12),
        baseBackoffMs: z.number().int().min(1).default(1000),
        maxBackoffMs: z
          .number()
          .int()
          .min(1)
          .default(10 * 60_000),
        timeoutMs: z.number().int().min(100).default(10_000),
      })
      .strict()
      .prefault({}),
    /** Messaging channels (Telegram, WhatsApp Cloud, Twilio). Each is on when its credentials are set. */
    channels: z
      .object({
        /**
         * The public https URL this server is reached at (e.g. behind a tunnel or proxy). Twilio signs the
         * public URL, so its signature is checked against this + path when set. Env `LEADBOT_PUBLIC_URL`.
         */
        publicUrl: z.url().optional(),
        telegram: z
          .object({
            /** Bot API root (Telegram's own local Bot API server, or a test peer). Env `LEADBOT_TELEGRAM_API_ROOT`. */
            apiRoot: z.url().default('https://api.telegram.org'),
            /** Tenant whose bot this is. Default: `defaultTenant`. */
            tenant: z.string().min(1).optional(),
          })
          .strict()
          .prefault({}),
        whatsapp: z
          .object({
            /** Graph API base URL. Env `LEADBOT_WHATSAPP_API_BASE`. */
            apiBase: z.url().default('https://graph.facebook.com'),
            /** Graph API version used in send URLs. */
            apiVersion: z
              .string()
              .regex(/^v\d+\.\d+$/, 'must look like v21.0')
              .default('v21.0'),
            /** Tenant whose number this is. Default: `defaultTenant`. */
            tenant: z.string().min(1).optional(),
            /**
             * Approved template sent when a reply falls outside the 24-hour customer-service window.
             * Without it such replies are not sent and a clear log line says so.
             */
            windowTemplate: z
              .object({ name: z.string().min(1), language: z.string().min(2).default('es') })
              .strict()
              .optional(),
          })
          .strict()
          .prefault({}),
        twilio: z
          .object({
            /** Twilio REST API base URL. Env `LEADBOT_TWILIO_API_BASE`. */
            apiBase: z.url().default('https://api.twilio.com'),
            /** Tenant whose number this is. Default: `defaultTenant`. */
            tenant: z.string().min(1).optional(),
            /** `rest`: replies sent through the Messages API; `twiml`: returned in the webhook response. */
            reply: z.enum(['rest', 'twiml']).default('rest'),
          })
          .strict()
          .prefault({}),
      })
      .strict()
      .prefault({}),
    log: z
      .object({
        /** pino level. Env `LEADBOT_LOG_LEVEL`. */
        level: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
        /** Log message text and contact data (off by default: logs carry ids only). Env `LEADBOT_LOG_CONTENT`. */
        content: z.boolean().default(false),
        /** Pretty-print for humans instead of JSON lines. Env `LEADBOT_LOG_PRETTY`. */
        pretty: z.boolean().default(false),
      })
      .strict()
      .prefault({}),
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
