/**
 * Section 5: cluster mode on NATS JetStream, on this machine, against a private `nats-server -js`
 * (random port, temp store) for each part.
 *
 * - Hop latency: publish → a worker's handler → its outbound event back at the gateway, between two
 *   in-process `NatsBus` nodes on separate connections, against the same round trip through the
 *   `InProcessBus`, interleaved in the same run.
 * - Throughput: real leadbot processes (built-in model) driven through the REST channel: a gateway
 *   with one worker and a gateway with three, side by side on their own nats-servers, in alternating
 *   rounds so both see the same machine noise; messages/s is the median of the rounds.
 * - Kill test: three workers, one `kill -9`-ed mid-run; every message must get its reply (one client
 *   retry with the same message id allowed) and run exactly once (checked in the conversation replica
 *   in NATS KV, in the REST replies and in the leads' field turns).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { NatsConnection } from '@nats-io/transport-node';
import { connectNats } from '../src/adapters/nats/connection.ts';
import { openConversationStore } from '../src/adapters/nats/kv-store.ts';
import { NatsBus } from '../src/adapters/nats/nats-bus.ts';
import { ConversationReplica } from '../src/cluster/conversation-replica.ts';
import type { Bus } from '../src/ports/bus.ts';
import type { InboundMessage, LeadPayload } from '../src/protocol/index.ts';
import { InProcessBus } from '../src/runtime/in-process-bus.ts';
import { freePort } from '../test/helpers/free-port.ts';
import { startNatsServer, type NatsServer } from '../test/helpers/nats-server.ts';
import { median, nowMs, round, sleep, summarize, type Summary } from './stats.ts';

/** Same shape as the rows of bench/run.ts (not exported there). */
export interface Row {
  metric: string;
  value: string;
  goal: string;
  /** undefined: no goal (reference figure). */
  ok?: boolean;
}

export interface ClusterOptions {
  /** Partitions of the inbound stream (every node). */
  partitions: number;
  /** Partition lease time of the worker processes: how long a killed worker's partitions wait. */
  leaseTtlMs: number;
  /** The gateway's REST reply timeout; the client's retry waits this long plus 5 s. */
  replyTimeoutMs: number;
  hop: {
    /** Measured round trips on each bus, after `warmup`. */
    n: number;
    warmup: number;
    /** Conversations the messages cycle over (spread over partitions). */
    conversations: number;
  };
  throughput: {
    /** Conversations (3 messages each) per measured round. */
    conversations: number;
    /** Measured rounds per configuration (the median is reported). */
    rounds: number;
    /** Conversations driven at once. */
    concurrency: number;
  };
  kill: {
    conversations: number;
    concurrency: number;
    /** Share of the messages answered before the worker is killed. */
    killAfter: number;
    /** The client gives up on its first attempt after this long and retries once (same message id). */
    firstAttemptTimeoutMs: number;
  };
}

export interface ThroughputRun {
  workers: number;
  messagesPerRound: number;
  /** Messages/s of each measured round. */
  roundsPerSec: number[];
  medianPerSec: number;
  /** REST request → reply of every measured message, ms. */
  replyMs: Summary;
  /** Requests that got no reply (non-200 or empty). */
  failed: number;
}

export interface KillResult {
  conversations: number;
  messages: number;
  /** Messages answered before the kill was sent. */
  answeredBeforeKill: number;
  /** REST requests outstanding when the worker died. */
  inFlightAtKill: number;
  killedWorker: string;
  /** Partitions the killed worker owned just before the run. */
  killedPartitions: number;
  /** First attempts that timed out or failed and were retried with the same message id. */
  clientRetries: number;
  /** Messages with no reply after the retry, or missing from the conversation's history. */
  lost: number;
  /** Extra runs of a message (history), plus replies beyond what the same step gets undisturbed. */
  duplicated: number;
  duplicatedTurns: number;
  duplicatedReplies: number;
  /** Leads with status complete and field turns problem 1, name 2, email 3. */
  leadsCorrect: number;
  /** Messages the survivors got again from JetStream (their `redelivered` counters). */
  redelivered: number;
  /** Request → final reply (the retry's when retried), ms. */
  replyMs: Summary;
  durationMs: number;
}

