import { z } from 'zod';

/** Slack error codes worth retrying besides HTTP 429/5xx, network errors and timeouts. */
const RETRYABLE_CODES: ReadonlySet<string> = new Set(['ratelimited', 'service_unavailable']);

/** What to do about the codes an operator can fix. */
const HINTS: Readonly<Record<string, string>> = {
  invalid_auth: 'check the bot token (xoxb-…) in the environment',
  not_authed: 'set the bot token (xoxb-…) in the environment',
  account_inactive: 'the Slack app was uninstalled or its token revoked; reinstall it',
  token_revoked: 'the Slack app was uninstalled or its token revoked; reinstall it',
  missing_scope: 'add the missing OAuth scope to the Slack app and reinstall it',
  channel_not_found: 'check the Slack channel id',
  not_in_channel: 'invite the bot to the channel (/invite @your-bot)',
  is_archived: 'the Slack channel is archived; configure another one',
  ratelimited: 'Slack is rate limiting; retried later',
};

/**
 * A failed Slack Web API call. `code` is Slack's `error` (`invalid_auth`, `channel_not_found`…) or
 * one of `http_5xx`, `http_<status>`, `network`, `timeout`, `invalid_response`. The message never
 * includes the token.
 */
export class SlackApiError extends Error {
  constructor(
    readonly code: string,
    readonly retryable: boolean,
    readonly retryAfterMs?: number,
    options?: { method?: string; cause?: unknown },
  ) {
    const where = options?.method ? ` (${options.method})` : '';
    const hint = HINTS[code] ?? (retryable ? 'retried later' : 'not retried');
    super(`Slack API call failed${where}: ${code}; ${hint}.`, { cause: options?.cause });
    this.name = 'SlackApiError';
  }
}

export interface SlackApiOptions {
  /** Bot token (`xoxb-…`). */
  token: string;
  /** Default `https://slack.com/api`. */
  apiBase?: string;
  /** Per-request timeout. Default 10 s. */
  timeoutMs?: number;
  /** Injectable for tests. Default: the global `fetch`. */
  fetch?: typeof fetch;
}

const EnvelopeSchema = z.looseObject({ ok: z.boolean(), error: z.string().optional() });
const PostedSchema = z.looseObject({ channel: z.string(), ts: z.string() });
const AuthSchema = z.looseObject({
  user_id: z.string(),
  bot_id: z.string().optional(),
  team_id: z.string().optional(),
});
const UserSchema = z.looseObject({
  user: z.looseObject({
    name: z.string().optional(),
    real_name: z.string().optional(),
    profile: z.looseObject({ display_name: z.string().optional() }).optional(),
  }),
});

type Call = { method: string; httpMethod: 'GET' | 'POST'; body?: unknown; query?: Record<string, string> };

function retryAfterMs(header: string | null): number | undefined {
  if (!header || !/^\d+(\.\d+)?$/.test(header.trim())) return undefined;
  return Math.ceil(Number(header) * 1000);
}

/** The body as JSON (checked by a schema afterwards); undefined when it is not JSON. */
function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/**
 * A minimal Slack Web API client (`chat.postMessage`, `chat.update`, `auth.test`, `users.info`)
 * on the global `fetch`. Every failure is a {@link SlackApiError} saying whether to retry.
 */
export class SlackApi {
  private readonly apiBase: string;
  private readonly timeoutMs: number;
  private readonly fetchImpl: typeof fetch;

  constructor(private readonly options: SlackApiOptions) {
    this.apiBase = (options.apiBase ?? 'https://slack.com/api').replace(/\/+$/, '');
    this.timeoutMs = options.timeoutMs ?? 10_000;
    this.fetchImpl = options.fetch ?? ((input, init) => fetch(input, init));
  }

