/**
 * Section 2: the KeyPool against provider limit models. Each scenario is a fake server (its own
 * port) counting limits as a real provider does — a per-second token bucket (`quantised`, as OpenAI
 * documents), the same without any rate-limit header, a sliding 60 s window, and a server whose
 * real limit is 5× below what the client is configured with — and each client talks to its own copy
 * through leadbot's `OpenAIChatModel` over HTTP; only the `LeasePool` behind it differs:
 *
 * - `pool`: leadbot's KeyPool as `createKeys` builds it from a config + `leasePool(...)`;
 * - `round-robin`: the next key for every request, budgets ignored;
 * - `cooldown`: a LiteLLM-like router (least busy key, a 429 benches the key until Retry-After).
 *
 * Demand is Poisson at `demandFactor` × the summed real budget, over conversations that send a
 * turn every few seconds (a few urgent); a low-demand run (pool only) checks that conversations
 * stay on their first key and what a lease costs. Every run starts at once: the section costs one
 * phase of wall time. Figures come from the server where they can (accepted, 429s, max per 1 s and
 * 60 s per key) and from the client otherwise (fallbacks, visible errors, turn latency).
 */
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import { ModelUnavailableError, OpenAIChatModel } from '../src/adapters/openai-model.ts';
import { createKeys } from '../src/composition/keys.ts';
import { leasePool } from '../src/composition/lease-pool.ts';
import { loadConfig } from '../src/config/load.ts';
import { bucketCapacity } from '../src/fake-llm/meters.ts';
import { FAKE_MODEL, maxInWindow, startFakeLlmServer, type FakeLlmServer } from '../src/fake-llm/server.ts';
import type { LimitModel } from '../src/fake-llm/types.ts';
import type { ChatRequest, LeasePool } from '../src/ports/chat-model.ts';
import { systemClock } from '../src/ports/clock.ts';
import { PRIORITY, type TurnBrief } from '../src/protocol/index.ts';
import { cooldownPool, emptyLeaseLog, recording, roundRobinPool, type LeaseLog } from './lease-policies.ts';
import { exponential, nowMs, percentile, prng, round, sleep, summarize, type Summary } from './stats.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const silent = pino({ level: 'silent' });

/** How one fake server counts, and what the pool is told. */
export interface Scenario {
  id: string;
  name: string;
  limitModel: LimitModel;
  rateLimitHeaders: boolean;
  /** The pool is configured with `rpm × configuredFactor` per key (1: told the truth). */
  configuredFactor: number;
}

export const SCENARIOS: Scenario[] = [
  {
    id: 'quantised',
    name: 'quantised (bucket of rpm/60 per s), headers',
    limitModel: 'quantised',
    rateLimitHeaders: true,
    configuredFactor: 1,
  },
  {
    id: 'quantised-silent',
    name: 'quantised, no headers (no Retry-After)',
    limitModel: 'quantised',
    rateLimitHeaders: false,
    configuredFactor: 1,
  },
  {
    id: 'window',
    name: 'sliding 60 s window, headers',
    limitModel: 'window',
    rateLimitHeaders: true,
    configuredFactor: 1,
  },
  {
    id: 'overconfigured',
    name: 'quantised, headers; pool configured 5× too high',
    limitModel: 'quantised',
    rateLimitHeaders: true,
    configuredFactor: 5,
  },
];

export interface UtilisationOptions {
  /** Length of the demand phase, ms. */
  phaseMs: number;
  /** Demand as a multiple of the summed real budget of the phase. */
  demandFactor: number;
  /** Demand of the low-demand run (pool only), same unit; at most 0.7. */
  lowDemandFactor: number;
  keys: number;
  /** Real requests per minute of each key (what the server enforces). */
  rpm: number;
  /** Fake server latency, ms. */
  latencyMs: number;
  /** Mean time between two turns of one conversation, ms. */
  turnGapMs: number;
  /** Share of conversations that are urgent (priority 9). */
  urgentShare: number;
  seed: number;
}

export type ClientKind = 'pool' | 'round-robin' | 'cooldown';
export const CLIENTS: readonly ClientKind[] = ['pool', 'round-robin', 'cooldown'];

/** Server-side figures of one key. */
export interface KeyFigures {
  accepted: number;
  rateLimited: number;
  /** Most requests accepted in any 1 s and any 60 s (whole run). */
  max1s: number;
  max60s: number;
}

