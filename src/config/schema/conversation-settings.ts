import { z } from 'zod';

export const conversationSettings = z
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
  .describe('How one conversation is held: input limits, history, timers, lead storage.');