export interface ClusterResult {
  hop: {
    n: number;
    /** publish → outbound event back at the gateway across NATS, ms. */
    natsMs: Summary;
    /** Of which: publish → the worker's handler runs. */
    natsInboundMs: Summary;
    /** Of which: the worker's handler runs (and publishes its reply) → the gateway's listener has it. */
    natsOutboundMs: Summary;
    /** The same round trip through the in-process bus, ms. */
    inProcessMs: Summary;
    ratioP50: number;
    ratioP99: number;
    /** Median of per-pair ratios (NATS i / in-process i). */
    pairedRatioP50: number;
  };
  throughput: {
    one: ThroughputRun;
    three: ThroughputRun;
    /** three / one, medians. */
    ratio: number;
    /** Median of per-round ratios (round i of three / round i of one, run back to back). */
    pairedRatio: number;
    /** Seconds until a gateway and a worker process, started at once, were up and owned every partition. */
    startupS: number;
  };
  kill: KillResult;
}

type Progress = (text: string) => void;

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const TENANT = 'demo';
const ADMIN_TOKEN = 'bench-cluster-admin-token';
const silentLog = { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} };

// ---------------------------------------------------------------------------------------------
// Part 1: hop latency, in process.

function benchMessage(id: string, conversation: number): InboundMessage {
  const conversationId = `${TENANT}:rest:hop-${conversation}`;
  return {
    type: 'user.message',
    id,
    tenantId: TENANT,
    channel: 'rest',
    conversationId,
    userId: `hop-${conversation}`,
    text: 'Hola',
    receivedAt: Date.now(),
    priority: 5,
  };
}

/** A handler that answers every message at once with one `bot.message`, like a zero-cost turn. */
function echo(bus: Bus, handled?: Map<string, number>): (message: InboundMessage) => Promise<void> {
  return (message) => {
    handled?.set(message.id, nowMs());
    return bus.publishOutbound({
      type: 'bot.message',
      id: `r-${message.id}`,
      tenantId: message.tenantId,
      channel: message.channel,
      conversationId: message.conversationId,
      userId: message.userId,
      inReplyTo: message.id,
      text: 'ok',
      state: 'capture',
      language: 'es',
    });
  };
}

/** Resolves the waiter of each reply as the gateway side receives it (and notes when). */
class ReplyWaiters {
  private readonly waiting = new Map<string, (at: number) => void>();

  listener = (event: { type: string; inReplyTo?: string }) => {
    if (event.type !== 'bot.message' || event.inReplyTo === undefined) return;
    const resolve = this.waiting.get(event.inReplyTo);
    if (!resolve) return;
    this.waiting.delete(event.inReplyTo);
    resolve(nowMs());
  };

  wait(id: string, timeoutMs: number): Promise<number> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiting.delete(id);
        reject(new Error(`no reply to ${id} within ${timeoutMs} ms`));
      }, timeoutMs);
      this.waiting.set(id, (at) => {
        clearTimeout(timer);
        resolve(at);
      });
    });
  }
}

async function waitUntil(what: string, condition: () => boolean | Promise<boolean>, timeoutMs: number) {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(50);
  }
}