/** What one client achieved against one scenario. */
export interface ClientResult {
  scenario: string;
  scenarioId: string;
  client: ClientKind;
  demand: 'high' | 'low';
  demandFactor: number;
  phaseMs: number;
  /** rpm the client was configured with per key (the server enforces `rpm`). */
  configuredRpm: number;
  /** Σ over keys of rpm × phase: the real budget of the phase (the denominator of `served`). */
  budget: number;
  /**
   * Σ over keys of the most the server accepts in the phase from a cold start: a bucket's burst
   * more for `quantised`; up to a whole minute at once for `window` (more than `budget` when the
   * phase is shorter than a minute).
   */
  coldCapacity: number;
  /** Requests the server accepted during the phase. */
  accepted: number;
  /** accepted / budget. */
  served: number;
  /** Requests the server saw (every attempt, 429s included) and the 429s it sent. */
  requestsSent: number;
  provider429: number;
  /** provider429 / requestsSent. */
  rate429: number;
  perKey: Record<string, KeyFigures>;
  /** Most a key may take in any 1 s and 60 s under the scenario's model. */
  keyLimit1s: number;
  keyLimit60s: number;
  conversations: number;
  turns: number;
  urgentTurns: number;
  /** Turns the provider answered. */
  answered: number;
  /** `ModelUnavailableError`: the built-in model answers; the prospect sees a reply. */
  fallbacks: number;
  urgentFallbacks: number;
  /** Anything else `complete` threw: the prospect would see it. */
  visibleErrors: number;
  visibleErrorSamples: string[];
  /** One `complete` call, ms (whatever its outcome). */
  turnMs: Summary;
  turnP95Ms: number;
  /** Time each `acquire` took, ms. */
  leaseWaitMs: Summary;
  /** Conversations whose leases got more than one key. */
  keyChanges: number;
  /** Event-loop delay of the bench process over the section (all runs share it), ms. */
  loopDelayMs: { p50: number; p99: number; max: number };
}

interface Run {
  scenario: Scenario;
  client: ClientKind;
  demand: 'high' | 'low';
  demandFactor: number;
}

const secretOf = (run: Run, i: number) => `sk-bench-${run.scenario.id}-${run.client}-${run.demand}-k${i + 1}`;
const keyIds = (options: UtilisationOptions) => Array.from({ length: options.keys }, (_, i) => `k${i + 1}`);

/** The most one key's server accepts in [start, end) from a cold start, under `model`. */
export function keyCapacity(model: LimitModel, rpm: number, start: number, end: number): number {
  const minute = 60_000;
  if (model === 'quantised') return bucketCapacity(rpm) + (rpm * (end - start)) / minute;
  if (model === 'fixed-window')
    return rpm * (Math.floor((end - 1) / minute) - Math.floor(start / minute) + 1);
  return rpm * Math.ceil((end - start) / minute);
}

/** leadbot's real path: a config, `createKeys` (the KeyPool) and `leasePool`, as main.ts wires them. */
function leadbotPool(run: Run, url: string, options: UtilisationOptions) {
  const keys = keyIds(options)
    .map((id, i) => `${id}=${secretOf(run, i)}`)
    .join(',');
  const config = loadConfig({
    cwd: ROOT,
    env: {
      // Only the config is loaded (nothing is written): the pool needs no data folder.
      LEADBOT_DATA_DIR: join(tmpdir(), 'leadbot-bench-pool'),
      LEADBOT_ADMIN_TOKEN: 'bench-admin-token',
      LEADBOT_LOG_LEVEL: 'silent',
      LEADBOT_LLM_KEYS: keys,
      LEADBOT_LLM_BASE_URL: url,
      LEADBOT_LLM_MODEL: FAKE_MODEL,
      LEADBOT_LLM_RPM: String(options.rpm * run.scenario.configuredFactor),
    },
  });
  const created = createKeys(config, systemClock, silent);
  if (!created.pool) throw new Error('createKeys built no pool from LEADBOT_LLM_KEYS');
  const pool = leasePool(created.pool, silent, undefined, created.hooks);
  return { pool, timeoutMs: config.conversation.modelTimeoutMs, close: () => created.close?.() };
}

function leases(run: Run, url: string, options: UtilisationOptions) {
  if (run.client === 'pool') return leadbotPool(run, url, options);
  const plain = keyIds(options).map((id, i) => ({ id, secret: secretOf(run, i) }));
  const pool: LeasePool = run.client === 'round-robin' ? roundRobinPool(plain) : cooldownPool(plain);
  // The same per-request timeout leadbot's config gives the adapter.
  return { pool, timeoutMs: 12_000, close: () => undefined };
}

