/** The fake LLM server's routes: authentication, request parsing, limits, faults and answers. */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { HttpError, masked, readBody, sendJson, waitUnlessClosed } from './http.ts';
import { RateLimiter, type LimitScope } from './limits.ts';
import { planAnswer } from './responder.ts';
import type { FakeKeyOptions, FakeLlmOptions } from './types.ts';
import {
  ChatCompletionRequestSchema,
  completionBody,
  completionId,
  completionTokens,
  errorBody,
  promptTokens,
  streamChunks,
  type PlannedAnswer,
} from './wire.ts';

/** The model every server lists in `GET /v1/models`. */
export const FAKE_MODEL = 'fake-builtin';

/** One server's live state: its options (changed by `setOptions`), limits and counters. */
export class FakeLlmState {
  opts: FakeLlmOptions;
  readonly limiter: RateLimiter;
  readonly modelsSeen = new Set<string>([FAKE_MODEL]);
  unauthorized = 0;
  badRequests = 0;

  constructor(options: FakeLlmOptions) {
    this.opts = { ...options };
    const now = this.opts.now ?? Date.now;
    this.limiter = new RateLimiter({
      windowMs: () => this.opts.windowMs ?? 60_000,
      model: () => this.opts.limitModel ?? 'window',
      headers: () => this.opts.rateLimitHeaders ?? true,
      now,
    });
  }
}

function authenticate(state: FakeLlmState, req: IncomingMessage): { secret: string; key: FakeKeyOptions } {
  const header = req.headers.authorization ?? '';
  const match = /^Bearer\s+(.+)$/iu.exec(header.trim());
  const secret = match?.[1]?.trim();
  const key =
    secret !== undefined && Object.hasOwn(state.opts.keys, secret) ? state.opts.keys[secret] : undefined;
  if (secret === undefined || key === undefined) {
    state.unauthorized += 1;
    const message =
      secret === undefined
        ? "You didn't provide an API key. You need to provide your API key in an Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY)."
        : `Incorrect API key provided: ${masked(secret)}. You can find your API key at your provider's dashboard.`;
    throw new HttpError(401, errorBody(message, 'invalid_request_error', 'invalid_api_key'));
  }
  return { secret, key };
}

function scopesOf(state: FakeLlmState, secret: string, key: FakeKeyOptions): LimitScope[] {
  const scopes: LimitScope[] = [{ kind: 'key', id: secret, budget: key }];
  if (key.group !== undefined) {
    scopes.push({ kind: 'group', id: key.group, budget: state.opts.groups?.[key.group] ?? {} });
  }
  return scopes;
}

function parseRequest(state: FakeLlmState, raw: string, scopes: LimitScope[]) {
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch (cause) {
    state.badRequests += 1;
    state.limiter.countRequest(scopes);
    const detail = cause instanceof Error ? ` (${cause.message})` : '';
    throw new HttpError(
      400,
      errorBody(
        `We could not parse the JSON body of your request${detail}. The OpenAI API expects a JSON payload.`,
        'invalid_request_error',
        null,
      ),
    );
  }
  const parsed = ChatCompletionRequestSchema.safeParse(json);
  if (!parsed.success) {
    state.badRequests += 1;
    state.limiter.countRequest(scopes);
    const issue = parsed.error.issues[0];
    const param = issue?.path.join('.') ?? null;
    const message = `Invalid request: ${issue?.message ?? 'bad shape'}${param ? ` at '${param}'` : ''}.`;
    throw new HttpError(400, errorBody(message, 'invalid_request_error', null, param));
  }
  return parsed.data;
}

async function completions(
  state: FakeLlmState,
  req: IncomingMessage,
  res: ServerResponse,
  raw: string,
): Promise<void> {
  const { secret, key } = authenticate(state, req);
  const scopes = scopesOf(state, secret, key);
  const body = parseRequest(state, raw, scopes);
  state.modelsSeen.add(body.model);
  const fault = key.fault;
  const silent = fault === 'hang' || fault === 'http_500';
  const answer: PlannedAnswer = silent ? { content: '', toolCalls: [] } : planAnswer(body, fault);
  const prompt = promptTokens(body);
  const completion = silent ? 0 : completionTokens(answer);
  const admission = state.limiter.admit(scopes, prompt, completion);
  if (!admission.ok) {
    // The headers carry Retry-After and retry-after-ms unless rate-limit headers are off.
    sendJson(
      res,
      429,
      errorBody(admission.message, 'rate_limit_error', 'rate_limit_exceeded'),
      admission.headers,
    );
    return;
  }
  res.once('close', admission.release);
  if (!(await waitUnlessClosed(res, state.opts.latencyMs ?? 0))) return;
  // The release on 'close' ends the hang when the client aborts or the server closes.
  if (fault === 'hang') return;
  if (fault === 'http_500') {
    const message = 'The server had an error while processing your request. Sorry about that!';
    sendJson(res, 500, errorBody(message, 'server_error', null), admission.headers);
    return;
  }
  const meta = { id: completionId(), created: Math.floor(Date.now() / 1000), model: body.model };
  const usage = { prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion };
  if (body.stream === true) {
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache',
      connection: 'keep-alive',
      ...admission.headers,
    });
    const chunks = streamChunks(meta, answer, usage, body.stream_options?.include_usage === true);
    for (const chunk of chunks) {
      let line = JSON.stringify(chunk);
      if (fault === 'invalid_json') line = line.slice(0, Math.floor(line.length / 2));
      res.write(`data: ${line}\n\n`);
    }
    res.end('data: [DONE]\n\n');
    return;
  }
  const json = JSON.stringify(completionBody(meta, answer, usage));
  res.writeHead(200, { 'content-type': 'application/json', ...admission.headers });
  // invalid_json: a body cut in half, as a proxy dropping the connection mid-answer would leave.
  res.end(fault === 'invalid_json' ? json.slice(0, Math.floor(json.length / 2)) : json);
}

function models(state: FakeLlmState, req: IncomingMessage, res: ServerResponse): void {
  authenticate(state, req);
  const data = [...state.modelsSeen].map((id) => ({ id, object: 'model', created: 0, owned_by: 'leadbot' }));
  sendJson(res, 200, { object: 'list', data });
}

export async function handle(state: FakeLlmState, req: IncomingMessage, res: ServerResponse): Promise<void> {
  try {
    const raw = await readBody(req);
    const path = new URL(req.url ?? '/', 'http://localhost').pathname.replace(/\/+$/u, '');
    if (req.method === 'POST' && path === '/v1/chat/completions') await completions(state, req, res, raw);
    else if (req.method === 'GET' && path === '/v1/models') models(state, req, res);
    else {
      const message = `Unknown request URL: ${req.method ?? 'GET'} ${path}.`;
      throw new HttpError(404, errorBody(message, 'invalid_request_error', 'unknown_url'));
    }
  } catch (error) {
    if (error instanceof HttpError) sendJson(res, error.status, error.body);
    else sendJson(res, 500, errorBody('Internal error in the fake LLM server.', 'server_error', null));
  }
}
