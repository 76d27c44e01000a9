import OpenAI, { APIUserAbortError, AuthenticationError, InternalServerError, RateLimitError } from 'openai';
import type {
  ChatCompletionChunk,
  ChatCompletionCreateParamsNonStreaming,
  ChatCompletionMessageParam,
  ChatCompletionTool,
} from 'openai/resources/chat/completions';
import { afterEach, describe, expect, it } from 'vitest';
import {
  maxInWindow,
  startFakeLlmServer,
  type FakeLlmOptions,
  type FakeLlmServer,
} from '../../src/fake-llm/server.ts';
import { writeReply } from '../../src/models/builtin/index.ts';
import { buildSystemPrompt } from '../../src/models/system-prompt.ts';
import type { TurnBrief } from '../../src/protocol/index.ts';

const servers: FakeLlmServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function start(options: Partial<FakeLlmOptions> = {}): Promise<FakeLlmServer> {
  const server = await startFakeLlmServer({ keys: { k1: {} }, ...options });
  servers.push(server);
  return server;
}

const client = (server: FakeLlmServer, apiKey = 'k1') =>
  // logLevel off: the SDK would print the broken chunks of the invalid_json fault.
  new OpenAI({ apiKey, baseURL: server.url, maxRetries: 0, logLevel: 'off' });

const USER_TEXT =
  'Hola, soy Carlos López de Logística del Norte, mi correo es carlos@logistica.mx y necesito mejorar los tiempos de entrega';

function brief(overrides: Partial<TurnBrief> = {}): TurnBrief {
  return {
    tenantId: 'demo',
    companyName: 'RutaViva',
    botName: 'Vivi',
    language: 'es',
    phase: 'capture',
    intent: 'ask_fields',
    turn: 1,
    lead: { problem: { value: 'mejorar los tiempos de entrega', turn: 1 } },
    ask: ['name', 'email'],
    newlyCaptured: ['problem'],
    urgency: 'Medio',
    userText: USER_TEXT,
    ...overrides,
  };
}

/** The system prompt leadbot's OpenAI adapter sends (it carries the brief's marker line). */
function messages(b: TurnBrief | undefined, text = USER_TEXT): ChatCompletionMessageParam[] {
  const system = b === undefined ? 'Usted es un asesor comercial.' : buildSystemPrompt(b);
  return [
    { role: 'system', content: system },
    { role: 'user', content: text },
  ];
}

const TOOLS: ChatCompletionTool[] = ['save_temp_lead_data', 'search_product_catalog'].map((name) => ({
  type: 'function',
  function: { name, description: name, parameters: { type: 'object', properties: {} } },
}));

function params(b: TurnBrief | undefined, extra: Partial<ChatCompletionCreateParamsNonStreaming> = {}) {
  return { model: 'deepseek-v4-flash', messages: messages(b), ...extra };
}

async function collect(stream: AsyncIterable<ChatCompletionChunk>): Promise<ChatCompletionChunk[]> {
  const out: ChatCompletionChunk[] = [];
  for await (const chunk of stream) out.push(chunk);
  return out;
}

