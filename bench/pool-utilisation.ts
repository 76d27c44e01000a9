/**
 * Section 2: KeyPool utilisation. Keys with known RPM limits on the fake server get Poisson demand
 * at twice the sum of their limits, spread over many conversations (some urgent), for at least one
 * rate window. Client A borrows keys from leadbot's `KeyPool` (configured with the same limits);
 * client B is a naive round-robin that knows nothing of budgets. Each client has its own fake
 * server, and every scenario runs at the same time, so the section costs one phase of wall time.
 */
import OpenAI from 'openai';
import { retryAfterMs } from '../src/adapters/openai-model.ts';
import { maxInWindow, startFakeLlmServer, type FakeLlmServer } from '../src/fake-llm/server.ts';
import type { LimitBudget } from '../src/fake-llm/types.ts';
import { systemClock } from '../src/ports/clock.ts';
import { KeyPool, type KeySpec } from '../src/runtime/key-pool.ts';
import { exponential, prng, round, sleep } from './stats.ts';

/** One key of a scenario: its name, secret, rpm and optional limit group. */
interface ScenarioKey {
  id: string;
  rpm: number;
  group?: string;
}

/** A set of keys (and groups) with known limits. */
export interface Scenario {
  name: string;
  keys: ScenarioKey[];
  groups?: Record<string, { rpm: number }>;
}

export const SCENARIOS: Scenario[] = [
  {
    name: '3 keys (30+30+60 rpm)',
    keys: [
      { id: 'k1', rpm: 30 },
      { id: 'k2', rpm: 30 },
      { id: 'k3', rpm: 60 },
    ],
  },
  {
    name: '3 keys, 2 in one group (g1: 60+60 rpm, group 60; k3: 40 rpm)',
    keys: [
      { id: 'g1a', rpm: 60, group: 'g1' },
      { id: 'g1b', rpm: 60, group: 'g1' },
      { id: 'k3', rpm: 40 },
    ],
    groups: { g1: { rpm: 60 } },
  },
];

export interface UtilisationOptions {
  /** Rate window of the fake server (and of the pool), ms. */
  windowMs: number;
  /** Demand before the measured window starts, ms. */
  warmupMs: number;
  /** Measured window length, ms (a whole number of rate windows). */
  measureMs: number;
  /** Demand as a multiple of the sum of limits. */
  demandFactor: number;
  /** Deadline of one `acquire`, ms. */
  deadlineMs: number;
  /** Fake server latency, ms. */
  latencyMs: number;
  seed: number;
}

type ClientKind = 'pool' | 'round-robin';

/** What one client achieved in one scenario. */
export interface ClientResult {
  scenario: string;
  client: ClientKind;
  /** Sum of the effective limits (per window), groups applied. */
  sumLimitsPerWindow: number;
  /** Capacity in the measured window: sum of limits × measured windows. */
  capacity: number;
  /** Requests the provider accepted with timestamps inside the measured window. */
  servedInWindow: number;
  /** servedInWindow / capacity. */
  utilisation: number;
  /** Demand sent during the whole phase (prospect messages). */
  requests: number;
  /** Requests answered by the provider (whole phase). */
  served: number;
  /** HTTP 429 answers the provider sent (client side count). */
  provider429: number;
  /** HTTP 429 answers the fake server counted (cross-check). */
  server429: number;
  /** Requests whose last attempt got a 429: the prospect would see an error. */
  prospect429: number;
  /** Requests the pool answered `undefined` for: the built-in model answers instead. */
  fallbacks: number;
  urgentRequests: number;
  urgentFallbacks: number;
  /** Other failures (should be 0). */
  errors: number;
  /** Most requests the fake server accepted in any window, per key and per group, with the limit. */
  maxInWindow: Record<string, { max: number; limit: number }>;
  /** Every scope's max ≤ its limit. */
  withinLimits: boolean;
}

interface Counters {
  requests: number;
  served: number;
  provider429: number;
  prospect429: number;
  fallbacks: number;
  urgentRequests: number;
  urgentFallbacks: number;
  errors: number;
}

const secretOf = (keyId: string): string => `sk-bench-${keyId}-secret`;