  /** Posts a message (a thread reply with `thread_ts`); returns where it landed. */
  async postMessage(args: {
    channel: string;
    text: string;
    blocks?: unknown[];
    thread_ts?: string;
  }): Promise<{ channel: string; ts: string }> {
    const json = await this.call({ method: 'chat.postMessage', httpMethod: 'POST', body: args });
    const posted = this.parse(PostedSchema, json, 'chat.postMessage');
    return { channel: posted.channel, ts: posted.ts };
  }

  /** Replaces a message the bot posted. */
  async update(args: { channel: string; ts: string; text: string; blocks?: unknown[] }): Promise<void> {
    await this.call({ method: 'chat.update', httpMethod: 'POST', body: args });
  }

  /** Who the token belongs to (the bot's own user id, to ignore its own messages). */
  async authTest(): Promise<{ userId: string; botId?: string; teamId?: string }> {
    const auth = this.parse(
      AuthSchema,
      await this.call({ method: 'auth.test', httpMethod: 'POST' }),
      'auth.test',
    );
    return {
      userId: auth.user_id,
      ...(auth.bot_id ? { botId: auth.bot_id } : {}),
      ...(auth.team_id ? { teamId: auth.team_id } : {}),
    };
  }

  /** A person's name to show (real name, else display name, else handle); the id itself on any Slack error. */
  async usersInfo(user: string): Promise<{ name: string }> {
    try {
      const json = await this.call({ method: 'users.info', httpMethod: 'GET', query: { user } });
      const info = this.parse(UserSchema, json, 'users.info').user;
      return { name: info.real_name || info.profile?.display_name || info.name || user };
    } catch (error) {
      // A name is only cosmetic: the id is a fine stand-in when Slack cannot tell us.
      if (error instanceof SlackApiError) return { name: user };
      throw error;
    }
  }

  private parse<T>(schema: z.ZodType<T>, json: unknown, method: string): T {
    const parsed = schema.safeParse(json);
    if (!parsed.success)
      throw new SlackApiError('invalid_response', false, undefined, { method, cause: parsed.error });
    return parsed.data;
  }

  /** One request; resolves with the JSON of an `ok: true` answer, throws SlackApiError otherwise. */
  private async call(call: Call): Promise<unknown> {
    const { response, json } = await this.send(call);
    const envelope = EnvelopeSchema.safeParse(json);
    const method = call.method;
    if (response.status === 429) {
      throw new SlackApiError('ratelimited', true, retryAfterMs(response.headers.get('retry-after')), {
        method,
      });
    }
    if (response.status >= 500) throw new SlackApiError('http_5xx', true, undefined, { method });
    if (envelope.success && envelope.data.ok && response.ok) return json;
    if (envelope.success && !envelope.data.ok) {
      const code = envelope.data.error ?? 'unknown_error';
      const after = code === 'ratelimited' ? retryAfterMs(response.headers.get('retry-after')) : undefined;
      throw new SlackApiError(code, RETRYABLE_CODES.has(code), after, { method });
    }
    throw new SlackApiError(response.ok ? 'invalid_response' : `http_${response.status}`, false, undefined, {
      method,
    });
  }

  /** The HTTP exchange, body included (a timeout can strike while it is read). */
  private async send(call: Call): Promise<{ response: Response; json: unknown }> {
    const query = call.query ? `?${new URLSearchParams(call.query).toString()}` : '';
    const headers: Record<string, string> = { authorization: `Bearer ${this.options.token}` };
    if (call.body !== undefined) headers['content-type'] = 'application/json; charset=utf-8';
    try {
      const response = await this.fetchImpl(`${this.apiBase}/${call.method}${query}`, {
        method: call.httpMethod,
        headers,
        ...(call.body !== undefined ? { body: JSON.stringify(call.body) } : {}),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
      return { response, json: parseJson(await response.text()) };
    } catch (error) {
      const timedOut =
        error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError');
      throw new SlackApiError(timedOut ? 'timeout' : 'network', true, undefined, {
        method: call.method,
        cause: error,
      });
    }
  }
}