function brief(turn: number, text: string, urgent: boolean): TurnBrief {
  return {
    tenantId: 'demo',
    companyName: 'RutaViva',
    botName: 'Vivi',
    language: 'es',
    phase: 'capture',
    intent: 'ask_fields',
    turn,
    lead: { problem: { value: 'mejorar los tiempos de entrega', turn: 1 } },
    ask: ['name', 'email'],
    newlyCaptured: [],
    urgency: urgent ? 'Alto' : 'Medio',
    userText: text,
  };
}

interface Tally {
  turns: number;
  urgentTurns: number;
  answered: number;
  fallbacks: number;
  urgentFallbacks: number;
  visibleErrors: number;
  visibleErrorSamples: string[];
  turnMs: number[];
}

/** One prospect turn through `OpenAIChatModel.complete`, classified by what the prospect would see. */
async function turn(model: OpenAIChatModel, request: ChatRequest, timeoutMs: number, t: Tally) {
  const urgent = request.priority === PRIORITY.urgent;
  t.turns++;
  if (urgent) t.urgentTurns++;
  const t0 = nowMs();
  try {
    await model.complete(request, AbortSignal.timeout(timeoutMs));
    t.answered++;
  } catch (error) {
    if (error instanceof ModelUnavailableError) {
      t.fallbacks++;
      if (urgent) t.urgentFallbacks++;
    } else {
      t.visibleErrors++;
      if (t.visibleErrorSamples.length < 3)
        t.visibleErrorSamples.push(
          error instanceof Error ? `${error.name}: ${error.message}` : String(error),
        );
    }
  } finally {
    t.turnMs.push(nowMs() - t0);
  }
}

interface Driven {
  fake: FakeLlmServer;
  tally: Tally;
  log: LeaseLog;
  conversations: number;
  start: number;
  end: number;
  budget: number;
  coldCapacity: number;
}

/** Drives one client against its own fake server for one phase; resolves once every turn settled. */
async function drive(run: Run, options: UtilisationOptions, startAt: number): Promise<Driven> {
  const secrets = keyIds(options).map((_, i) => secretOf(run, i));
  const fake = await startFakeLlmServer({
    keys: Object.fromEntries(secrets.map((s) => [s, { rpm: options.rpm }])),
    latencyMs: options.latencyMs,
    limitModel: run.scenario.limitModel,
    rateLimitHeaders: run.scenario.rateLimitHeaders,
  });
  const lent = leases(run, fake.url, options);
  const log = emptyLeaseLog();
  const model = new OpenAIChatModel({
    baseURL: fake.url,
    model: FAKE_MODEL,
    pool: recording(lent.pool, log),
    log: silent,
    thinking: undefined,
    timeoutMs: lent.timeoutMs,
  });
  const tally: Tally = {
    turns: 0,
    urgentTurns: 0,
    answered: 0,
    fallbacks: 0,
    urgentFallbacks: 0,
    visibleErrors: 0,
    visibleErrorSamples: [],
    turnMs: [],
  };
  await sleep(Math.max(0, startAt - Date.now()));
  const start = Date.now();
  const end = start + options.phaseMs;
  const budget = (options.keys * options.rpm * options.phaseMs) / 60_000;
  const coldCapacity = options.keys * keyCapacity(run.scenario.limitModel, options.rpm, start, end);
  const ratePerMs = (run.demandFactor * budget) / options.phaseMs;
  const conversations = Math.max(options.keys, Math.round(ratePerMs * options.turnGapMs));
  const urgentCount = Math.max(1, Math.round(conversations * options.urgentShare));
  // The same seed for every client of a scenario: they face the very same demand.
  const random = prng(options.seed);
  const turnsOf = new Map<number, number>();
  const pending = new Set<Promise<void>>();
  for (let offset = exponential(random, ratePerMs); offset < options.phaseMs;) {
    const wait = start + offset - Date.now();
    if (wait > 0) await sleep(wait);
    const c = Math.floor(random() * conversations);
    const n = (turnsOf.get(c) ?? 0) + 1;
    turnsOf.set(c, n);
    const urgent = c < urgentCount;
    const text = `Hola, soy el prospecto ${c}, mensaje ${n}: necesito mejorar los tiempos de entrega`;
    const request: ChatRequest = {
      brief: brief(n, text, urgent),
      conversationId: `demo:rest:bench-${c}`,
      priority: urgent ? PRIORITY.urgent : PRIORITY.normal,
      messages: [{ role: 'user', content: text }],
      tools: [],
      temperature: 0.3,
      maxTokens: 400,
    };
    const p = turn(model, request, lent.timeoutMs, tally);
    pending.add(p);
    void p.finally(() => pending.delete(p));
    offset += exponential(random, ratePerMs);
  }
  await Promise.all([...pending]);
  await lent.close();
  return { fake, tally, log, conversations, start, end, budget, coldCapacity };
}

