/**
 * The project's own OpenAI-compatible test server: `POST /v1/chat/completions` (tools, streaming)
 * and `GET /v1/models` on plain `node:http`, answers written by the built-in model, per-key and
 * per-group sliding-window limits answered with 429 + `Retry-After`, latency and faults per key.
 * Tests, benchmarks and the local demo run whole conversations through the real `openai` SDK on it.
 */

import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { RateLimiter, type LimitScope } from './limits.ts';
import { planAnswer } from './responder.ts';
import type { FakeKeyOptions, FakeLlmMutableOptions, FakeLlmOptions, FakeLlmStats } from './types.ts';
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

export type * from './types.ts';
export { FAULTS } from './types.ts';
export { maxInWindow } from './limits.ts';

/** The model every server lists in `GET /v1/models`. */
export const FAKE_MODEL = 'fake-builtin';

/** A running test server. */
export interface FakeLlmServer {
  /** Base URL for the SDK's `baseURL`, ending in `/v1`. */
  url: string;
  /** Stops listening and drops every connection (hanging requests included). Idempotent. */
  close(): Promise<void>;
  /** Counters and accepted-request logs (a copy). */
  stats(): FakeLlmStats;
  /** Changes keys, groups, latency or window at run time; window state of kept keys survives. */
  setOptions(partial: FakeLlmMutableOptions): void;
}

const MAX_BODY_BYTES = 8 * 1024 * 1024;

class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly body: object,
  ) {
    super(`HTTP ${status}`);
  }
}

function sendJson(
  res: ServerResponse,
  status: number,
  body: object,
  headers: Record<string, string> = {},
): void {
  if (res.headersSent || res.destroyed) return;
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buf = Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk));
    size += buf.length;
    if (size > MAX_BODY_BYTES) {
      throw new HttpError(413, errorBody('Request body too large.', 'invalid_request_error', null));
    }
    chunks.push(buf);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** Resolves true after `ms`, or false as soon as the response closes (client gone, server closing). */
function waitUnlessClosed(res: ServerResponse, ms: number): Promise<boolean> {
  if (res.destroyed) return Promise.resolve(false);
  if (ms <= 0) return Promise.resolve(true);
  return new Promise((resolve) => {
    const onClose = (): void => {
      clearTimeout(timer);
      resolve(false);
    };
    const timer = setTimeout(() => {
      res.off('close', onClose);
      resolve(true);
    }, ms);
    res.once('close', onClose);
  });
}

function masked(secret: string): string {
  return secret.length <= 8 ? '****' : `${secret.slice(0, 3)}****${secret.slice(-4)}`;
}

/** Starts the server on `options.host`:`options.port` (127.0.0.1, a free port by default). */
export async function startFakeLlmServer(options: FakeLlmOptions): Promise<FakeLlmServer> {
  let opts: FakeLlmOptions = { ...options };
  const now = opts.now ?? Date.now;
  const limiter = new RateLimiter(() => opts.windowMs ?? 60_000, now);
  const modelsSeen = new Set<string>([FAKE_MODEL]);
  let unauthorized = 0;
  let badRequests = 0;

  function authenticate(req: IncomingMessage): { secret: string; key: FakeKeyOptions } {
    const header = req.headers.authorization ?? '';
    const match = /^Bearer\s+(.+)$/iu.exec(header.trim());
    const secret = match?.[1]?.trim();
    const key = secret !== undefined && Object.hasOwn(opts.keys, secret) ? opts.keys[secret] : undefined;
    if (secret === undefined || key === undefined) {
      unauthorized += 1;
      const message =
        secret === undefined
          ? "You didn't provide an API key. You need to provide your API key in an Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY)."
          : `Incorrect API key provided: ${masked(secret)}. You can find your API key at your provider's dashboard.`;
      throw new HttpError(401, errorBody(message, 'invalid_request_error', 'invalid_api_key'));
    }
    return { secret, key };
  }

  function scopesOf(secret: string, key: FakeKeyOptions): LimitScope[] {
    const scopes: LimitScope[] = [{ kind: 'key', id: secret, budget: key }];
    if (key.group !== undefined) {
      scopes.push({ kind: 'group', id: key.group, budget: opts.groups?.[key.group] ?? {} });
    }
    return scopes;
  }

  function parseRequest(raw: string, scopes: LimitScope[]) {
    let json: unknown;
    try {
      json = JSON.parse(raw);
    } catch (cause) {
      badRequests += 1;
      limiter.countRequest(scopes);
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
      badRequests += 1;
      limiter.countRequest(scopes);
      const issue = parsed.error.issues[0];
      const param = issue?.path.join('.') ?? null;
      const message = `Invalid request: ${issue?.message ?? 'bad shape'}${param ? ` at '${param}'` : ''}.`;
      throw new HttpError(400, errorBody(message, 'invalid_request_error', null, param));
    }
    return parsed.data;
  }

  async function completions(req: IncomingMessage, res: ServerResponse, raw: string): Promise<void> {
    const { secret, key } = authenticate(req);
    const scopes = scopesOf(secret, key);
    const body = parseRequest(raw, scopes);
    modelsSeen.add(body.model);
    const fault = key.fault;
    const silent = fault === 'hang' || fault === 'http_500';
    const answer: PlannedAnswer = silent ? { content: '', toolCalls: [] } : planAnswer(body, fault);
    const prompt = promptTokens(body);
    const completion = silent ? 0 : completionTokens(answer);
    const admission = limiter.admit(scopes, prompt, completion);
    if (!admission.ok) {
      sendJson(res, 429, errorBody(admission.message, 'rate_limit_error', 'rate_limit_exceeded'), {
        ...admission.headers,
        'retry-after': String(admission.retryAfterSeconds),
      });
      return;
    }
    res.once('close', admission.release);
    if (!(await waitUnlessClosed(res, opts.latencyMs ?? 0))) return;
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

  function models(req: IncomingMessage, res: ServerResponse): void {
    authenticate(req);
    const data = [...modelsSeen].map((id) => ({ id, object: 'model', created: 0, owned_by: 'leadbot' }));
    sendJson(res, 200, { object: 'list', data });
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    try {
      const raw = await readBody(req);
      const path = new URL(req.url ?? '/', 'http://localhost').pathname.replace(/\/+$/u, '');
      if (req.method === 'POST' && path === '/v1/chat/completions') await completions(req, res, raw);
      else if (req.method === 'GET' && path === '/v1/models') models(req, res);
      else {
        const message = `Unknown request URL: ${req.method ?? 'GET'} ${path}.`;
        throw new HttpError(404, errorBody(message, 'invalid_request_error', 'unknown_url'));
      }
    } catch (error) {
      if (error instanceof HttpError) sendJson(res, error.status, error.body);
      else sendJson(res, 500, errorBody('Internal error in the fake LLM server.', 'server_error', null));
    }
  }

  const server = createServer((req, res) => {
    void handle(req, res);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, opts.host ?? '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  let closing: Promise<void> | undefined;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;

  return {
    url: `http://${host}:${address.port}/v1`,
    close: () => {
      closing ??= new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      });
      return closing;
    },
    stats: () => {
      const snap = limiter.snapshot(
        Object.keys(opts.keys),
        Object.values(opts.keys).flatMap((k) => (k.group === undefined ? [] : [k.group])),
      );
      return { keys: snap.keys, groups: snap.groups, unauthorized, badRequests, acceptedLog: snap.logs };
    },
    setOptions: (partial) => {
      opts = { ...opts, ...partial };
    },
  };
}
