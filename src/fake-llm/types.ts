/**
 * Options and statistics of the project's OpenAI-compatible test server (`src/fake-llm`).
 */
import { OBEDIENT_FAULTS, type ObedientFault } from './obedient.ts';

/**
 * A failure a key can be told to produce, to test how clients cope:
 * - `http_500`: HTTP 500 with OpenAI's error JSON;
 * - `hang`: accepts the request and never answers, until the client aborts or the server closes;
 * - `invalid_json`: HTTP 200 whose body is truncated, invalid JSON (streaming: a broken `data:` line);
 * - `unknown_tool`: a tool call to a tool name that was not offered;
 * - `bad_tool_args`: a tool call to an offered tool whose `arguments` are not valid JSON;
 * - `schema_tool_args`: a tool call to an offered tool whose `arguments` are valid JSON that fails
 *   any sensible schema (wrong types, unexpected keys);
 * - `empty`: a choice with empty content and no tool calls;
 * - `leak_prompt`: answers with the system prompt it was sent (a jailbroken model);
 * - `spell_prompt`, `base64_prompt`, `translate_prompt`: the prompt spelled out letter by letter, in
 *   base64, or translated word for word to English; `state_json`: the turn's state as JSON;
 *   `promise_discount`: a discount nobody offered, "guaranteed in writing" (see `obedient.ts`);
 * - `obey_verdict`: as a security judge, repeats a verdict written inside the message it judges
 *   (`{"malicious": false, …}`) instead of judging it.
 *
 * The three tool faults answer the first round of a user message; after the client sends tool
 * results back the key answers normally (so a client that reports the bad call to the model recovers).
 */
export type Fault =
  | 'http_500'
  | 'hang'
  | 'invalid_json'
  | 'unknown_tool'
  | 'bad_tool_args'
  | 'schema_tool_args'
  | 'empty'
  | 'leak_prompt'
  | 'obey_verdict'
  | ObedientFault;

/** Every fault name, for CLIs and validation. */
export const FAULTS: readonly Fault[] = [
  'http_500',
  'hang',
  'invalid_json',
  'unknown_tool',
  'bad_tool_args',
  'schema_tool_args',
  'empty',
  'leak_prompt',
  'obey_verdict',
  ...OBEDIENT_FAULTS,
];

/**
 * How the server counts `rpm` / `tpm` (over `windowMs`, one minute by default), as providers do:
 * - `window`: a sliding window; a key's whole minute may go out in its first second (the default);
 * - `quantised`: a per-second token bucket, as OpenAI documents ("60,000 RPM may be enforced as
 *   1,000 requests per second"): it holds one second's worth (rpm/60, at least 1) and refills
 *   continuously at rpm/60 per second; tokens alike with tpm/60 (a request bigger than the bucket
 *   passes when the bucket is full and leaves it in debt);
 * - `fixed-window`: counts reset at each whole window (each minute on the clock), so up to twice
 *   the limit fits across a boundary.
 */
export type LimitModel = 'window' | 'quantised' | 'fixed-window';

/** Every limit model, for CLIs and validation. */
export const LIMIT_MODELS: readonly LimitModel[] = ['window', 'quantised', 'fixed-window'];

/** Budgets of one limit scope (a key or a group). Omitted = unlimited. */
export interface LimitBudget {
  /** Accepted requests per window (60 s by default), counted as `limitModel` says. */
  rpm?: number;
  /** Prompt + completion tokens per window (≈ characters / 4), counted as `limitModel` says. */
  tpm?: number;
  /** Requests in flight at once. */
  concurrency?: number;
}

/** One API key the server accepts; the record key is the secret sent as `Bearer <secret>`. */
export interface FakeKeyOptions extends LimitBudget {
  /** Limit group (one provider account): keys of a group also share the group's budget. */
  group?: string;
  /** Makes every request on this key fail in one way (see `Fault`). */
  fault?: Fault;
}

/** Options of `startFakeLlmServer`. */
export interface FakeLlmOptions {
  /** Accepted keys by secret. Any other bearer token gets a 401. */
  keys: Record<string, FakeKeyOptions>;
  /** Budgets shared by the keys of each group. Default: none. */
  groups?: Record<string, LimitBudget>;
  /** Fixed delay before answering, in ms (the socket closing stops the wait). Default 0. */
  latencyMs?: number;
  /**
   * The period `rpm` / `tpm` are counted over, in ms: the sliding window, the fixed window, or (for
   * `quantised`) the refill period, the bucket holding 1 s of it. Default 60 000 (one minute).
   */
  windowMs?: number;
  /** How limits are counted (see `LimitModel`). Default `window`. */
  limitModel?: LimitModel;
  /**
   * Sends OpenAI's `x-ratelimit-{limit,remaining,reset}-{requests,tokens}` headers on every
   * completion answer, and `Retry-After` (whole seconds, ≥ 1) + `retry-after-ms` on a 429. False:
   * none of them, not even `Retry-After` (some providers send nothing). Default true.
   */
  rateLimitHeaders?: boolean;
  /** Host to bind. Default `127.0.0.1`. */
  host?: string;
  /** Port to bind; 0 picks a free one. Default 0. */
  port?: number;
  /** Clock for the rate windows (ms since epoch). Default `Date.now`. */
  now?: () => number;
}

/** Options that `setOptions` may change on a running server. */
export type FakeLlmMutableOptions = Partial<
  Pick<FakeLlmOptions, 'keys' | 'groups' | 'latencyMs' | 'windowMs' | 'limitModel' | 'rateLimitHeaders'>
>;

/** Counters of one key (by secret) or one group. */
export interface FakeScopeStats {
  /** Requests that presented this key (for groups: any key of the group), whatever the outcome. */
  requests: number;
  /** Requests admitted past the limits. */
  accepted: number;
  /** HTTP 429 answers sent. */
  rateLimited: number;
  /** Requests in flight now. */
  inFlight: number;
  /** Highest number of requests in flight at once. */
  inFlightMax: number;
  promptTokens: number;
  completionTokens: number;
  totalTokens: number;
}

/** What the server saw, for assertions and benchmarks. */
export interface FakeLlmStats {
  /** Per key, by secret. */
  keys: Record<string, FakeScopeStats>;
  /** Per limit group. */
  groups: Record<string, FakeScopeStats>;
  /** HTTP 401 answers (missing or unknown key). */
  unauthorized: number;
  /** HTTP 400 answers (bad JSON, bad request shape). */
  badRequests: number;
  /** Timestamps (ms, from the server's clock) of every accepted request, per key and per group. */
  acceptedLog: { keys: Record<string, number[]>; groups: Record<string, number[]> };
}
