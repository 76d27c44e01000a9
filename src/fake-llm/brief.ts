/**
 * Reads the `TurnBrief` that leadbot's OpenAI adapter puts in the system message, one line
 * `CONVERSATION_STATE_JSON: {…}`, validated with zod (unknown fields ignored, `null` = absent).
 */

import { z } from 'zod';
import { STATE_MARKER } from '../models/system-prompt.ts';
import {
  INTEREST_AREAS,
  LANGUAGES,
  LEAD_FIELDS,
  PHASES,
  QUALIFICATIONS,
  REPLY_INTENTS,
  URGENCY_LEVELS,
  type TurnBrief,
} from '../protocol/index.ts';
import { messageText, type WireMessage } from './wire.ts';

const CapturedSchema = z.object({ value: z.string(), turn: z.number() });

const LeadDraftSchema = z.object({
  name: CapturedSchema.exactOptional(),
  email: CapturedSchema.exactOptional(),
  phone: CapturedSchema.exactOptional(),
  company: CapturedSchema.exactOptional(),
  problem: CapturedSchema.exactOptional(),
  username: z.string().exactOptional(),
});

/** A `TurnBrief` on the wire. */
export const TurnBriefSchema = z.object({
  tenantId: z.string(),
  companyName: z.string(),
  botName: z.string(),
  language: z.enum(LANGUAGES),
  phase: z.enum(PHASES),
  intent: z.enum(REPLY_INTENTS),
  turn: z.number().int(),
  lead: LeadDraftSchema,
  ask: z.array(z.enum(LEAD_FIELDS)),
  newlyCaptured: z.array(z.enum(LEAD_FIELDS)),
  invalidEmail: z.string().exactOptional(),
  suggestedEmail: z.string().exactOptional(),
  interest: z.enum(INTEREST_AREAS).exactOptional(),
  urgency: z.enum(URGENCY_LEVELS),
  qualification: z.enum(QUALIFICATIONS).exactOptional(),
  reference: z.string().exactOptional(),
  userText: z.string(),
});

/** Removes `null` members, so optional fields sent as `null` count as absent. */
function withoutNulls(value: unknown): unknown {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) if (v !== null) out[k] = withoutNulls(v);
  return out;
}

/** Parses the JSON after the marker; undefined when it is not a valid brief. */
export function safeParseBriefLine(json: string): TurnBrief | undefined {
  let raw: unknown;
  try {
    raw = JSON.parse(json);
  } catch {
    // Not JSON: the caller falls back to analysing the user's text.
    return undefined;
  }
  const parsed = TurnBriefSchema.safeParse(withoutNulls(raw));
  if (!parsed.success) return undefined;
  const brief: TurnBrief = parsed.data;
  return brief;
}

/** The brief of the last system (or developer) message that carries one. */
export function findBrief(messages: readonly WireMessage[]): TurnBrief | undefined {
  for (let i = messages.length - 1; i >= 0; i -= 1) {
    const m = messages[i];
    if (m === undefined || (m.role !== 'system' && m.role !== 'developer')) continue;
    for (const line of messageText(m).split(/\r?\n/u)) {
      const at = line.indexOf(STATE_MARKER);
      if (at < 0) continue;
      const brief = safeParseBriefLine(line.slice(at + STATE_MARKER.length).trim());
      if (brief !== undefined) return brief;
    }
  }
  return undefined;
}
