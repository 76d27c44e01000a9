import { randomBytes } from 'node:crypto';
import OpenAI from 'openai';
import { parseProviderLimits, retryAfterHeaderMs } from './rate-limit-headers.ts';
import { z } from 'zod';
import { errorMessage } from '../errors.ts';
import type { Logger } from '../logger.ts';
import {
  buildJudgePrompt,
  judgeEnvelope,
  buildSummaryPrompt,
  buildSystemPrompt,
  transcriptOf,
} from '../models/system-prompt.ts';
import type {
  ChatMessage,
  ChatModel,
  ChatRequest,
  ChatResponse,
  LeasePool,
  SummaryRequest,
} from '../ports/chat-model.ts';

export interface OpenAIModelOptions {
  baseURL: string;
  model: string;
  pool: LeasePool;
  log: Logger;
  /** DeepSeek's `thinking` switch; undefined = disabled for DeepSeek hosts, omitted for others. */
  thinking: boolean | undefined;
  /** Per-request timeout; the caller's signal may end it sooner. */
  timeoutMs: number;
  /** Keys to try for one request when providers answer 429. */
  maxKeyAttempts?: number;
  /** A token put in the system prompt; a reply that contains it is a prompt leak (see security/canary). */
  canary?: string;
}

/** Thrown when no key could serve the request (every key exhausted past the deadline). */
export class ModelUnavailableError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ModelUnavailableError';
  }
}

const JudgeAnswer = z.object({
  id: z.string(),
  malicious: z.boolean(),
  confidence: z.number().min(0).max(1),
});

const ResponseSchema = z.object({
  model: z.string().optional(),
  choices: z
    .array(
      z.object({
        message: z.object({
          content: z.string().nullable().optional(),
          tool_calls: z
            .array(
              z.object({
                id: z.string(),
                type: z.literal('function'),
                function: z.object({ name: z.string(), arguments: z.string() }),
              }),
            )
            .nullable()
            .optional(),
        }),
      }),
    )
    .min(1),
  usage: z
    .object({ prompt_tokens: z.number(), completion_tokens: z.number(), total_tokens: z.number() })
    .nullable()
    .optional(),
});

function toWire(messages: ChatMessage[]): OpenAI.Chat.ChatCompletionMessageParam[] {
  return messages.map((m): OpenAI.Chat.ChatCompletionMessageParam => {
    if (m.role === 'tool') return { role: 'tool', content: m.content, tool_call_id: m.toolCallId };
    if (m.role === 'assistant' && m.toolCalls?.length) {
      return {
        role: 'assistant',
        content: m.content || null,
        tool_calls: m.toolCalls.map((c) => ({
          id: c.id,
          type: 'function' as const,
          function: { name: c.name, arguments: c.arguments },
        })),
      };
    }
    return { role: m.role, content: m.content };
  });
}

/** Retry-After (seconds or HTTP date) in ms; 1 s when absent. */
export function retryAfterMs(headers: Headers | undefined, now = Date.now()): number {
  return retryAfterHeaderMs(headers, now) ?? 1000;
}

/**
 * `ChatModel` over any OpenAI-compatible endpoint (DeepSeek by default) with the `openai` SDK. Every
 * request borrows a key from the pool; a 429 cools that key and the request moves to another one.
 */
export class OpenAIChatModel implements ChatModel {
  readonly name: string;
  private readonly clients = new Map<string, OpenAI>();

  constructor(private readonly options: OpenAIModelOptions) {
    this.name = options.model;
  }

  private client(keyId: string, secret: string): OpenAI {
    let client = this.clients.get(keyId);
    if (!client) {
      // Retries belong to the pool (which knows other keys), not to the SDK.
      client = new OpenAI({
        apiKey: secret,
        baseURL: this.options.baseURL,
        maxRetries: 0,
        timeout: this.options.timeoutMs,
      });
      this.clients.set(keyId, client);
    }
    return client;
  }

  async complete(request: ChatRequest, signal: AbortSignal): Promise<ChatResponse> {
    const messages: ChatMessage[] = [
      { role: 'system', content: buildSystemPrompt(request.brief, this.options.canary) },
      ...request.messages,
    ];
    const body: OpenAI.Chat.ChatCompletionCreateParamsNonStreaming & {
      thinking?: { type: 'enabled' | 'disabled' };
    } = {
      model: this.options.model,
      messages: toWire(messages),
      temperature: request.temperature,
      max_tokens: request.maxTokens,
    };
    this.setThinking(body);
    if (request.tools.length) {
      body.tools = request.tools.map((t) => ({
        type: 'function' as const,
        function: { name: t.name, description: t.description, parameters: t.parameters },
      }));
    }
    const estimatedTokens = Math.ceil(JSON.stringify(body).length / 4) + request.maxTokens;
    const parsed = await this.send(
      body,
      request.conversationId ?? 'anonymous',
      estimatedTokens,
      request.priority,
      signal,
    );
    const { choices, usage: u } = parsed;
    const message = choices[0]!.message;
    const response: ChatResponse = {
      text: message.content ?? '',
      toolCalls: (message.tool_calls ?? []).map((c) => ({
        id: c.id,
        name: c.function.name,
        arguments: c.function.arguments,
      })),
      model: parsed.model ?? this.options.model,
    };
    if (u) response.usage = { promptTokens: u.prompt_tokens, completionTokens: u.completion_tokens };
    return response;
  }

