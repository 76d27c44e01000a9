import { z } from 'zod';

export const modelSettings = z
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
  .describe('How replies are written.');

export const llmSettings = z
  .object({
    baseUrl: z.url().default('https://api.deepseek.com').describe('Any OpenAI-compatible endpoint.'),
    model: z
      .string()
      .min(1)
      .optional()
      .describe(
        'Model id; required when keys are set (`config/default.json` names the current DeepSeek one).',
      ),
    rpm: z.number().int().min(1).default(60).describe('Default requests per minute per key (or per group).'),
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
      .optional()
      .describe(
        "Conversations pinned to one key at most. Unset (default): measured — the key's rate in force ÷ the LLM requests per minute one conversation made over the last minute (what `leadbot capacity` recommends), so keys take conversations in proportion to their rates; when demand is above the whole budget the measured caps grow together (pacing is the hard limit). No cap until a minute of traffic was seen or while the key has no rate.",
      ),
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
    burstSeconds: z
      .number()
      .min(0)
      .max(60)
      .default(1)
      .describe(
        "Paced admission: a key's requests and tokens flow at its rate, with a burst of this many seconds of it after idle.",
      ),
    urgentReserve: z
      .number()
      .min(0)
      .max(0.9)
      .default(0.2)
      .describe(
        "Share of each key's burst kept for urgent turns (critical support, hot leads, handoff) while budget is scarce (the key used more than 1 − this share of its rate over the last minute); urgent turns are also served first.",
      ),
    pinPatienceMs: z
      .number()
      .int()
      .min(0)
      .optional()
      .describe(
        'How long a turn waits for its turn on its own key (counting turns queued there first) before moving to another. Unset: one pacing interval of that key, at most 2 s.',
      ),
  })
  .strict()
  .prefault({})
  .describe('LLM providers and the key pool. Without keys the built-in model answers.');