async function runHop(options: ClusterOptions): Promise<ClusterResult['hop']> {
  const nats = await startNatsServer({ jetstream: true });
  const connections: NatsConnection[] = [];
  const buses: Bus[] = [];
  const handlerErrors: unknown[] = [];
  const onHandlerError = (error: unknown) => void handlerErrors.push(error);
  try {
    const node = async (name: string) => {
      const nc = await connectNats({ url: nats.url, name: `bench ${name}` });
      connections.push(nc);
      const bus = await NatsBus.create({
        nc,
        nodeId: name,
        log: silentLog,
        concurrency: 16,
        partitions: options.partitions,
        onHandlerError,
        ownsConnection: true,
      });
      buses.push(bus);
      return bus;
    };
    const gateway = await node('hop-gateway');
    const worker = await node('hop-worker');
    const handledAt = new Map<string, number>();
    worker.consume(echo(worker, handledAt));
    await waitUntil(
      'the hop worker to own every partition',
      () => worker.clusterStats().owned_partitions.length === options.partitions,
      20_000,
    );
    const natsWaiters = new ReplyWaiters();
    gateway.subscribeOutbound(natsWaiters.listener);

    const local = new InProcessBus({
      concurrency: 16,
      maxQueuedPerConversation: 100,
      onHandlerError,
    });
    buses.push(local);
    local.consume(echo(local));
    const localWaiters = new ReplyWaiters();
    local.subscribeOutbound(localWaiters.listener);

    const once = async (bus: Bus, waiters: ReplyWaiters, id: string, i: number): Promise<number> => {
      const message = benchMessage(id, i % options.hop.conversations);
      const t0 = nowMs();
      const reply = waiters.wait(id, 10_000);
      await bus.publish(message);
      return (await reply) - t0;
    };
    const natsMs: number[] = [];
    const localMs: number[] = [];
    const inbound: number[] = [];
    const outbound: number[] = [];
    const total = options.hop.warmup + options.hop.n;
    for (let i = 0; i < total; i++) {
      // Alternate which goes first, so neither side always runs on a warmer cache.
      const order = i % 2 === 0 ? (['nats', 'local'] as const) : (['local', 'nats'] as const);
      for (const which of order) {
        const id = `${which}-${i}`;
        if (which === 'nats') {
          const t0 = nowMs();
          const ms = await once(gateway, natsWaiters, id, i);
          if (i < options.hop.warmup) continue;
          natsMs.push(ms);
          const handled = handledAt.get(id);
          if (handled === undefined) throw new Error(`the hop worker never ran ${id}`);
          inbound.push(handled - t0);
          outbound.push(t0 + ms - handled);
        } else {
          const ms = await once(local, localWaiters, id, i);
          if (i >= options.hop.warmup) localMs.push(ms);
        }
      }
    }
    if (handlerErrors.length > 0) throw new Error(`a hop handler failed: ${String(handlerErrors[0])}`);
    const nats50 = summarize(natsMs);
    const local50 = summarize(localMs);
    return {
      n: options.hop.n,
      natsMs: nats50,
      natsInboundMs: summarize(inbound),
      natsOutboundMs: summarize(outbound),
      inProcessMs: local50,
      ratioP50: round(nats50.p50 / local50.p50, 1),
      ratioP99: round(nats50.p99 / local50.p99, 1),
      pairedRatioP50: round(median(natsMs.map((x, i) => x / (localMs[i] ?? Number.NaN))), 1),
    };
  } finally {
    for (const bus of buses.reverse()) await bus.close().catch(() => undefined);
    for (const nc of connections) if (!nc.isClosed()) await nc.close().catch(() => undefined);
    await nats.dispose();
  }
}

// ---------------------------------------------------------------------------------------------
// Leadbot processes.

interface NodeProcess {
  name: string;
  url: string;
  child: ChildProcess;
  exited: Promise<void>;
  /** The last part of what it printed (warnings and errors only: log level warn). */
  output(): string;
}

interface Health {
  cluster?: { owned_partitions: number[]; live_workers: number; redelivered: number; link: string };
}

async function health(node: NodeProcess): Promise<Health | undefined> {
  try {
    const res = await fetch(`${node.url}/health`, { signal: AbortSignal.timeout(2_000) });
    return res.ok ? ((await res.json()) as Health) : undefined;
  } catch {
    return undefined;
  }
}

/** Every leadbot process of the section; all are killed in `stopAll`, whatever happened. */
class Processes {
  readonly nodes: NodeProcess[] = [];
  private readonly killAll = () => {
    for (const node of this.nodes) if (node.child.exitCode === null) node.child.kill('SIGKILL');
  };

