import { z } from 'zod';
import { TOOL_NAMES } from '../../../skills/registry.ts';
import { PHASES } from '../../protocol/conversation.ts';

export const securitySettings = z
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
      .max(10_000_000)
      .optional()
      .describe(
        'Flood control: messages one tenant may receive per minute across all its conversations. Unset (default): no fixed cap; under load the node refuses the tenant over its fair share first (`bus.admission.fairShare`).',
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
  .describe('SecurityConfig, enforced: flood control, mutes, tool allow-lists, caps (docs/security.md).');
