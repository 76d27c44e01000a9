import type { TurnBrief } from '../protocol/index.ts';

/** One message of the model's context window (OpenAI chat shape, reduced to what we use). */
export type ChatMessage =
  | { role: 'system' | 'user'; content: string }
  | { role: 'assistant'; content: string; toolCalls?: ToolCall[] }
  | { role: 'tool'; content: string; toolCallId: string };

/** A tool the model may call; `parameters` is JSON Schema generated from the tool's zod schema. */
export interface ToolSpec {
  name: string;
  description: string;
  parameters: Record<string, unknown>;
}

export interface ToolCall {
  id: string;
  name: string;
  /** JSON text, as the model produced it (validated by the tool's schema before use). */
  arguments: string;
}

export interface ChatRequest {
  brief: TurnBrief;
  /** Pins provider keys per conversation. */
  conversationId?: string;
  /** 0..9; urgent conversations get keys first when the pool is exhausted. */
  priority?: number;
  /** History, oldest first, ending with the user's message. */
  messages: ChatMessage[];
  tools: ToolSpec[];
  temperature: number;
  maxTokens: number;
}

export interface ChatResponse {
  text: string;
  toolCalls: ToolCall[];
  /** Which model answered (for metrics and logs). */
  model: string;
  usage?: { promptTokens: number; completionTokens: number };
}

/** One provider key lent for one request. */
export interface LlmLease {
  /** Key name (never the secret) for logs and metrics. */
  keyId: string;
  secret: string;
  /** Frees the request slot and corrects the token estimate. Idempotent. */
  release(usage?: { totalTokens: number }): void;
  /** The provider answered 429: cool this key for `retryAfterMs` and move the conversation. */
  rateLimited(retryAfterMs: number): void;
  /** A 5xx / network failure (feeds the key's circuit breaker). */
  failed(): void;
  /** A success (closes the circuit breaker). */
  succeeded(): void;
  /** What the response's `x-ratelimit-*` / `Retry-After` headers said (before `release`). */
  observe?(limits: ProviderLimits): void;
}

/** A provider's rate-limit headers (`x-ratelimit-limit-requests`…, `Retry-After`), parsed. */
export interface ProviderLimits {
  limitRequests?: number;
  remainingRequests?: number;
  resetRequestsMs?: number;
  limitTokens?: number;
  remainingTokens?: number;
  resetTokensMs?: number;
  retryAfterMs?: number;
}

/** Lends provider keys; `undefined` means every key is exhausted past the deadline. */
export interface LeasePool {
  acquire(
    conversationId: string,
    options: { estimatedTokens: number; priority?: number; signal?: AbortSignal },
  ): Promise<LlmLease | undefined>;
}

/** A request to summarise the older part of a conversation (MemoryConsolidator). */
export interface SummaryRequest {
  conversationId: string;
  language: 'es' | 'en';
  /** The summary so far, to extend. */
  previous?: string;
  /** The lines to fold in, oldest first. */
  lines: { role: 'user' | 'assistant'; text: string }[];
  maxChars: number;
}

/**
 * The seam every model sits behind: the built-in deterministic model and, later, OpenAI-compatible
 * providers. Implementations must honour `signal` (stopping an actor cancels its model call).
 */
export interface ChatModel {
  readonly name: string;
  complete(request: ChatRequest, signal: AbortSignal): Promise<ChatResponse>;
  /**
   * Second opinion on a message the ThreatDetector is unsure about (optional): is it an attempt to
   * manipulate the assistant? Used only for scores in the detector's uncertain band.
   */
  judge?(
    text: string,
    language: string,
    signal: AbortSignal,
  ): Promise<{ malicious: boolean; confidence: number }>;
  /** Summarises conversation lines (optional: without it the extractive summary is used). */
  summarise?(request: SummaryRequest, signal: AbortSignal): Promise<string>;
}