/** Effective sum of limits: a group caps the keys in it. */
function sumLimits(scenario: Scenario): number {
  let sum = 0;
  const groupSums = new Map<string, number>();
  for (const key of scenario.keys) {
    if (key.group === undefined) sum += key.rpm;
    else groupSums.set(key.group, (groupSums.get(key.group) ?? 0) + key.rpm);
  }
  for (const [group, keysSum] of groupSums)
    sum += Math.min(keysSum, scenario.groups?.[group]?.rpm ?? keysSum);
  return sum;
}

function fakeOptions(scenario: Scenario, options: UtilisationOptions) {
  const keys: Record<string, { rpm: number; group?: string }> = {};
  for (const key of scenario.keys)
    keys[secretOf(key.id)] = key.group === undefined ? { rpm: key.rpm } : { rpm: key.rpm, group: key.group };
  const groups: Record<string, LimitBudget> = { ...scenario.groups };
  return { keys, groups, latencyMs: options.latencyMs, windowMs: options.windowMs };
}

/** One request's body: a system prompt of leadbot's size and one user message. */
function body(text: string): OpenAI.Chat.ChatCompletionCreateParamsNonStreaming {
  return {
    model: 'fake-builtin',
    messages: [
      { role: 'system', content: 'Eres el asistente de ventas. '.repeat(40) },
      { role: 'user', content: text },
    ],
    max_tokens: 200,
  };
}

function clients(url: string, scenario: Scenario): Map<string, OpenAI> {
  const map = new Map<string, OpenAI>();
  for (const key of scenario.keys)
    map.set(secretOf(key.id), new OpenAI({ apiKey: secretOf(key.id), baseURL: url, maxRetries: 0 }));
  return map;
}

async function warm(sdk: Map<string, OpenAI>): Promise<void> {
  for (const client of sdk.values()) await client.models.list();
}

/** Client A: leadbot's KeyPool decides which key, and when; on a 429 it cools the key and retries once. */
function poolClient(scenario: Scenario, url: string, options: UtilisationOptions) {
  const keys: KeySpec[] = scenario.keys.map((k) => ({
    id: k.id,
    secret: secretOf(k.id),
    rpm: k.rpm,
    ...(k.group === undefined ? {} : { group: k.group }),
  }));
  const pool = new KeyPool({
    keys,
    groups: scenario.groups ?? {},
    clock: systemClock,
    // The pool counts a 60 s window plus a margin; with a shorter fake window (--quick) the
    // margin shrinks so the window matches, keeping the margin's share (1/60) of the real one.
    windowMarginMs: options.windowMs - 60_000 + Math.round(options.windowMs / 60),
    deadlineMs: options.deadlineMs,
  });
  const sdk = clients(url, scenario);
  const send = async (conversationId: string, priority: number, text: string, c: Counters) => {
    for (let attempt = 1; attempt <= 2; attempt++) {
      const lease = await pool.acquire(conversationId, { estimatedTokens: 400, priority });
      if (!lease) {
        c.fallbacks++;
        if (priority > 5) c.urgentFallbacks++;
        return;
      }
      try {
        const res = await sdk.get(lease.secret)!.chat.completions.create(body(text));
        lease.release({ totalTokens: res.usage?.total_tokens ?? 0 });
        c.served++;
        return;
      } catch (error) {
        if (error instanceof OpenAI.RateLimitError) {
          c.provider429++;
          lease.rateLimited(retryAfterMs(error.headers));
          continue;
        }
        lease.failed();
        c.errors++;
        return;
      }
    }
    c.prospect429++;
  };
  return { send, warm: () => warm(sdk), close: () => pool.close() };
}

/**
 * Client B: round-robin over the keys, no budget awareness. On a 429 it retries once, at once, on
 * the next key (honouring no Retry-After); a second 429 reaches the prospect. No fallback.
 */
function roundRobinClient(scenario: Scenario, url: string) {
  const sdk = clients(url, scenario);
  const secrets = scenario.keys.map((k) => secretOf(k.id));
  let next = 0;
  const send = async (_conversationId: string, _priority: number, text: string, c: Counters) => {
    for (let attempt = 1; attempt <= 2; attempt++) {
      const secret = secrets[next++ % secrets.length]!;
      try {
        await sdk.get(secret)!.chat.completions.create(body(text));
        c.served++;
        return;
      } catch (error) {
        if (error instanceof OpenAI.RateLimitError) {
          c.provider429++;
          continue;
        }
        c.errors++;
        return;
      }
    }
    c.prospect429++;
  };
  return { send, warm: () => warm(sdk), close: () => Promise.resolve() };
}

