/**
 * Section 4: the actor runtime. Memory per live idle conversation (heap delta over N actors after a
 * turn each), a run with many conversations of which 1% stay active (heap after passivation follows
 * the active set), crash-to-ready of a restarted actor, and rehydration of a passivated one from a
 * real LMDB snapshot. Effects are instant fakes so the figures are the runtime's own.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { fromPromise } from 'xstate';
import {
  conversationMachine,
  type AnalyseInput,
  type AnalyseOutput,
  type DeliverInput,
  type DeliverOutput,
  type ReplyRequest,
  type ThinkOutput,
} from '../machines/conversation-machine.ts';
import { LmdbStore } from '../src/adapters/lmdb-store.ts';
import { createLogger } from '../src/logger.ts';
import type { Bus } from '../src/ports/bus.ts';
import type { Clock } from '../src/ports/clock.ts';
import type { ConversationRecord, Store } from '../src/ports/store.ts';
import type { InboundMessage, MessageAnalysis } from '../src/protocol/index.ts';
import { ConversationSupervisor } from '../src/runtime/supervisor.ts';
import { round, summarize, type Summary } from './stats.ts';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

export interface ActorsOptions {
  /** Live idle actor counts to measure heap per actor at. */
  sizes: number[];
  /** Conversations in the 1%-active run. */
  total: number;
  activeShare: number;
  restarts: number;
  rehydrations: number;
}

export interface ActorsResult {
  perActorBytes: { actors: number; bytes: number }[];
  activeRun: {
    total: number;
    active: number;
    heapAllLiveMb: number;
    heapAfterPassivationMb: number;
    baselineMb: number;
    liveAfter: number;
    /** Heap above baseline after passivation / active actors × per-actor bytes. */
    heapPerActiveActorBytes: number;
  };
  crashToReadyMs: Summary;
  restartLost: number;
  rehydrateMs: Summary;
}

const log = createLogger({ level: 'silent', content: false, pretty: false, nodeId: 'bench' });

const ANALYSIS: MessageAnalysis = {
  language: 'es',
  languageConfidence: 0.9,
  fields: {},
  urgency: 0,
  sentiment: 0,
  spamScore: 0,
  buyingSignals: 0.5,
  greetingOnly: false,
  farewell: false,
  wantsHuman: false,
  need: 'cotizar rastreo para su flota',
};

function machine(failing: Set<string>) {
  return conversationMachine.provide({
    actors: {
      analyse: fromPromise<AnalyseOutput, AnalyseInput>(({ input }) =>
        Promise.resolve({
          analysis: { ...ANALYSIS, fields: input.text.includes('@') ? { email: input.text } : {} },
          problemSummary: 'Cotizar rastreo para su flota de camiones.',
        }),
      ),
      think: fromPromise<ThinkOutput, ReplyRequest>(({ input }) => {
        if (failing.delete(`${input.conversationId}#${input.turn}`))
          return Promise.reject(new Error('injected'));
        return Promise.resolve({ text: 'Entendido. ¿Me podría decir su nombre y correo?' });
      }),
      deliverLead: fromPromise<DeliverOutput, DeliverInput>(() =>
        Promise.resolve({ leadId: 'lead_x', reference: 'RV-1' }),
      ),
    },
  });
}

/** A store that keeps nothing (heap runs measure the runtime, not a store). */
class NullStore implements Store {
  getConversation(): Promise<ConversationRecord | undefined> {
    return Promise.resolve(undefined);
  }
  saveTurn(): Promise<void> {
    return Promise.resolve();
  }
  getHistory() {
    return Promise.resolve([]);
  }
  putLead(): Promise<void> {
    return Promise.resolve();
  }
  getLead() {
    return Promise.resolve(undefined);
  }
  listLeads() {
    return Promise.resolve([]);
  }
  stats() {
    return Promise.resolve({ conversations: 0, leads: 0 });
  }
  purgeConversationsBefore() {
    return Promise.resolve(0);
  }
  close(): Promise<void> {
    return Promise.resolve();
  }
}

const nullBus: Bus = {
  publish: () => Promise.resolve(),
  consume: () => {},
  publishOutbound: () => Promise.resolve(),
  subscribeOutbound: () => () => {},
  stats: () => ({ queued: 0, inFlight: 0, activeConversations: 0 }),
  drain: () => Promise.resolve(),
  close: () => Promise.resolve(),
};

function supervisorOn(
  store: Store,
  clock: Clock,
  extra: Partial<ConstructorParameters<typeof ConversationSupervisor>[0]> = {},
  failing = new Set<string>(),
) {
  return new ConversationSupervisor({
    machine: machine(failing),
    store,
    bus: nullBus,
    tenants: new Map(),
    clock,
    log,
    turnTimeoutMs: 5000,
    idleTimeoutMs: 60_000,
    maxDeliveryAttempts: 3,
    restartIntensity: { maxRestarts: 3, withinMs: 10_000, backoffMs: 0 },
    ...extra,
  });
}

function message(conversationId: string, n: number, text: string, now: number): InboundMessage {
  return {
    type: 'user.message',
    id: `${conversationId}-m${n}`,
    tenantId: 'demo',
    channel: 'web',
    conversationId,
    userId: conversationId,
    text,
    receivedAt: now,
    priority: 5,
  };
}