  /** ThreatDetector's judge: a JSON classification of one uncertain message, at urgent priority (it blocks a turn). */
  async judge(
    text: string,
    _language: string,
    signal: AbortSignal,
  ): Promise<{ malicious: boolean; confidence: number }> {
    // A fresh id per request that the answer must carry: a verdict written inside the message (for
    // a model that repeats what it reads) cannot know it, so it is never taken for the judge's.
    const id = randomBytes(6).toString('hex');
    const body: OpenAI.Chat.ChatCompletionCreateParamsNonStreaming & {
      thinking?: { type: 'enabled' | 'disabled' };
    } = {
      model: this.options.model,
      messages: [
        { role: 'system', content: buildJudgePrompt(id) },
        { role: 'user', content: judgeEnvelope(id, text.slice(0, 4000)) },
      ],
      temperature: 0,
      max_tokens: 30,
      response_format: { type: 'json_object' },
    };
    this.setThinking(body);
    const estimatedTokens = Math.ceil(JSON.stringify(body).length / 4) + 30;
    const parsed = await this.send(body, 'security-judge', estimatedTokens, 9, signal);
    const content = parsed.choices[0]!.message.content ?? '';
    const verdict = JudgeAnswer.safeParse(
      JSON.parse(content.slice(content.indexOf('{'), content.lastIndexOf('}') + 1)),
    );
    if (!verdict.success)
      throw new Error('the judge answered something other than {"id","malicious","confidence"}');
    if (verdict.data.id !== id) throw new Error('the judge answer does not carry this request id');
    return { malicious: verdict.data.malicious, confidence: verdict.data.confidence };
  }

  /** MemoryConsolidator: a short factual summary in the conversation's language, at low priority. */
  async summarise(request: SummaryRequest, signal: AbortSignal): Promise<string> {
    const body: OpenAI.Chat.ChatCompletionCreateParamsNonStreaming & {
      thinking?: { type: 'enabled' | 'disabled' };
    } = {
      model: this.options.model,
      messages: [
        { role: 'system', content: buildSummaryPrompt(request) },
        { role: 'user', content: transcriptOf(request) },
      ],
      temperature: 0,
      max_tokens: Math.ceil(request.maxChars / 3),
    };
    this.setThinking(body);
    const estimatedTokens = Math.ceil(JSON.stringify(body).length / 4) + (body.max_tokens ?? 0);
    const parsed = await this.send(body, request.conversationId, estimatedTokens, 0, signal);
    return parsed.choices[0]!.message.content ?? '';
  }

  /** DeepSeek's `thinking` switch: as configured, else disabled for DeepSeek hosts, else not sent. */
  private setThinking(body: { thinking?: { type: 'enabled' | 'disabled' } }): void {
    const thinking =
      this.options.thinking ?? (/deepseek/i.test(new URL(this.options.baseURL).hostname) ? false : undefined);
    if (thinking !== undefined) body.thinking = { type: thinking ? 'enabled' : 'disabled' };
  }

  /**
   * One request through the key pool: a lease per attempt, 429 cools the key and tries another (up to
   * `maxKeyAttempts`), other failures feed the key's circuit breaker. Returns the validated response.
   */
  private async send(
    body: OpenAI.Chat.ChatCompletionCreateParamsNonStreaming,
    conversationId: string,
    estimatedTokens: number,
    priority: number | undefined,
    signal: AbortSignal,
  ): Promise<z.infer<typeof ResponseSchema>> {
    const attempts = this.options.maxKeyAttempts ?? 3;
    for (let attempt = 1; ; attempt++) {
      const lease = await this.options.pool.acquire(conversationId, {
        estimatedTokens,
        ...(priority !== undefined ? { priority } : {}),
        signal,
      });
      if (!lease) throw new ModelUnavailableError('Every LLM key is exhausted; the built-in model answers.');
      let usage: number | undefined;
      try {
        const { data: raw, response } = await this.client(lease.keyId, lease.secret)
          .chat.completions.create(body, { signal })
          .withResponse();
        lease.observe?.(parseProviderLimits(response.headers));
        const parsed = ResponseSchema.safeParse(raw);
        if (!parsed.success)
          throw new Error(`malformed completion: ${parsed.error.issues[0]?.message ?? 'unknown'}`);
        lease.succeeded();
        usage = parsed.data.usage?.total_tokens;
        return parsed.data;
      } catch (error) {
        if (error instanceof OpenAI.RateLimitError) {
          lease.observe?.(parseProviderLimits(error.headers));
          const wait = retryAfterMs(error.headers);
          lease.rateLimited(wait);
          this.options.log.warn(
            { keyId: lease.keyId, retryAfterMs: wait, attempt },
            'provider answered 429; key cooled, moving on',
          );
          if (attempt < attempts && !signal.aborted) continue;
          throw new ModelUnavailableError('Every LLM key we tried was rate limited.', { cause: error });
        }
        if (!signal.aborted) {
          lease.failed();
          this.options.log.warn({ keyId: lease.keyId, err: errorMessage(error) }, 'provider request failed');
        }
        throw error;
      } finally {
        lease.release(usage !== undefined ? { totalTokens: usage } : undefined);
      }
    }
  }
}
