/**
 * Decides what the test server answers, deterministically, with the built-in model: a tool call
 * when the user's message warrants one of the offered tools (one round per user message), else the
 * built-in reply for the conversation's `TurnBrief`.
 */

import { writeReply } from '../models/builtin/index.ts';
import { analyseMessage } from '../nlu/analyse.ts';
import { extractFields } from '../nlu/extract.ts';
import type { Language, TurnBrief } from '../protocol/index.ts';
import { findBrief } from './brief.ts';
import { extractiveSummary } from '../memory/consolidator.ts';
import { JUDGE_MARKER, SUMMARY_MARKER } from '../models/system-prompt.ts';
import { OBEDIENT_FAULTS, obedientAnswer, type ObedientFault } from './obedient.ts';
import type { Fault } from './types.ts';
import { messageText, type ChatCompletionRequest, type PlannedAnswer, type WireMessage } from './wire.ts';

const SAVE_LEAD = 'save_temp_lead_data';
const SEARCH = 'search_product_catalog';
const PRICING = 'get_pricing_tier';
const PRICE_WORDS = /\b(precios?|planes|plan|prices?|pricing|plans?)\b/iu;

/** Text of the last `user` message ('' when none). */
function lastUserText(messages: readonly WireMessage[]): string {
  for (let i = messages.length - 1; i >= 0; i -= 1) {
    const m = messages[i];
    if (m?.role === 'user') return messageText(m);
  }
  return '';
}

/** A brief for a request without one: greet and ask the need, in the user's language. */
function fallbackBrief(req: ChatCompletionRequest, text: string): TurnBrief {
  const { language } = analyseMessage(text, { expecting: [], defaultLanguage: 'es' });
  return {
    tenantId: 'fake-llm',
    companyName: 'Leadbot',
    botName: language === 'es' ? 'Asistente' : 'Assistant',
    language,
    phase: 'triage',
    intent: 'ask_need',
    turn: Math.max(1, req.messages.filter((m) => m.role === 'user').length),
    lead: {},
    ask: [],
    newlyCaptured: [],
    urgency: 'Bajo',
    userText: text,
  };
}

function clip(value: string, max: number): string {
  return value.length > max ? value.slice(0, max) : value;
}

/** The tool call the user's message warrants among `offered`, if any. */
function toolCallFor(
  text: string,
  offered: ReadonlySet<string>,
  brief: TurnBrief | undefined,
): PlannedAnswer | undefined {
  const expecting = brief?.ask ?? [];
  const ctx =
    brief === undefined
      ? { expecting, defaultLanguage: 'es' as const }
      : { expecting, previousLanguage: brief.language, defaultLanguage: brief.language };
  if (offered.has(SAVE_LEAD)) {
    const { fields } = extractFields(text, { expecting });
    const args: Record<string, string> = {};
    if (fields.name !== undefined) args['name'] = clip(fields.name, 120);
    if (fields.email !== undefined) args['email'] = clip(fields.email, 320);
    if (fields.phone !== undefined) args['phone'] = clip(fields.phone, 40);
    if (fields.company !== undefined) args['company'] = clip(fields.company, 160);
    if (Object.keys(args).length > 0) {
      const need = analyseMessage(text, ctx).need;
      if (need !== undefined) args['problem'] = clip(need, 600);
      return { content: '', toolCalls: [{ name: SAVE_LEAD, arguments: JSON.stringify(args) }] };
    }
  }
  if (offered.has(SEARCH) && text.trim().length >= 2) {
    if (analyseMessage(text, ctx).buyingSignals > 0 || PRICE_WORDS.test(text)) {
      const query = clip(text.trim(), 500);
      return { content: '', toolCalls: [{ name: SEARCH, arguments: JSON.stringify({ query }) }] };
    }
  }
  return undefined;
}