  constructor(
    private readonly dir: string,
    private readonly settingsFile: string,
  ) {
    // The last net if the bench itself exits without reaching `stopAll`.
    process.once('exit', this.killAll);
  }

  /** Starts `src/main.ts` as `role` on `natsUrl`, and resolves once its `/health` answers. */
  async start(name: string, role: 'gateway' | 'worker', natsUrl: string): Promise<NodeProcess> {
    const port = await freePort();
    const dataDir = join(this.dir, name);
    mkdirSync(dataDir, { recursive: true });
    // Nothing of the caller's leadbot settings leaks in (no real LLM keys, no other NATS).
    const env: Record<string, string> = {};
    for (const [key, value] of Object.entries(process.env))
      if (value !== undefined && !key.startsWith('LEADBOT_') && key !== 'PORT' && key !== 'HOST')
        env[key] = value;
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
      cwd: ROOT,
      env: {
        ...env,
        PORT: String(port),
        HOST: '127.0.0.1',
        LEADBOT_DATA_DIR: dataDir,
        LEADBOT_ADMIN_TOKEN: ADMIN_TOKEN,
        LEADBOT_LOG_LEVEL: 'warn',
        LEADBOT_NATS_URL: natsUrl,
        LEADBOT_ROLE: role,
        LEADBOT_NODE_ID: name,
        LEADBOT_CONFIG: this.settingsFile,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    const keep = (d: Buffer) => {
      out = (out + d.toString()).slice(-16_384);
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    const node: NodeProcess = { name, url: `http://127.0.0.1:${port}`, child, exited, output: () => out };
    this.nodes.push(node);
    const deadline = Date.now() + 90_000;
    while (!(await health(node))) {
      if (child.exitCode !== null || child.signalCode !== null)
        throw new Error(`leadbot ${name} exited (${child.exitCode ?? child.signalCode}) at start`);
      if (Date.now() > deadline) throw new Error(`leadbot ${name} did not answer /health in 90 s`);
      await sleep(100);
    }
    return node;
  }

  async stopAll(): Promise<void> {
    process.off('exit', this.killAll);
    this.killAll();
    await Promise.all(this.nodes.map((n) => n.exited));
  }
}

/** Waits until the live workers share every partition, each at most its fair share. */
async function waitBalanced(
  workers: NodeProcess[],
  partitions: number,
  timeoutMs = 60_000,
): Promise<number[]> {
  const fair = Math.ceil(partitions / workers.length);
  let owned: number[] = [];
  await waitUntil(
    `${workers.length} worker(s) to share ${partitions} partitions`,
    async () => {
      const states = await Promise.all(workers.map((w) => health(w)));
      const all = states.flatMap((s) => s?.cluster?.owned_partitions ?? []);
      owned = states.map((s) => s?.cluster?.owned_partitions.length ?? 0);
      return (
        states.every((s) => s?.cluster?.live_workers === workers.length) &&
        new Set(all).size === partitions &&
        all.length === partitions &&
        owned.every((n) => n > 0 && n <= fair)
      );
    },
    timeoutMs,
  );
  return owned;
}

// ---------------------------------------------------------------------------------------------
// Conversations over REST.

interface Script {
  sender: string;
  conversationId: string;
  messages: { id: string; text: string }[];
}

/** Three messages that make a complete lead with the built-in model: problem, name, email. */
function scripts(tag: string, count: number): Script[] {
  return Array.from({ length: count }, (_, i) => {
    const sender = `bench-${tag}-${i}`;
    return {
      sender,
      conversationId: `${TENANT}:rest:${sender}`,
      messages: [
        `Necesito cotizar rastreo para ${10 + (i % 80)} camiones`,
        'Soy Ana Pérez',
        `ana.${tag}.${i}@transportes.mx`,
      ].map((text, step) => ({ id: `${sender}-m${step + 1}`, text })),
    };
  });
}

interface Sent {
  script: Script;
  step: number;
  /** Replies of the answered attempt; undefined when none answered. */
  replies: string[] | undefined;
  retried: boolean;
  ms: number;
}

type Attempt = { replies: string[] } | { error: string };

async function post(
  gateway: string,
  sender: string,
  id: string,
  text: string,
  timeoutMs: number,
): Promise<Attempt> {
  try {
    const res = await fetch(`${gateway}/webhooks/rest`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ sender, message: text, message_id: id }),
      signal: AbortSignal.timeout(timeoutMs),
    });
    const body: unknown = await res.json();
    if (res.status !== 200 || !Array.isArray(body)) return { error: `HTTP ${res.status}` };
    const replies = (body as { text?: unknown }[]).map((r) => String(r.text));
    return replies.length > 0 ? { replies } : { error: 'no replies' };
  } catch (error) {
    return { error: error instanceof Error ? error.name : String(error) };
  }
}

