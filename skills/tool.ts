/**
 * The skill kit: one line binds a function to the zod schema the model sees.
 *
 *   export const verifyEmail = tool({ name, description, input: z.object({ email: z.string() }), execute });
 *
 * The JSON Schema sent to the model is generated from the zod schema; arguments coming back from the
 * model are parsed with the same schema, and a failing tool returns an error the model can read.
 */
import { z } from 'zod';
import type { ToolSpec } from '../src/ports/chat-model.ts';
import type { KnowledgeBase } from '../src/ports/knowledge.ts';
import type { ExtractedFields, Language, LeadDraft } from '../src/protocol/index.ts';

/** What skills may do besides computing: each service is a port provided by the runtime. */
export interface SkillServices {
  knowledge: KnowledgeBase;
  crm: {
    /** Pushes the conversation's stored lead downstream. Idempotent: a lead is queued once. */
    pushLead(ref: LeadRef): Promise<CrmResult>;
    /** Opens a support ticket for the conversation's lead. Idempotent per lead. */
    createTicket(
      ref: LeadRef,
      ticket: { summary: string; urgency: 'Alto' | 'Medio' | 'Bajo' },
    ): Promise<CrmResult>;
  };
}

/** Which lead a CRM call is about. */
export interface LeadRef {
  tenantId: string;
  conversationId: string;
  /** Absent until the capture is complete and the lead stored. */
  leadId?: string;
}

export interface CrmResult {
  /** `incomplete`: the lead is not stored yet (name, email and problem are needed first). */
  status: 'queued' | 'already_queued' | 'stored' | 'incomplete';
  reference?: string;
}

/** What a tool knows about the turn it runs in. */
export interface ToolContext {
  conversationId: string;
  tenantId: string;
  language: Language;
  signal: AbortSignal;
  /** The lead as known before this turn's tool calls. */
  lead: LeadDraft;
  /** Set once the lead is stored. */
  leadId?: string;
  /** Records fields the model captured (merged into the lead by the machine after the turn). */
  capture(fields: ExtractedFields): void;
  services: SkillServices;
}

export interface Tool<I = unknown> {
  name: string;
  description: string;
  schema: z.ZodType<I>;
  /** JSON Schema of `schema`, as the model sees it. */
  parameters: Record<string, unknown>;
  execute(input: I, ctx: ToolContext): Promise<unknown>;
}

/** A group of tools loaded together. */
export interface Skill {
  name: string;
  description: string;
  tools: readonly Tool[];
}

/** Binds `execute` to its zod input schema. */
export function tool<S extends z.ZodType>(def: {
  name: string;
  description: string;
  input: S;
  execute: (input: z.output<S>, ctx: ToolContext) => unknown;
}): Tool<z.output<S>> {
  const { $schema: _drop, ...parameters } = z.toJSONSchema(def.input, {
    target: 'draft-7',
    io: 'input',
  }) as Record<string, unknown>;
  return {
    name: def.name,
    description: def.description,
    schema: def.input as unknown as z.ZodType<z.output<S>>,
    parameters,
    execute: (input, ctx) => Promise.resolve().then(() => def.execute(input, ctx)),
  };
}

export function toolSpec(t: Tool): ToolSpec {
  return { name: t.name, description: t.description, parameters: t.parameters };
}

/** The outcome of one tool call, always JSON the model can read. */
export type ToolOutcome = { ok: true; result: unknown } | { ok: false; error: string };

/**
 * Runs a tool call from the model: unknown tool, unparsable or invalid arguments and thrown errors
 * all become `{ ok: false, error }` with a message the model can act on; nothing throws.
 */
export async function runToolCall(
  tools: readonly Tool[],
  name: string,
  rawArguments: string,
  ctx: ToolContext,
): Promise<ToolOutcome> {
  const found = tools.find((t) => t.name === name);
  if (!found)
    return {
      ok: false,
      error: `Unknown tool '${name}'. Available: ${tools.map((t) => t.name).join(', ') || 'none'}.`,
    };
  let json: unknown;
  try {
    json = rawArguments.trim() === '' ? {} : JSON.parse(rawArguments);
  } catch {
    return {
      ok: false,
      error: `The arguments of '${name}' are not valid JSON. Send a JSON object matching its schema.`,
    };
  }
  const parsed = found.schema.safeParse(json);
  if (!parsed.success) {
    const issues = parsed.error.issues
      .map((i) => `${i.path.join('.') || 'arguments'}: ${i.message}`)
      .join('; ');
    return { ok: false, error: `Invalid arguments for '${name}': ${issues}.` };
  }
  try {
    return { ok: true, result: await found.execute(parsed.data, ctx) };
  } catch (error) {
    if (ctx.signal.aborted) throw error;
    return {
      ok: false,
      error: `'${name}' failed: ${error instanceof Error ? error.message : String(error)}`,
    };
  }
}