function heapUsed(): number {
  gc();
  gc();
  return process.memoryUsage().heapUsed;
}

async function heapPerActor(count: number): Promise<number> {
  let now = 1_700_000_000_000;
  const clock: Clock = { now: () => now };
  const supervisor = supervisorOn(new NullStore(), clock);
  const before = heapUsed();
  for (let i = 0; i < count; i++)
    await supervisor.handle(message(`c${i}`, 1, 'Necesito cotizar rastreo', now));
  now += 1;
  const after = heapUsed();
  if (supervisor.liveCount !== count)
    throw new Error(`expected ${count} live actors, got ${supervisor.liveCount}`);
  supervisor.stop();
  return (after - before) / count;
}

async function activeRun(total: number, share: number, perActor: number): Promise<ActorsResult['activeRun']> {
  let now = 1_700_000_000_000;
  const clock: Clock = { now: () => now };
  const idleMs = 60_000;
  const supervisor = supervisorOn(new NullStore(), clock, { idleTimeoutMs: idleMs });
  const baseline = heapUsed();
  for (let i = 0; i < total; i++)
    await supervisor.handle(message(`c${i}`, 1, 'Necesito cotizar rastreo', now));
  const allLive = heapUsed();
  // Time passes; 1% keep talking; the idle sweep passivates the rest.
  now += idleMs + 1;
  const active = Math.round(total * share);
  const step = Math.floor(total / active);
  for (let i = 0; i < total; i += step) await supervisor.handle(message(`c${i}`, 2, 'Soy Ana Pérez', now));
  supervisor.passivateIdle();
  const after = heapUsed();
  const live = supervisor.liveCount;
  supervisor.stop();
  return {
    total,
    active: live,
    heapAllLiveMb: round((allLive - baseline) / 2 ** 20, 1),
    heapAfterPassivationMb: round((after - baseline) / 2 ** 20, 1),
    baselineMb: round(baseline / 2 ** 20, 1),
    liveAfter: live,
    heapPerActiveActorBytes: Math.round((after - baseline) / Math.max(1, live)),
  };
  void perActor;
}

async function restartsAndRehydration(restarts: number, rehydrations: number) {
  const dir = mkdtempSync(join(tmpdir(), 'leadbot-bench-actors-'));
  const store = LmdbStore.open(dir, { durable: false });
  const clock: Clock = { now: () => Date.now() };
  const crash: number[] = [];
  const rehydrate: number[] = [];
  const failing = new Set<string>();
  const supervisor = supervisorOn(
    store,
    clock,
    {
      onActorReady: ({ how, ms }) => {
        if (how === 'restarted') crash.push(ms);
        if (how === 'rehydrated') rehydrate.push(ms);
      },
    },
    failing,
  );
  // Crash-to-ready: a turn whose reply effect fails once; the actor restarts from its snapshot and
  // the same message is answered (counted: none may be lost).
  let answered = 0;
  for (let i = 0; i < restarts; i++) {
    const id = `r${i}`;
    await supervisor.handle(message(id, 1, 'Necesito cotizar rastreo', Date.now()));
    failing.add(`${id}#2`);
    await supervisor.handle(message(id, 2, 'Soy Ana Pérez', Date.now()));
    const history = await store.getHistory(id, 10);
    if (history.filter((h) => h.role === 'user').length === 2 && history.at(-1)?.role === 'assistant')
      answered++;
  }
  // Rehydration: passivate, then the next message brings the actor back from LMDB.
  for (let i = 0; i < rehydrations; i++) {
    const id = `h${i}`;
    await supervisor.handle(message(id, 1, 'Necesito cotizar rastreo', Date.now()));
  }
  supervisor.stop();
  for (let i = 0; i < rehydrations; i++) {
    const id = `h${i}`;
    await supervisor.handle(message(id, 2, 'Soy Ana Pérez', Date.now()));
  }
  supervisor.stop();
  await store.close();
  rmSync(dir, { recursive: true, force: true });
  return { crash: summarize(crash), lost: restarts - answered, rehydrate: summarize(rehydrate) };
}

export async function runActors(
  options: ActorsOptions,
  progress: (text: string) => void,
): Promise<ActorsResult> {
  const perActorBytes: ActorsResult['perActorBytes'] = [];
  for (const size of options.sizes) {
    progress(`actors: heap per live idle actor at ${size}`);
    perActorBytes.push({ actors: size, bytes: Math.round(await heapPerActor(size)) });
  }
  progress(`actors: ${options.total} conversations, ${options.activeShare * 100}% active`);
  const run = await activeRun(options.total, options.activeShare, perActorBytes.at(-1)?.bytes ?? 0);
  progress(`actors: ${options.restarts} crashes and ${options.rehydrations} rehydrations on LMDB`);
  const rr = await restartsAndRehydration(options.restarts, options.rehydrations);
  return {
    perActorBytes,
    activeRun: run,
    crashToReadyMs: rr.crash,
    restartLost: rr.lost,
    rehydrateMs: rr.rehydrate,
  };
}