/**
 * Runs every script (its messages in order, each after the previous reply), `concurrency`
 * conversations at once. A first attempt that fails or outlives `firstTimeoutMs` is retried once
 * with the same message id, waiting `retryTimeoutMs`.
 */
async function drive(
  gateway: string,
  list: Script[],
  concurrency: number,
  firstTimeoutMs: number,
  retryTimeoutMs: number,
  /** Called after each message settled, with the messages other conversations still wait on. */
  onAnswered?: (outstanding: number) => void,
): Promise<Sent[]> {
  const sent: Sent[] = [];
  let next = 0;
  let outstanding = 0;
  const runner = async () => {
    for (let i = next++; i < list.length; i = next++) {
      const script = list[i]!;
      for (const [step, m] of script.messages.entries()) {
        const t0 = nowMs();
        outstanding++;
        let attempt = await post(gateway, script.sender, m.id, m.text, firstTimeoutMs);
        const retried = 'error' in attempt;
        if ('error' in attempt) attempt = await post(gateway, script.sender, m.id, m.text, retryTimeoutMs);
        const replies = 'replies' in attempt ? attempt.replies : undefined;
        sent.push({ script, step, replies, retried, ms: nowMs() - t0 });
        outstanding--;
        onAnswered?.(outstanding);
        // A conversation whose message got no reply stops: the next one would be out of order.
        if (!replies) break;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, list.length) }, runner));
  return sent;
}

/** One round: `list` driven through `gateway`; messages/s and what each message got. */
async function throughputRound(gateway: string, list: Script[], options: ClusterOptions) {
  const timeout = options.replyTimeoutMs + 5_000;
  const t0 = nowMs();
  const sent = await drive(gateway, list, options.throughput.concurrency, timeout, timeout);
  const answered = sent.filter((s) => s.replies);
  return {
    perSec: round(answered.length / ((nowMs() - t0) / 1000), 1),
    failed: list.length * 3 - answered.length,
    answered,
  };
}

/**
 * Throughput of the one-worker and the three-worker cluster, in alternating rounds (which goes
 * first alternates too) so both see the same machine noise. One unmeasured round each warms up.
 */
async function measureThroughput(
  one: string,
  three: string,
  options: ClusterOptions,
  replyCounts: Map<number, number>,
): Promise<{ one: ThroughputRun; three: ThroughputRun; pairedRatio: number }> {
  const t = options.throughput;
  const runs = {
    one: { url: one, workers: 1, rates: [] as number[], ms: [] as number[], failed: 0 },
    three: { url: three, workers: 3, rates: [] as number[], ms: [] as number[], failed: 0 },
  };
  for (const run of Object.values(runs))
    await throughputRound(run.url, scripts(`w${run.workers}x`, t.conversations), options);
  for (let r = 0; r < t.rounds; r++) {
    for (const run of r % 2 === 0 ? [runs.one, runs.three] : [runs.three, runs.one]) {
      const result = await throughputRound(
        run.url,
        scripts(`w${run.workers}r${r}`, t.conversations),
        options,
      );
      run.rates.push(result.perSec);
      run.failed += result.failed;
      for (const s of result.answered) {
        run.ms.push(s.ms);
        replyCounts.set(s.step, Math.max(replyCounts.get(s.step) ?? 0, s.replies!.length));
      }
    }
  }
  const summary = (run: typeof runs.one): ThroughputRun => ({
    workers: run.workers,
    messagesPerRound: t.conversations * 3,
    roundsPerSec: run.rates,
    medianPerSec: median(run.rates),
    replyMs: summarize(run.ms),
    failed: run.failed,
  });
  return {
    one: summary(runs.one),
    three: summary(runs.three),
    pairedRatio: round(median(runs.three.rates.map((x, i) => x / runs.one.rates[i]!)), 2),
  };
}