describe('fake LLM server: completions', () => {
  it('answers a plain completion with the built-in reply for the brief', async () => {
    const server = await start();
    const b = brief();
    const res = await client(server).chat.completions.create(params(b));
    expect(res.id).toMatch(/^chatcmpl-/u);
    expect(res.object).toBe('chat.completion');
    expect(res.model).toBe('deepseek-v4-flash');
    expect(res.choices[0]!.message.role).toBe('assistant');
    expect(res.choices[0]!.message.content).toBe(writeReply(b));
    expect(res.choices[0]!.finish_reason).toBe('stop');
    expect(res.usage!.total_tokens).toBe(res.usage!.prompt_tokens + res.usage!.completion_tokens);
    expect(server.stats().keys['k1']!.totalTokens).toBe(res.usage!.total_tokens);
  });

  it('greets in the user language when no brief is sent', async () => {
    const server = await start();
    const res = await client(server).chat.completions.create({
      model: 'm',
      messages: [{ role: 'user', content: 'Hello there, good morning' }],
    });
    const text = res.choices[0]!.message.content ?? '';
    expect(text).toMatch(/\?$/u);
    expect(text).toMatch(/\b(Hello|Hi|Good)\b/u);
  });

  it('streams the same text in chunks, with usage and [DONE]', async () => {
    const server = await start();
    const b = brief({ turn: 2 });
    const plain = await client(server).chat.completions.create(params(b));
    const stream = await client(server).chat.completions.create({
      ...params(b),
      stream: true,
      stream_options: { include_usage: true },
    });
    const chunks = await collect(stream);
    expect(chunks.length).toBeGreaterThan(3);
    expect(chunks[0]!.object).toBe('chat.completion.chunk');
    expect(chunks[0]!.choices[0]!.delta.role).toBe('assistant');
    const text = chunks.map((c) => c.choices[0]?.delta.content ?? '').join('');
    expect(text).toBe(plain.choices[0]!.message.content);
    const last = chunks[chunks.length - 1]!;
    expect(last.choices[0]!.finish_reason).toBe('stop');
    expect(last.usage).toEqual(plain.usage);

    const raw = await fetch(`${server.url}/chat/completions`, {
      method: 'POST',
      headers: { authorization: 'Bearer k1', 'content-type': 'application/json' },
      body: JSON.stringify({ ...params(b), stream: true }),
    });
    expect(raw.headers.get('content-type')).toMatch(/^text\/event-stream/u);
    const lines = (await raw.text()).split('\n').filter((l) => l !== '');
    expect(lines.every((l) => l.startsWith('data: '))).toBe(true);
    expect(lines[lines.length - 1]).toBe('data: [DONE]');
  });

  it('accepts unknown fields such as DeepSeek thinking, and lists models', async () => {
    const server = await start();
    const body = { ...params(brief()), model: 'deepseek-v4-pro', thinking: { type: 'disabled' } };
    const res = await client(server).chat.completions.create(body);
    expect(res.choices[0]!.message.content).toBe(writeReply(brief()));
    const ids = [];
    for await (const m of client(server).models.list()) ids.push(m.id);
    expect(ids).toEqual(expect.arrayContaining(['fake-builtin', 'deepseek-v4-pro']));
  });

  it('answers a bad JSON body with 400 in the OpenAI error shape', async () => {
    const server = await start();
    const res = await fetch(`${server.url}/chat/completions`, {
      method: 'POST',
      headers: { authorization: 'Bearer k1', 'content-type': 'application/json' },
      body: '{"model": "x", "messages": [',
    });
    expect(res.status).toBe(400);
    const json = (await res.json()) as { error: { message: string; type: string } };
    expect(json.error.type).toBe('invalid_request_error');
    expect(json.error.message).toMatch(/JSON/u);
  });
});

describe('fake LLM server: tools', () => {
  it('calls save_temp_lead_data, then answers the tool results with text', async () => {
    const server = await start();
    const b = brief();
    const sdk = client(server);
    const first = await sdk.chat.completions.create(params(b, { tools: TOOLS }));
    const choice = first.choices[0]!;
    expect(choice.finish_reason).toBe('tool_calls');
    const call = choice.message.tool_calls![0]!;
    expect(call.type).toBe('function');
    if (call.type !== 'function') throw new Error('expected a function call');
    expect(call.id).toMatch(/^call_/u);
    expect(call.function.name).toBe('save_temp_lead_data');
    const args = JSON.parse(call.function.arguments) as Record<string, string>;
    expect(args).toMatchObject({ name: 'Carlos López', email: 'carlos@logistica.mx' });
    expect(args['problem']).toMatch(/tiempos de entrega/u);

    const stream = await sdk.chat.completions.create({ ...params(b, { tools: TOOLS }), stream: true });
    let streamedArgs = '';
    let streamedName = '';
    for await (const chunk of stream) {
      const delta = chunk.choices[0]?.delta.tool_calls?.[0];
      streamedName += delta?.function?.name ?? '';
      streamedArgs += delta?.function?.arguments ?? '';
    }
    expect(streamedName).toBe('save_temp_lead_data');
    expect(streamedArgs).toBe(call.function.arguments);

    const followUp = await sdk.chat.completions.create({
      model: 'deepseek-v4-flash',
      tools: TOOLS,
      messages: [
        ...messages(b),
        { role: 'assistant', content: '', tool_calls: [call] },
        { role: 'tool', tool_call_id: call.id, content: '{"saved":["name","email"],"missing":[]}' },
      ],
    });
    expect(followUp.choices[0]!.finish_reason).toBe('stop');
    expect(followUp.choices[0]!.message.tool_calls ?? []).toEqual([]);
    expect(followUp.choices[0]!.message.content).toBe(writeReply(b));
  });

  it('searches the catalog on a price question and cites the first source', async () => {
    const server = await start();
    const text = '¿Cuánto cuestan sus planes para mi equipo?';
    const b = brief({ userText: text, ask: ['name'], newlyCaptured: [] });
    const sdk = client(server);
    const first = await sdk.chat.completions.create({
      model: 'm',
      tools: TOOLS,
      messages: messages(b, text),
    });
    const call = first.choices[0]!.message.tool_calls![0]!;
    if (call.type !== 'function') throw new Error('expected a function call');
    expect(call.function.name).toBe('search_product_catalog');
    expect(JSON.parse(call.function.arguments)).toEqual({ query: text });
    const hits = { hits: [{ title: 'Planes y precios', snippet: '…' }, { title: 'Otro' }] };
    const res = await sdk.chat.completions.create({
      model: 'm',
      tools: TOOLS,
      messages: [
        ...messages(b, text),
        { role: 'assistant', content: null, tool_calls: [call] },
        { role: 'tool', tool_call_id: call.id, content: JSON.stringify(hits) },
      ],
    });
    const reply = res.choices[0]!.message.content ?? '';
    expect(reply).toContain('Fuente: Planes y precios.');
    expect(reply.split(/\n\s*\n/u).length).toBeLessThanOrEqual(2);
    expect(reply).toMatch(/\?$/u);
  });
});

