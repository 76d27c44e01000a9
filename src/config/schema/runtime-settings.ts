import { z } from 'zod';

export const memorySettings = z
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
  .describe('MemoryConsolidator and IntelligenceExtractor.');

export const storageSettings = z
  .object({
    minFreeMb: z
      .number()
      .int()
      .min(0)
      .default(64)
      .describe(
        'Below this much free space on the data disk the node takes no new messages (webhooks get 503 with Retry-After, the widget a polite "try again"), `/health` says `degraded` (`disk_full`); it resumes by itself once space is free. 0 turns the check off.',
      ),
    checkIntervalMs: z
      .number()
      .int()
      .min(50)
      .default(2000)
      .describe('How often free space on the data disk is measured.'),
  })
  .strict()
  .prefault({})
  .describe('The data disk: a full one is refused honestly instead of crashing the store.');

export const retentionSettings = z
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
  .describe('How long conversations are kept.');

export const supervisorSettings = z
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
  .describe('Supervision of conversation actors.');

export const busSettings = z
  .object({
    concurrency: z
      .number()
      .int()
      .min(0)
      .max(1_000_000)
      .default(0)
      .describe(
        'Turns running at once on this node. `0` (default): no fixed limit — a turn waiting on a model is I/O, so admission follows the event loop and the heap (`bus.admission`) instead.',
      ),
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
    admission: z
      .object({
        maxEventLoopDelayMs: z
          .number()
          .min(1)
          .max(60_000)
          .default(200)
          .describe(
            'The node is saturated while its event loop lags more than this (mean over the last second): new messages get an honest "busy, retry" (REST 503 + `Retry-After`, webhooks 503, the widget a notice) instead of a late or empty reply.',
          ),
        maxEventLoopUtilization: z
          .number()
          .gt(0)
          .max(1)
          .default(0.95)
          .describe(
            'The node is also saturated while its event loop was busy more than this share of the last second and lags (> 20 ms): out of CPU, before the lag limit is reached.',
          ),
        maxCpuBacklogMs: z
          .number()
          .min(10)
          .default(900)
          .describe(
            'The node is saturated once the turns it admitted within the last second need more CPU than this (their count × the CPU one turn measured): a burst beyond what one core works off in a second is refused at once with `Retry-After` instead of every turn queueing behind it. Binds only while the loop is ≥ 80 % busy and lags a quarter of `maxEventLoopDelayMs`.',
          ),
        maxHeapRatio: z
          .number()
          .gt(0)
          .max(1)
          .default(0.9)
          .describe('The node is saturated while the V8 heap in use exceeds this share of its limit.'),
        fairShare: z
          .number()
          .min(1)
          .default(2)
          .describe(
            'Under pressure (half way to a limit), a tenant sending more than this multiple of what the other tenants send on average (last 5 s) is refused first, so one tenant cannot starve the others.',
          ),
        retryAfterS: z
          .number()
          .int()
          .min(1)
          .max(3600)
          .default(2)
          .describe('`Retry-After` (seconds) sent with a saturation refusal.'),
      })
      .strict()
      .prefault({})
      .describe('Admission of new messages, by measured resources rather than a fixed count.'),
  })
  .strict()
  .prefault({})
  .describe('The priority bus that feeds conversations.');

export const logSettings = z
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
  .describe('Logs: pino JSON lines.');

export const inspectSettings = z
  .object({
    enabled: z
      .boolean()
      .default(false)
      .describe(
        'Development only: attach the Stately inspector (`@statelyai/inspect`) to every conversation actor and the KeyPool actor. Refused when `NODE_ENV=production`.',
      ),
    url: z
      .string()
      .regex(/^wss?:\/\//, 'a ws:// or wss:// URL')
      .optional()
      .describe('Send the inspection events to this inspector WebSocket instead of starting a local one.'),
    port: z
      .number()
      .int()
      .min(1)
      .max(65535)
      .default(8080)
      .describe('Port of the local inspector server started when `inspect.url` is unset.'),
  })
  .strict()
  .prefault({})
  .describe('The Stately inspector, for developers watching events flow through the actors.');