async function leads(gateway: string): Promise<LeadPayload[]> {
  const res = await fetch(`${gateway}/api/leads?limit=10000`, {
    headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
  });
  if (!res.ok) throw new Error(`GET /api/leads answered ${res.status}`);
  return ((await res.json()) as { leads: LeadPayload[] }).leads;
}

async function redeliveredOn(nodes: NodeProcess[]): Promise<number> {
  const states = await Promise.all(nodes.map((n) => health(n)));
  return states.reduce((sum, s) => sum + (s?.cluster?.redelivered ?? 0), 0);
}

async function runKill(
  natsUrl: string,
  gateway: NodeProcess,
  workers: NodeProcess[],
  options: ClusterOptions,
  replyCounts: Map<number, number>,
  progress: Progress,
): Promise<KillResult> {
  const k = options.kill;
  const list = scripts('kill', k.conversations);
  const total = list.length * 3;
  const victim = workers[0]!;
  const survivors = workers.slice(1);
  const killedPartitions = (await health(victim))?.cluster?.owned_partitions.length ?? 0;
  const redeliveredBefore = await redeliveredOn(survivors);
  let answered = 0;
  let answeredBeforeKill = 0;
  let inFlightAtKill = 0;
  let killed = false;
  const t0 = nowMs();
  const sent = await drive(
    gateway.url,
    list,
    k.concurrency,
    k.firstAttemptTimeoutMs,
    options.replyTimeoutMs + 5_000,
    (outstanding) => {
      answered++;
      if (!killed && answered >= total * k.killAfter) {
        killed = true;
        answeredBeforeKill = answered;
        inFlightAtKill = outstanding;
        victim.child.kill('SIGKILL');
        progress(`  kill -9 ${victim.name} after ${answered}/${total} replies`);
      }
    },
  );
  const durationMs = nowMs() - t0;
  if (!killed) throw new Error('the kill test ended before the worker was killed');
  await victim.exited;

  // What happened to each message: its reply, and its runs in the conversation's replicated history.
  const nc = await connectNats({ url: natsUrl, name: 'bench observer', reconnect: false });
  let lost = 0;
  let duplicatedTurns = 0;
  let duplicatedReplies = 0;
  try {
    const replica = new ConversationReplica({ store: await openConversationStore(nc), historyLines: 50 });
    const byId = new Map(sent.map((s) => [s.script.messages[s.step]!.id, s]));
    for (const script of list) {
      const stored = await replica.load(script.conversationId);
      const runs = new Map<string, number>();
      for (const line of stored?.history ?? [])
        if (line.role === 'user') runs.set(line.messageId, (runs.get(line.messageId) ?? 0) + 1);
      for (const [step, m] of script.messages.entries()) {
        const s = byId.get(m.id);
        const count = runs.get(m.id) ?? 0;
        if (!s?.replies || count === 0) lost++;
        if (count > 1) duplicatedTurns += count - 1;
        const undisturbed = replyCounts.get(step);
        if (s?.replies && undisturbed !== undefined && s.replies.length > undisturbed)
          duplicatedReplies += s.replies.length - undisturbed;
      }
    }
  } finally {
    await nc.close();
  }
  const ids = new Set(list.map((s) => s.conversationId));
  const mine = (await leads(gateway.url)).filter((l) => ids.has(l.conversation_id));
  const leadsCorrect = mine.filter(
    (l) =>
      l.status === 'complete' &&
      l.field_turns.problem === 1 &&
      l.field_turns.name === 2 &&
      l.field_turns.email === 3,
  ).length;
  return {
    conversations: list.length,
    messages: total,
    answeredBeforeKill,
    inFlightAtKill,
    killedWorker: victim.name,
    killedPartitions,
    clientRetries: sent.filter((s) => s.retried).length,
    lost,
    duplicated: duplicatedTurns + duplicatedReplies,
    duplicatedTurns,
    duplicatedReplies,
    leadsCorrect,
    redelivered: (await redeliveredOn(survivors)) - redeliveredBefore,
    replyMs: summarize(sent.map((s) => s.ms)),
    durationMs: round(durationMs, 0),
  };
}