describe('fake LLM server: limits', () => {
  it('answers 429 with Retry-After once the RPM window is full, and frees it as it slides', async () => {
    let now = 1_000_000;
    const server = await start({ keys: { k1: { rpm: 2 } }, now: () => now });
    const sdk = client(server);
    const ok = await sdk.chat.completions.create(params(brief())).withResponse();
    expect(ok.response.headers.get('x-ratelimit-limit-requests')).toBe('2');
    expect(ok.response.headers.get('x-ratelimit-remaining-requests')).toBe('1');
    now += 10_000;
    await sdk.chat.completions.create(params(brief()));
    now += 10_000;
    const error = await sdk.chat.completions.create(params(brief())).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RateLimitError);
    const rate = error as RateLimitError;
    expect(rate.status).toBe(429);
    expect(rate.headers.get('retry-after')).toBe('40');
    expect(rate.headers.get('x-ratelimit-remaining-requests')).toBe('0');
    expect(rate.code).toBe('rate_limit_exceeded');
    expect(rate.type).toBe('rate_limit_error');
    now += 40_000;
    await sdk.chat.completions.create(params(brief()));
    const stats = server.stats();
    expect(stats.keys['k1']).toMatchObject({ requests: 4, accepted: 3, rateLimited: 1 });
    expect(maxInWindow(stats.acceptedLog.keys['k1']!)).toBeLessThanOrEqual(2);
  });

  it('shares a group budget between the keys of the group', async () => {
    const server = await start({
      keys: { a: { group: 'acct' }, b: { group: 'acct' }, c: {} },
      groups: { acct: { rpm: 3 } },
    });
    const results = [];
    for (const key of ['a', 'b', 'a', 'b', 'c']) {
      results.push(
        await client(server, key)
          .chat.completions.create(params(brief()))
          .then(
            () => 'ok',
            (e: unknown) => (e instanceof RateLimitError ? 'limited' : 'other'),
          ),
      );
    }
    expect(results).toEqual(['ok', 'ok', 'ok', 'limited', 'ok']);
    const stats = server.stats();
    expect(stats.groups['acct']).toMatchObject({ accepted: 3, rateLimited: 1 });
    expect(maxInWindow(stats.acceptedLog.groups['acct']!)).toBe(3);
  });

  it('limits tokens per window (limits can change at run time)', async () => {
    const server = await start();
    const sdk = client(server);
    const first = await sdk.chat.completions.create(params(brief()));
    const cost = first.usage!.total_tokens;
    server.setOptions({ keys: { k1: { tpm: Math.ceil(cost * 1.5) } } });
    const error = await sdk.chat.completions.create(params(brief())).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RateLimitError);
    const headers = (error as RateLimitError).headers;
    expect(Number(headers.get('retry-after'))).toBeGreaterThanOrEqual(59);
    expect(headers.get('x-ratelimit-limit-tokens')).toBe(String(Math.ceil(cost * 1.5)));
  });

  it('limits requests in flight', async () => {
    const server = await start({ keys: { k1: { concurrency: 1 } }, latencyMs: 200 });
    const sdk = client(server);
    const outcomes = await Promise.allSettled([
      sdk.chat.completions.create(params(brief())),
      sdk.chat.completions.create(params(brief())),
    ]);
    const rejected = outcomes.filter((o) => o.status === 'rejected');
    expect(rejected).toHaveLength(1);
    expect((rejected[0] as PromiseRejectedResult).reason).toBeInstanceOf(RateLimitError);
    expect(server.stats().keys['k1']).toMatchObject({ inFlightMax: 1, inFlight: 0 });
  });

  it('answers 401 to an unknown or missing key', async () => {
    const server = await start();
    const error = await client(server, 'nope')
      .chat.completions.create(params(brief()))
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AuthenticationError);
    expect((error as AuthenticationError).code).toBe('invalid_api_key');
    const raw = await fetch(`${server.url}/chat/completions`, { method: 'POST', body: '{}' });
    expect(raw.status).toBe(401);
    expect(await raw.json()).toMatchObject({
      error: { type: 'invalid_request_error', code: 'invalid_api_key' },
    });
    expect(server.stats().unauthorized).toBe(2);
  });
});