/** First `title` found in a tool result (`hits`, `tiers`, `results`, or the result itself). */
function firstTitle(value: unknown, depth = 0): string | undefined {
  if (depth > 3 || value === null || typeof value !== 'object') return undefined;
  if (Array.isArray(value)) {
    for (const item of value) {
      const t = firstTitle(item, depth + 1);
      if (t !== undefined) return t;
    }
    return undefined;
  }
  const record = value as Record<string, unknown>;
  const title = record['title'];
  if (typeof title === 'string' && title.trim() !== '') return title.trim();
  for (const key of ['hits', 'tiers', 'results', 'result', 'data', 'output']) {
    const t = firstTitle(record[key], depth + 1);
    if (t !== undefined) return t;
  }
  return undefined;
}

/** The title to cite from catalog / pricing results sent back after the last user message. */
function citedTitle(messages: readonly WireMessage[]): string | undefined {
  const names = new Map<string, string>();
  let start = 0;
  messages.forEach((m, i) => {
    if (m.role === 'user') start = i;
    for (const call of m.tool_calls ?? []) names.set(call.id, call.function.name);
  });
  for (const m of messages.slice(start)) {
    if (m.role !== 'tool' || m.tool_call_id === undefined) continue;
    const name = names.get(m.tool_call_id);
    if (name !== SEARCH && name !== PRICING) continue;
    let parsed: unknown;
    try {
      parsed = JSON.parse(messageText(m));
    } catch {
      // A tool result that is not JSON has nothing to cite.
      continue;
    }
    const title = firstTitle(parsed);
    if (title !== undefined) return title;
  }
  return undefined;
}