/**
 * Two clusters side by side, each on its own nats-server: a gateway with one worker, and a gateway
 * with three workers. Throughput alternates rounds between them; the kill test runs on the second.
 */
async function runProcesses(
  options: ClusterOptions,
  progress: Progress,
): Promise<{ throughput: ClusterResult['throughput']; kill: KillResult }> {
  const servers: NatsServer[] = [];
  const dir = mkdtempSync(join(tmpdir(), 'leadbot-bench-cluster-'));
  const settingsFile = join(dir, 'settings.json');
  writeFileSync(
    settingsFile,
    JSON.stringify({
      server: { restReplyTimeoutMs: options.replyTimeoutMs },
      cluster: { partitions: options.partitions, leaseTtlMs: options.leaseTtlMs },
      // The bench sends far more than a person or a tenant may in a minute.
      security: { maxMessagesPerUserPerMinute: 10_000, maxMessagesPerTenantPerMinute: 1_000_000 },
    }),
  );
  const processes = new Processes(dir, settingsFile);
  try {
    const natsOne = await startNatsServer({ jetstream: true });
    servers.push(natsOne);
    const natsThree = await startNatsServer({ jetstream: true });
    servers.push(natsThree);
    progress('  starting 6 leadbot processes: gateway + 1 worker, gateway + 3 workers…');
    const t0 = nowMs();
    // Two at a time: six tsx start-ups at once on a small machine only slow each other down.
    const [gwOne, one1] = await Promise.all([
      processes.start('one-gw', 'gateway', natsOne.url),
      processes.start('one-w1', 'worker', natsOne.url),
    ]);
    await waitBalanced([one1], options.partitions);
    const startupS = round((nowMs() - t0) / 1000, 1);
    const [gwThree, w1] = await Promise.all([
      processes.start('three-gw', 'gateway', natsThree.url),
      processes.start('three-w1', 'worker', natsThree.url),
    ]);
    const [w2, w3] = await Promise.all([
      processes.start('three-w2', 'worker', natsThree.url),
      processes.start('three-w3', 'worker', natsThree.url),
    ]);
    await waitBalanced([w1, w2, w3], options.partitions);
    const replyCounts = new Map<number, number>();
    const t = options.throughput;
    progress(
      `  throughput: ${t.rounds} rounds each of ${t.conversations} conversations × 3 messages, ${t.concurrency} at once, alternating…`,
    );
    const { one, three, pairedRatio } = await measureThroughput(gwOne.url, gwThree.url, options, replyCounts);
    const k = options.kill;
    progress(`  kill test: ${k.conversations} conversations × 3 messages, ${k.concurrency} at once…`);
    const kill = await runKill(natsThree.url, gwThree, [w1, w2, w3], options, replyCounts, progress);
    return {
      throughput: {
        one,
        three,
        ratio: round(three.medianPerSec / one.medianPerSec, 2),
        pairedRatio,
        startupS,
      },
      kill,
    };
  } catch (error) {
    const tails = processes.nodes.map((n) => `--- ${n.name}:\n${n.output().slice(-2_000)}`).join('\n');
    throw new Error(`${error instanceof Error ? error.message : String(error)}\n${tails}`, { cause: error });
  } finally {
    await processes.stopAll();
    for (const server of servers) await server.dispose();
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function runCluster(options: ClusterOptions, progress: Progress): Promise<ClusterResult> {
  progress(`  hop latency: ${options.hop.n} round trips on each bus…`);
  const hop = await runHop(options);
  const { throughput, kill } = await runProcesses(options, progress);
  return { hop, throughput, kill };
}

// ---------------------------------------------------------------------------------------------
// Rows.

const ms = (x: number): string => `${x.toFixed(2)} ms`;
const us = (x: number): string => `${(x * 1000).toFixed(1)} µs`;

export function clusterRows(r: ClusterResult): Row[] {
  const { hop, throughput: tp, kill } = r;
  const rate = (run: ThroughputRun) =>
    `${run.medianPerSec.toFixed(1)} msg/s (rounds ${run.roundsPerSec.map((x) => x.toFixed(0)).join(', ')})`;
  return [
    {
      metric: 'hop across NATS p50 / p99 (publish → reply at gateway)',
      value: `${ms(hop.natsMs.p50)} / ${ms(hop.natsMs.p99)}`,
      goal: '',
    },
    {
      metric: '  of which inbound (publish → worker) / outbound p50',
      value: `${ms(hop.natsInboundMs.p50)} / ${ms(hop.natsOutboundMs.p50)}`,
      goal: '',
    },
    {
      metric: 'baseline in-process bus p50 / p99',
      value: `${us(hop.inProcessMs.p50)} / ${us(hop.inProcessMs.p99)}`,
      goal: '',
    },
    {
      metric: 'ratio NATS / in-process p50 / p99 (paired p50)',
      value: `${hop.ratioP50}× / ${hop.ratioP99}× (${hop.pairedRatioP50}×)`,
      goal: '',
    },
    { metric: 'throughput, 1 worker (median of rounds)', value: rate(tp.one), goal: '' },
    {
      metric: '  reply p50 / p99',
      value: `${ms(tp.one.replyMs.p50)} / ${ms(tp.one.replyMs.p99)}`,
      goal: '',
    },
    { metric: 'throughput, 3 workers (median of rounds)', value: rate(tp.three), goal: '' },
    {
      metric: '  reply p50 / p99',
      value: `${ms(tp.three.replyMs.p50)} / ${ms(tp.three.replyMs.p99)}`,
      goal: '',
    },
    {
      metric: 'ratio 3 workers / 1 worker (paired rounds)',
      value: `${tp.ratio}× (${tp.pairedRatio}×)`,
      goal: '',
    },
    {
      metric: '  requests without a reply (both runs)',
      value: String(tp.one.failed + tp.three.failed),
      goal: '0',
      ok: tp.one.failed + tp.three.failed === 0,
    },
    {
      metric: `kill -9 of ${kill.killedWorker} (${kill.killedPartitions} partitions) after ${kill.answeredBeforeKill}/${kill.messages} replies`,
      value: `${kill.inFlightAtKill} in flight, ${kill.clientRetries} client retries, ${kill.redelivered} redelivered, slowest reply ${ms(kill.replyMs.max)}`,
      goal: '',
    },
    { metric: '  messages lost', value: String(kill.lost), goal: '0', ok: kill.lost === 0 },
    {
      metric: '  messages duplicated (extra turns + extra replies)',
      value: `${kill.duplicated} (${kill.duplicatedTurns} + ${kill.duplicatedReplies})`,
      goal: '0',
      ok: kill.duplicated === 0,
    },
    {
      metric: '  leads complete, field turns 1 / 2 / 3',
      value: `${kill.leadsCorrect}/${kill.conversations}`,
      goal: 'all',
      ok: kill.leadsCorrect === kill.conversations,
    },
  ];
}