describe('fake LLM server: faults', () => {
  const faulty = () =>
    start({
      keys: {
        e500: { fault: 'http_500' },
        hang: { fault: 'hang' },
        json: { fault: 'invalid_json' },
        tool: { fault: 'unknown_tool' },
        args: { fault: 'bad_tool_args' },
        schema: { fault: 'schema_tool_args' },
        empty: { fault: 'empty' },
      },
    });

  it('http_500 surfaces as InternalServerError', async () => {
    const server = await faulty();
    const error = await client(server, 'e500')
      .chat.completions.create(params(brief()))
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InternalServerError);
    expect((error as InternalServerError).status).toBe(500);
  });

  it('invalid_json breaks parsing, streamed or not', async () => {
    const server = await faulty();
    const sdk = client(server, 'json');
    await expect(sdk.chat.completions.create(params(brief()))).rejects.toThrow();
    const stream = await sdk.chat.completions.create({ ...params(brief()), stream: true });
    await expect(collect(stream)).rejects.toThrow();
  });

  it('unknown_tool, bad_tool_args, schema_tool_args and empty answer as documented', async () => {
    const server = await faulty();
    const ask = async (key: string) =>
      (await client(server, key).chat.completions.create(params(brief(), { tools: TOOLS }))).choices[0]!;
    const fn = (choice: Awaited<ReturnType<typeof ask>>) => {
      const call = choice.message.tool_calls?.[0];
      if (call?.type !== 'function') throw new Error('expected a function call');
      return call.function;
    };
    const offered = TOOLS.map((t) => (t.type === 'function' ? t.function.name : ''));
    expect(offered).not.toContain(fn(await ask('tool')).name);
    const bad = fn(await ask('args'));
    expect(offered).toContain(bad.name);
    expect(() => JSON.parse(bad.arguments) as unknown).toThrow();
    const schema = JSON.parse(fn(await ask('schema')).arguments) as Record<string, unknown>;
    expect(typeof schema['name']).not.toBe('string');
    const empty = await ask('empty');
    expect(empty.message.content).toBe('');
    expect(empty.message.tool_calls ?? []).toEqual([]);
  });

  it('hang ends cleanly when the client aborts, and close() drops hanging requests', async () => {
    const server = await faulty();
    const controller = new AbortController();
    const pending = client(server, 'hang').chat.completions.create(params(brief()), {
      signal: controller.signal,
    });
    setTimeout(() => controller.abort(), 100);
    await expect(pending).rejects.toBeInstanceOf(APIUserAbortError);
    await expect.poll(() => server.stats().keys['hang']!.inFlight).toBe(0);
    expect(server.stats().keys['hang']!.inFlightMax).toBe(1);

    const orphan = client(server, 'hang').chat.completions.create(params(brief()));
    const settled = orphan.then(
      () => 'answered',
      () => 'dropped',
    );
    await expect.poll(() => server.stats().keys['hang']!.inFlight).toBe(1);
    await server.close();
    expect(await settled).toBe('dropped');
  });

  it('stops waiting out the latency when the client goes away', async () => {
    const server = await start({ latencyMs: 10_000 });
    const controller = new AbortController();
    const pending = client(server).chat.completions.create(params(brief()), { signal: controller.signal });
    await expect.poll(() => server.stats().keys['k1']!.inFlight).toBe(1);
    controller.abort();
    await expect(pending).rejects.toBeInstanceOf(APIUserAbortError);
    await expect.poll(() => server.stats().keys['k1']!.inFlight).toBe(0);
  });
});