function summarise(run: Run, options: UtilisationOptions, d: Driven): Omit<ClientResult, 'loopDelayMs'> {
  const stats = d.fake.stats();
  const perKey: Record<string, KeyFigures> = {};
  let accepted = 0;
  let requestsSent = 0;
  let provider429 = 0;
  for (const [i, id] of keyIds(options).entries()) {
    const secret = secretOf(run, i);
    const log = stats.acceptedLog.keys[secret] ?? [];
    const s = stats.keys[secret];
    accepted += log.filter((t) => t >= d.start && t < d.end).length;
    requestsSent += s?.requests ?? 0;
    provider429 += s?.rateLimited ?? 0;
    perKey[id] = {
      accepted: s?.accepted ?? 0,
      rateLimited: s?.rateLimited ?? 0,
      max1s: maxInWindow(log, 1000),
      max60s: maxInWindow(log, 60_000),
    };
  }
  const quantised = run.scenario.limitModel === 'quantised';
  const sorted = [...d.tally.turnMs].sort((a, b) => a - b);
  const { turnMs, ...counts } = d.tally;
  return {
    scenario: run.scenario.name,
    scenarioId: run.scenario.id,
    client: run.client,
    demand: run.demand,
    demandFactor: run.demandFactor,
    phaseMs: options.phaseMs,
    configuredRpm: options.rpm * run.scenario.configuredFactor,
    budget: round(d.budget, 1),
    coldCapacity: round(d.coldCapacity, 1),
    accepted,
    served: round(accepted / d.budget, 4),
    requestsSent,
    provider429,
    rate429: requestsSent ? round(provider429 / requestsSent, 4) : 0,
    perKey,
    keyLimit1s: quantised ? bucketCapacity(options.rpm) + options.rpm / 60 : options.rpm,
    keyLimit60s: quantised ? bucketCapacity(options.rpm) + options.rpm : options.rpm,
    conversations: d.conversations,
    ...counts,
    turnMs: summarize(turnMs),
    turnP95Ms: round(percentile(sorted, 95), 1),
    leaseWaitMs: summarize(d.log.waitsMs),
    keyChanges: [...d.log.keysOf.values()].filter((k) => k.length > 1).length,
  };
}

/** A few turns on a throwaway server first: the SDK's and the adapter's first calls are slow. */
async function warmUp(): Promise<void> {
  const fake = await startFakeLlmServer({ keys: { 'sk-bench-warm': {} } });
  try {
    const model = new OpenAIChatModel({
      baseURL: fake.url,
      model: FAKE_MODEL,
      pool: roundRobinPool([{ id: 'warm', secret: 'sk-bench-warm' }]),
      log: silent,
      thinking: undefined,
      timeoutMs: 5000,
    });
    for (let i = 1; i <= 5; i++) {
      const text = `Hola ${i}`;
      const request = { brief: brief(i, text, false), messages: [{ role: 'user' as const, content: text }] };
      await model.complete(
        { ...request, tools: [], temperature: 0.3, maxTokens: 400 },
        AbortSignal.timeout(5000),
      );
    }
  } finally {
    await fake.close();
  }
}

/** Every scenario × client at high demand, plus the pool at low demand, all at once. */
export async function runUtilisation(options: UtilisationOptions): Promise<ClientResult[]> {
  await warmUp();
  const runs: Run[] = SCENARIOS.flatMap((scenario) =>
    CLIENTS.map((client) => ({
      scenario,
      client,
      demand: 'high' as const,
      demandFactor: options.demandFactor,
    })),
  );
  runs.push({
    scenario: SCENARIOS[0]!,
    client: 'pool',
    demand: 'low',
    demandFactor: Math.min(0.7, options.lowDemandFactor),
  });
  const startAt = Date.now() + 1_500;
  // Every server and client shares this process: a late timer skews them all, so it is reported.
  const loop = monitorEventLoopDelay({ resolution: 10 });
  loop.enable();
  const driven = await Promise.all(runs.map((run) => drive(run, options, startAt)));
  loop.disable();
  const loopDelayMs = {
    p50: round(loop.percentile(50) / 1e6, 1),
    p99: round(loop.percentile(99) / 1e6, 1),
    max: round(loop.max / 1e6, 1),
  };
  try {
    return runs.map((run, i) => ({ ...summarise(run, options, driven[i]!), loopDelayMs }));
  } finally {
    await Promise.all(driven.map((d) => d.fake.close()));
  }
}