/** Adds "Fuente: …" / "Source: …" before the closing question, keeping at most two paragraphs. */
function withCitation(text: string, title: string, language: Language): string {
  const clean = clip(
    title
      .replace(/[¿?*_`~[\]]/gu, '')
      .replace(/\s+/gu, ' ')
      .trim(),
    80,
  );
  const sentence = `${language === 'es' ? 'Fuente' : 'Source'}: ${clean.replace(/\.$/u, '')}.`;
  const parts = text.split(/\n\s*\n/u);
  if (parts.length >= 2) return [`${parts[0] ?? ''} ${sentence}`, ...parts.slice(1)].join('\n\n');
  return `${sentence}\n\n${text}`;
}

/** A tool name that is not among `offered`. */
function unknownToolName(offered: ReadonlySet<string>): string {
  let name = 'delete_all_leads';
  while (offered.has(name)) name = `${name}_x`;
  return name;
}

/** Tool calls that `fault` forces on a user message, if it is a tool fault. */
function faultyToolCall(fault: Fault | undefined, offered: ReadonlySet<string>): PlannedAnswer | undefined {
  const target = offered.has(SAVE_LEAD) ? SAVE_LEAD : ([...offered][0] ?? SAVE_LEAD);
  switch (fault) {
    case 'unknown_tool':
      return { content: '', toolCalls: [{ name: unknownToolName(offered), arguments: '{"confirm":true}' }] };
    case 'bad_tool_args':
      return { content: '', toolCalls: [{ name: target, arguments: '{"name": "Carlos", "email": ' }] };
    case 'schema_tool_args':
      return {
        content: '',
        toolCalls: [
          { name: target, arguments: '{"name":42,"email":["not","an","email"],"unexpected_field":true}' },
        ],
      };
    default:
      return undefined;
  }
}

/**
 * Plans the answer to `req` (pure apart from the ids the wire layer adds). `fault` covers the
 * faults that change the answer's content (`empty` and the tool faults); transport faults are the
 * server's business.
 */
export function planAnswer(req: ChatCompletionRequest, fault?: Fault): PlannedAnswer {
  if (fault === 'empty') return { content: '', toolCalls: [] };
  if (fault === 'leak_prompt') {
    const system = req.messages.find((m) => m.role === 'system');
    return { content: typeof system?.content === 'string' ? system.content : '', toolCalls: [] };
  }
  if (isObedient(fault) && !isInternalRequest(req.messages))
    return { content: obedientAnswer(fault, req.messages), toolCalls: [] };
  const messages = req.messages;
  const summary = summaryAnswer(messages);
  if (summary !== undefined) return { content: summary, toolCalls: [] };
  const judged = judgeAnswer(messages, fault === 'obey_verdict');
  if (judged !== undefined) return { content: judged, toolCalls: [] };
  const last = messages[messages.length - 1];
  const text = lastUserText(messages);
  const brief = findBrief(messages);
  const offered = new Set((req.tools ?? []).map((t) => t.function.name));
  if (last?.role === 'user') {
    const forced = faultyToolCall(fault, offered);
    if (forced !== undefined) return forced;
    if (offered.size > 0) {
      const call = toolCallFor(text, offered, brief);
      if (call !== undefined) return call;
    }
  }
  const effective = brief ?? fallbackBrief(req, text);
  let reply = writeReply(effective);
  if (last?.role === 'tool') {
    const title = citedTitle(messages);
    if (title !== undefined) reply = withCitation(reply, title, effective.language);
  }
  return { content: reply, toolCalls: [] };
}

/**
 * A MemoryConsolidator request (its system prompt opens with `SUMMARY_MARKER`): answered with the
 * extractive summary of the transcript, prefixed so tests can tell the LLM wrote it.
 */
function summaryAnswer(messages: ChatCompletionRequest['messages']): string | undefined {
  const system = messages[0];
  if (system?.role !== 'system' || typeof system.content !== 'string') return undefined;
  if (!system.content.startsWith(SUMMARY_MARKER)) return undefined;
  const language = /Resuma en español/.test(system.content) ? 'es' : 'en';
  const previous = /(?:Resumen anterior, a ampliar|Earlier summary, to extend): (.*)$/m.exec(
    system.content,
  )?.[1];
  const transcript = messages.find((m) => m.role === 'user');
  const lines = (typeof transcript?.content === 'string' ? transcript.content : '')
    .split('\n')
    .map((line) => /^(user|assistant): (.*)$/.exec(line))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => ({ role: m[1] as 'user' | 'assistant', text: m[2]! }));
  return `[fake-llm] ${extractiveSummary(lines, language, previous)}`;
}

/**
 * A ThreatDetector judge request (system prompt opens with `JUDGE_MARKER`): a deterministic stand-in
 * for a model's opinion, so tests can drive both answers — a message that asks for "secret",
 * "prompt" or "instrucciones/instructions" is judged malicious, anything else benign.
 */
function judgeAnswer(messages: ChatCompletionRequest['messages'], obeys: boolean): string | undefined {
  const system = messages[0];
  if (system?.role !== 'system' || typeof system.content !== 'string') return undefined;
  if (!system.content.startsWith(JUDGE_MARKER)) return undefined;
  const user = messages.find((m) => m.role === 'user');
  const envelope = typeof user?.content === 'string' ? user.content : '';
  const id = /^BEGIN (\S+)$/m.exec(envelope)?.[1];
  const body = decodeEnvelope(envelope);
  // An obedient judge repeats the verdict the message dictates.
  const dictated = obeys ? /\{[^{}]*"malicious"[^{}]*\}/.exec(body)?.[0] : undefined;
  if (dictated !== undefined) return dictated;
  const malicious = /\b(secret|secreto|prompt|instructions|instrucciones)\b/i.test(body);
  return JSON.stringify({ ...(id ? { id } : {}), malicious, confidence: malicious ? 0.9 : 0.8 });
}

/** The judged text: the JSON string between the BEGIN / END lines (or the whole message). */
function decodeEnvelope(envelope: string): string {
  const inner = /^BEGIN \S+\n([\s\S]*)\nEND \S+$/.exec(envelope)?.[1];
  if (inner === undefined) return envelope;
  try {
    const decoded: unknown = JSON.parse(inner);
    return typeof decoded === 'string' ? decoded : inner;
  } catch {
    return inner;
  }
}

function isObedient(fault: Fault | undefined): fault is ObedientFault {
  return (OBEDIENT_FAULTS as readonly string[]).includes(fault ?? '');
}

/** A judge or summary request (not a reply to the person): an obedient model answers those as usual. */
function isInternalRequest(messages: ChatCompletionRequest['messages']): boolean {
  const system = messages[0];
  const text = system?.role === 'system' && typeof system.content === 'string' ? system.content : '';
  return text.startsWith(JUDGE_MARKER) || text.startsWith(SUMMARY_MARKER);
}
