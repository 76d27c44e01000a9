/**
 * The OpenAI chat-completions wire format as the test server speaks it: the request schema (loose:
 * unknown fields such as DeepSeek's `thinking` are accepted and ignored), completion bodies, stream
 * chunks shaped like DeepSeek's, and OpenAI's error bodies.
 */

import { randomBytes, randomUUID } from 'node:crypto';
import { z } from 'zod';

const ContentPartSchema = z.looseObject({ type: z.string(), text: z.string().optional() });

const ToolCallSchema = z.looseObject({
  id: z.string(),
  type: z.string().optional(),
  function: z.looseObject({ name: z.string(), arguments: z.string().optional() }),
});

const MessageSchema = z.looseObject({
  role: z.string(),
  content: z.union([z.string(), z.array(ContentPartSchema), z.null()]).optional(),
  tool_calls: z.array(ToolCallSchema).nullish(),
  tool_call_id: z.string().optional(),
});

/** The part of a chat-completions request the server reads; everything else is ignored. */
export const ChatCompletionRequestSchema = z.looseObject({
  model: z.string().min(1),
  messages: z.array(MessageSchema).min(1),
  tools: z
    .array(z.looseObject({ type: z.string().optional(), function: z.looseObject({ name: z.string() }) }))
    .nullish(),
  stream: z.boolean().nullish(),
  stream_options: z.looseObject({ include_usage: z.boolean().optional() }).nullish(),
});
export type ChatCompletionRequest = z.infer<typeof ChatCompletionRequestSchema>;
export type WireMessage = z.infer<typeof MessageSchema>;

/** A tool call the server decided to make (`arguments` is the raw text, valid JSON or not). */
export interface PlannedToolCall {
  name: string;
  arguments: string;
}

/** What to answer: text, or tool calls (content then empty). */
export interface PlannedAnswer {
  content: string;
  toolCalls: PlannedToolCall[];
}

/** Token usage as OpenAI reports it. */
export interface Usage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
}

/** The text of a message's content (string, or the `text` of its parts). */
export function messageText(m: WireMessage): string {
  const c = m.content;
  if (typeof c === 'string') return c;
  if (Array.isArray(c)) return c.map((p) => p.text ?? '').join('');
  return '';
}

/** ≈ chars / 4, the usual rule of thumb for English and Spanish text. */
export function estimateTokens(chars: number): number {
  return Math.ceil(chars / 4);
}

/** Prompt tokens of a request: every message's text and tool-call arguments. */
export function promptTokens(req: ChatCompletionRequest): number {
  let chars = 0;
  for (const m of req.messages) {
    chars += messageText(m).length;
    for (const call of m.tool_calls ?? []) chars += (call.function.arguments ?? '').length;
  }
  return estimateTokens(chars);
}

/** Completion tokens of an answer. */
export function completionTokens(answer: PlannedAnswer): number {
  const chars = answer.toolCalls.reduce(
    (n, c) => n + c.name.length + c.arguments.length,
    answer.content.length,
  );
  return estimateTokens(chars);
}

/** `chatcmpl-…` id. */
export function completionId(): string {
  return `chatcmpl-${randomUUID()}`;
}

/** `call_00_…` tool-call id (DeepSeek's layout), from the crypto RNG. */
export function toolCallId(index: number): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
  const bytes = randomBytes(24);
  let s = '';
  for (const b of bytes) s += alphabet[b % alphabet.length] ?? 'x';
  return `call_${String(index).padStart(2, '0')}_${s}`;
}

const FINGERPRINT = 'fp_leadbot_fake_llm';

/** Shared header of a completion or chunk. */
export interface CompletionMeta {
  id: string;
  created: number;
  model: string;
}

/** A non-streamed `chat.completion` body. */
export function completionBody(meta: CompletionMeta, answer: PlannedAnswer, usage: Usage): object {
  const toolCalls = answer.toolCalls.map((c, index) => ({
    index,
    id: toolCallId(index),
    type: 'function',
    function: { name: c.name, arguments: c.arguments },
  }));
  const message: Record<string, unknown> = { role: 'assistant', content: answer.content };
  if (toolCalls.length > 0) message['tool_calls'] = toolCalls;
  return {
    id: meta.id,
    object: 'chat.completion',
    created: meta.created,
    model: meta.model,
    choices: [
      {
        index: 0,
        message,
        logprobs: null,
        finish_reason: toolCalls.length > 0 ? 'tool_calls' : 'stop',
      },
    ],
    usage,
    system_fingerprint: FINGERPRINT,
  };
}

/** Splits text into word-sized pieces (leading whitespace kept) that join back to the same text. */
export function splitForStream(text: string): string[] {
  const pieces: string[] = [...(text.match(/\s*\S+/gu) ?? [])];
  const rest = text.slice(pieces.join('').length);
  if (rest !== '') pieces.push(rest);
  return pieces;
}

/**
 * The `chat.completion.chunk` bodies of a streamed answer, as DeepSeek sends them: a role chunk,
 * content (or tool-call) deltas, then a finish chunk; with `includeUsage`, every chunk carries
 * `usage: null` except the finish chunk, which carries the usage.
 */
export function streamChunks(
  meta: CompletionMeta,
  answer: PlannedAnswer,
  usage: Usage,
  includeUsage: boolean,
): object[] {
  const chunk = (delta: object, finish: string | null = null, last = false): object => {
    const body: Record<string, unknown> = {
      id: meta.id,
      object: 'chat.completion.chunk',
      created: meta.created,
      model: meta.model,
      system_fingerprint: FINGERPRINT,
      choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }],
    };
    if (includeUsage) body['usage'] = last ? usage : null;
    return body;
  };
  const out: object[] = [];
  if (answer.toolCalls.length > 0) {
    out.push(chunk({ role: 'assistant', content: null }));
    answer.toolCalls.forEach((c, index) => {
      out.push(
        chunk({
          tool_calls: [
            { index, id: toolCallId(index), type: 'function', function: { name: c.name, arguments: '' } },
          ],
        }),
      );
      for (const piece of splitArguments(c.arguments)) {
        out.push(chunk({ tool_calls: [{ index, function: { arguments: piece } }] }));
      }
    });
    out.push(chunk({ content: '' }, 'tool_calls', true));
    return out;
  }
  out.push(chunk({ role: 'assistant', content: '' }));
  for (const piece of splitForStream(answer.content)) out.push(chunk({ content: piece }));
  out.push(chunk({ content: '' }, 'stop', true));
  return out;
}

/** Tool-call arguments in small fragments, as providers stream them. */
function splitArguments(args: string): string[] {
  const out: string[] = [];
  for (let i = 0; i < args.length; i += 8) out.push(args.slice(i, i + 8));
  return out;
}

/** OpenAI's error body. */
export function errorBody(
  message: string,
  type: string,
  code: string | null,
  param: string | null = null,
): object {
  return { error: { message, type, param, code } };
}