/** Drives one client with the scenario's seeded demand; resolves once every request settled. */
async function drive(
  scenario: Scenario,
  kind: ClientKind,
  options: UtilisationOptions,
  startAt: number,
): Promise<{ counters: Counters; fake: FakeLlmServer; windowStart: number; windowEnd: number }> {
  const fake = await startFakeLlmServer(fakeOptions(scenario, options));
  const client =
    kind === 'pool' ? poolClient(scenario, fake.url, options) : roundRobinClient(scenario, fake.url);
  const counters: Counters = {
    requests: 0,
    served: 0,
    provider429: 0,
    prospect429: 0,
    fallbacks: 0,
    urgentRequests: 0,
    urgentFallbacks: 0,
    errors: 0,
  };
  // Same seed for both clients of a scenario: they face the very same demand.
  const random = prng(options.seed);
  const ratePerMs = (options.demandFactor * sumLimits(scenario)) / options.windowMs;
  const conversations = 400;
  const phaseMs = options.warmupMs + options.measureMs;
  const inFlight = new Set<Promise<void>>();
  // First requests of a new SDK client are slow (lazy loading, connect): warm them up outside the
  // rate limits (`GET /models` is not counted), so the pool's margin is not eaten by a cold start.
  await client.warm();
  await sleep(Math.max(0, startAt - Date.now()));
  const start = Date.now();
  let offset = exponential(random, ratePerMs);
  let n = 0;
  while (offset < phaseMs) {
    const wait = start + offset - Date.now();
    if (wait > 0) await sleep(wait);
    const conversationId = `conv-${Math.floor(random() * conversations)}`;
    const urgent = random() < 0.1;
    counters.requests++;
    if (urgent) counters.urgentRequests++;
    const p = client.send(conversationId, urgent ? 9 : 5, `Hola, mensaje ${n++}`, counters);
    inFlight.add(p);
    void p.finally(() => inFlight.delete(p));
    offset += exponential(random, ratePerMs);
  }
  await Promise.all([...inFlight]);
  await client.close();
  return { counters, fake, windowStart: start + options.warmupMs, windowEnd: start + phaseMs };
}

function summarise(
  scenario: Scenario,
  kind: ClientKind,
  options: UtilisationOptions,
  run: { counters: Counters; fake: FakeLlmServer; windowStart: number; windowEnd: number },
): ClientResult {
  const stats = run.fake.stats();
  const inWindow = (t: number) => t >= run.windowStart && t < run.windowEnd;
  let servedInWindow = 0;
  let server429 = 0;
  const maxes: Record<string, { max: number; limit: number }> = {};
  for (const key of scenario.keys) {
    const log = stats.acceptedLog.keys[secretOf(key.id)] ?? [];
    servedInWindow += log.filter(inWindow).length;
    server429 += stats.keys[secretOf(key.id)]?.rateLimited ?? 0;
    maxes[key.id] = { max: maxInWindow(log, options.windowMs), limit: key.rpm };
  }
  for (const [group, limits] of Object.entries(scenario.groups ?? {})) {
    maxes[`group ${group}`] = {
      max: maxInWindow(stats.acceptedLog.groups[group] ?? [], options.windowMs),
      limit: limits.rpm,
    };
  }
  const perWindow = sumLimits(scenario);
  const capacity = perWindow * (options.measureMs / options.windowMs);
  return {
    scenario: scenario.name,
    client: kind,
    sumLimitsPerWindow: perWindow,
    capacity,
    servedInWindow,
    utilisation: round(servedInWindow / capacity, 4),
    ...run.counters,
    server429,
    maxInWindow: maxes,
    withinLimits: Object.values(maxes).every((m) => m.max <= m.limit),
  };
}

/** Runs every scenario with both clients at once; resolves with one result per pair. */
export async function runUtilisation(options: UtilisationOptions): Promise<ClientResult[]> {
  const startAt = Date.now() + 1_500;
  const jobs = SCENARIOS.flatMap((scenario) =>
    (['pool', 'round-robin'] as const).map(async (kind) => {
      const run = await drive(scenario, kind, options, startAt);
      try {
        return summarise(scenario, kind, options, run);
      } finally {
        await run.fake.close();
      }
    }),
  );
  return Promise.all(jobs);
}
