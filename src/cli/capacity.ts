/**
 * `leadbot capacity` (also `npm run capacity`): a load test that measures how many conversations one
 * LLM key holds. The project's OpenAI-compatible test server runs with real per-key limits, a leadbot
 * node on it (temporary data folder, HTTP on), and Locust (loadtest/locustfile.py) drives simulated
 * prospects over REST and the widget WebSocket; the figures and the recommended
 * `llm.maxConversationsPerKey` are printed and written as a settings file fragment.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import {
  createWriteStream,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadConfig } from '../config/load.ts';
import { errorMessage } from '../errors.ts';
import { LIMIT_MODELS, startFakeLlmServer, type FakeLlmServer } from '../fake-llm/server.ts';
import { createLogger } from '../logger.ts';
import { startLeadbot, type Leadbot } from '../main.ts';
import { parseCommand, UsageError } from './args.ts';
import {
  computeCapacity,
  fallbackReasons,
  formatCapacity,
  recommendationFragment,
  keyMeasures,
  PinSampler,
} from './capacity-report.ts';
import { locustArgs, parseDuration, parseLocustStats, parseUserHistory } from './locust.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const LOCUSTFILE = join(ROOT, 'loadtest', 'locustfile.py');
const INSTALL =
  'install it with: apt-get install -y python3-locust (and python3-websocket for WebSocket users)';

export const CAPACITY_HELP = `Usage: leadbot capacity [options]        (or: npm run capacity -- [options])

Measures how many conversations one LLM key holds. Starts the project's OpenAI-compatible test
server with real per-key limits, a leadbot node on it (temporary data folder), and Locust
(loadtest/locustfile.py): simulated prospects over REST and the widget WebSocket, in Spanish and
English, giving need, name, email and company with think time between messages. Then prints, per
key and in total, served RPM, provider 429s, messages per minute per conversation, turn latency
p50 / p95 and model fallbacks, and writes the recommended llm.maxConversationsPerKey
(≈ RPM limit / LLM requests per minute per conversation) as a settings file.

Options:
  --duration <t>        how long Locust runs: 60s, 2m, 1m30s (default 60s)
  --users <n>           simulated prospects at once (default 30)
  --spawn-rate <n>      prospects started per second (default 5)
  --think-min <s>       seconds a prospect waits before each message, at least (default 3)
  --think-max <s>       … at most (default 6)
  --channel <c>         rest, web or both (default both)
  --keys <n>            LLM keys on the test server (default 3)
  --rpm <n>             each key's requests-per-minute limit (default 120)
  --latency <ms>        the test server's delay before each answer (default 300)
  --limit-model <m>     how the test server counts limits (default quantised):
                        ${LIMIT_MODELS.join(', ')}
  --port <n>            the node's HTTP port (default 0: any free port)
  --out <file>          where the recommendation goes (default config/capacity.json; -: nowhere)
  --csv <prefix>        keep Locust's CSV files as <prefix>_stats.csv … (default: not kept)
  -h, --help            show this help

Use the result:  LEADBOT_CONFIG=config/capacity.json npm start
Needs Locust; ${INSTALL.replace(' (and', '\n  (and')}.
Exit codes: 0 measured; 1 it failed (Locust missing, a port busy, …); 2 bad usage.
`;

/** What one run does, from the command line (`parseOptions`). */
export type CapacityOptions = NonNullable<ReturnType<typeof parseOptions>>;

/** The keys of the run: names in the node, secrets on the test server. */
const keySecrets = (o: CapacityOptions) =>
  Array.from({ length: o.keys }, (_, i) => ({
    id: `k${i + 1}`,
    secret: `sk-capacity-${i + 1}`,
    limitRpm: o.rpm,
  }));

/** Something the run cannot get past (exit 1, one clear line). */
class CapacityError extends Error {}

function parseOptions(args: string[]) {
  const text = { type: 'string' } as const;
  const { values } = parseCommand('capacity', args, {
    ...{ duration: text, users: text, 'spawn-rate': text, 'think-min': text, 'think-max': text },
    ...{ channel: text, keys: text, rpm: text, latency: text, 'limit-model': text, port: text },
    ...{ out: text, csv: text },
  });
  if (values.help) return undefined;
  const bad = (message: string) => new UsageError('capacity', message);
  const num = (name: keyof typeof values, fallback: number, min: number, integer = true): number => {
    const raw = values[name];
    if (raw === undefined || typeof raw !== 'string') return fallback;
    const n = Number(raw);
    if (raw.trim() === '' || !Number.isFinite(n) || n < min || (integer && !Number.isInteger(n)))
      throw bad(`--${name} takes a ${integer ? 'whole ' : ''}number ≥ ${min}; got '${raw}'`);
    return n;
  };
  const durationS = parseDuration(values.duration ?? '60s');
  if (durationS === undefined) throw bad(`--duration takes 60s, 2m, 1m30s…; got '${values.duration}'`);
  const channel = (['rest', 'web', 'both'] as const).find((c) => c === (values.channel ?? 'both'));
  if (!channel) throw bad(`--channel takes rest, web or both; got '${values.channel}'`);
  const limitModel = LIMIT_MODELS.find((m) => m === (values['limit-model'] ?? 'quantised'));
  if (!limitModel)
    throw bad(`--limit-model takes ${LIMIT_MODELS.join(', ')}; got '${values['limit-model']}'`);
  const thinkMin = num('think-min', 3, 0, false);
  const thinkMax = num('think-max', Math.max(6, thinkMin), thinkMin, false);
  const out = values.out ?? 'config/capacity.json';
  return {
    ...{ durationS, users: num('users', 30, 1), spawnRate: num('spawn-rate', 5, 0.1, false) },
    ...{ thinkMin, thinkMax, channel, keys: num('keys', 3, 1), rpm: num('rpm', 120, 1) },
    ...{ latencyMs: num('latency', 300, 0), limitModel, port: num('port', 0, 0) },
    out: out === '-' ? undefined : resolve(out),
    csv: values.csv === undefined ? undefined : resolve(values.csv),
  };
}

const say = (line: string) => process.stderr.write(`capacity: ${line}\n`);

/** Fails early, with the command to install it, when `locust` is not on the PATH. */
function checkLocust(): string {
  const run = spawnSync('locust', ['--version'], { encoding: 'utf8' });
  if (run.error && (run.error as NodeJS.ErrnoException).code === 'ENOENT')
    throw new CapacityError(`locust is not installed: ${INSTALL}.`);
  if (run.status !== 0) throw new CapacityError(`'locust --version' failed: ${run.stderr.trim()}`);
  return run.stdout.trim() || 'locust';
}

function busy(error: unknown, what: string, port: number): never {
  if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE')
    throw new CapacityError(
      `port ${port} is busy (${what}): stop what listens there, or pass another --port (0 = any free port).`,
    );
  throw error;
}

/** The node under test: LLM keys on the fake server, limits that measure rather than protect. */
async function startNode(o: CapacityOptions, fake: FakeLlmServer, dir: string): Promise<Leadbot> {
  const settings = join(dir, 'settings.json');
  // Nothing but the provider's limits may hold the load back: no conversation cap, no flood control.
  const limits = { maxMessagesPerUserPerMinute: 10_000, maxMessagesPerTenantPerMinute: 1_000_000 };
  writeFileSync(settings, JSON.stringify({ llm: { maxConversationsPerKey: 1_000_000 }, security: limits }));
  const keys = keySecrets(o)
    .map((k) => `${k.id}=${k.secret}`)
    .join(',');
  const config = loadConfig({
    cwd: ROOT,
    env: {
      ...{ HOST: '127.0.0.1', PORT: String(o.port), LEADBOT_DATA_DIR: join(dir, 'data') },
      ...{ LEADBOT_CONFIG: settings, LEADBOT_ADMIN_TOKEN: 'capacity-admin-token-0123456789' },
      ...{ LEADBOT_LLM_KEYS: keys, LEADBOT_LLM_BASE_URL: fake.url, LEADBOT_LLM_MODEL: 'fake-builtin' },
      ...{ LEADBOT_LLM_RPM: String(o.rpm), LEADBOT_LOG_LEVEL: 'warn' },
    },
  });
  const { level, content } = config.log;
  const destination = createWriteStream(join(dir, 'node.log'));
  const logger = createLogger({ level, content, pretty: false, nodeId: config.nodeId, destination });
  return startLeadbot(config, { logger }).catch((error: unknown) => busy(error, 'leadbot node', o.port));
}

interface NodeMetrics {
  model_fallbacks: number;
  messages_received: number;
  pool_status: { key_id: string; active_conversations: number }[];
}

async function metricsOf(node: Leadbot): Promise<NodeMetrics> {
  const res = await fetch(`${node.url}/metrics`, {
    headers: { authorization: `Bearer ${node.adminToken}` },
  });
  if (!res.ok) throw new CapacityError(`GET ${node.url}/metrics answered ${res.status}`);
  return (await res.json()) as NodeMetrics;
}

/** A short conversation alone on the node before the load: it answers through the LLM, and how fast. */
async function probe(node: Leadbot): Promise<number> {
  const before = await metricsOf(node);
  const messages = ['Hola, quiero información de sus planes', 'Me llamo Ana Prueba', 'ana@example.com'];
  const latencies: number[] = [];
  for (const message of messages) {
    const t0 = performance.now();
    const res = await fetch(`${node.url}/webhooks/rest`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ sender: 'capacity-probe', message }),
    });
    if (!res.ok) throw new CapacityError(`the node did not answer '${message}': HTTP ${res.status}`);
    await res.arrayBuffer();
    latencies.push(performance.now() - t0);
  }
  node.pool?.release(`${node.config.defaultTenant}:rest:capacity-probe`, 'ended');
  if ((await metricsOf(node)).model_fallbacks > before.model_fallbacks)
    say('warning: a turn before the load fell back to the built-in model: the LLM path fails');
  return latencies.sort((a, b) => a - b)[1]!;
}

interface Run {
  node: Leadbot;
  fake: FakeLlmServer;
  prefix: string;
  /** Locust's output, and the node's warnings. */
  log: string;
  nodeLog: string;
}

/** The progress line: elapsed, messages, served RPM, 429s, fallbacks, pins per key. */
async function progress(run: Run, o: CapacityOptions, sampler: PinSampler, t0: number, base: NodeMetrics) {
  const m = await metricsOf(run.node);
  sampler.add(m.pool_status);
  const elapsedS = (Date.now() - t0) / 1000;
  const stats = Object.values(run.fake.stats().keys);
  const accepted = stats.reduce((sum, k) => sum + k.accepted, 0);
  const limited = stats.reduce((sum, k) => sum + k.rateLimited, 0);
  const pins = m.pool_status.map((k) => `${k.key_id} ${k.active_conversations}`).join(' · ');
  return (
    `${Math.round(elapsedS)}/${o.durationS} s` +
    `  messages ${m.messages_received - base.messages_received}` +
    `  LLM ${accepted} (${Math.round(accepted / Math.max(elapsedS / 60, 1 / 60))} RPM)  429s ${limited}` +
    `  fallbacks ${m.model_fallbacks - base.model_fallbacks}  pinned ${pins}`
  );
}

/** Runs Locust to its end (or Ctrl-C), sampling the node every 2 s and saying where it is every 10 s. */
async function runLocust(run: Run, o: CapacityOptions, sampler: PinSampler, base: NodeMetrics) {
  const out = createWriteStream(run.log);
  await new Promise((ok) => out.once('open', ok));
  const child: ChildProcess = spawn('locust', locustArgs(LOCUSTFILE, o, run.node.url!, run.prefix), {
    cwd: ROOT,
    env: { ...process.env, PYTHONDONTWRITEBYTECODE: '1' }, // no __pycache__ next to the locustfile
    stdio: ['ignore', out, out],
  });
  const t0 = Date.now();
  let ticks = 0;
  const timer = setInterval(() => {
    const print = ++ticks % 5 === 0;
    progress(run, o, sampler, t0, base).then(
      (line) => print && say(line),
      (error: unknown) => say(`metrics: ${errorMessage(error)}`),
    );
  }, 2_000);
  let interrupted = false;
  const stop = () => child.kill('SIGTERM');
  const overdue = setTimeout(stop, (o.durationS + 60) * 1000);
  const onSigint = () => {
    interrupted = true;
    say('interrupted: Locust stops, the figures so far follow (nothing is written)');
    stop();
  };
  process.once('SIGINT', onSigint);
  try {
    const code = await new Promise<number | null>((ok, fail) => {
      child.once('error', fail);
      child.once('exit', ok);
    });
    return { startMs: t0, endMs: Date.now(), code, interrupted };
  } finally {
    clearInterval(timer);
    clearTimeout(overdue);
    process.off('SIGINT', onSigint);
    out.end();
  }
}

/** The last lines of Locust's output, for an error message. */
function tail(file: string, lines = 15): string {
  const text = existsSync(file) ? readFileSync(file, 'utf8').trim() : '';
  return text ? `\n${text.split('\n').slice(-lines).join('\n')}` : '';
}

/** Writes the recommendation into `out` (other settings there are kept) and checks the loader takes it. */
function writeRecommendation(out: string, recommended: number): void {
  let existing: unknown = {};
  if (existsSync(out)) {
    try {
      existing = JSON.parse(readFileSync(out, 'utf8'));
    } catch {
      throw new CapacityError(`${out} is not valid JSON: fix or remove it, or pass another --out.`);
    }
  }
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, `${JSON.stringify(recommendationFragment(existing, recommended), null, 2)}\n`);
  const config = loadConfig({ cwd: process.cwd(), env: { LEADBOT_CONFIG: out } });
  const near = relative(process.cwd(), out);
  const shown = near && !near.startsWith('..') ? near : out;
  say(
    `wrote ${shown}: llm.maxConversationsPerKey ${config.llm.maxConversationsPerKey}` +
      ` (use it: LEADBOT_CONFIG=${shown} npm start)`,
  );
}

/** Reads Locust's CSV files and the counters, prints the table, writes the recommendation. */
async function report(
  run: Run,
  o: CapacityOptions,
  measured: {
    sampler: PinSampler;
    before: ReturnType<FakeLlmServer['stats']>;
    base: NodeMetrics;
    unloadedTurnMs: number;
  },
  span: { startMs: number; endMs: number; interrupted: boolean },
): Promise<void> {
  // The locustfile writes the final figures after the run; Locust's own file may miss its last seconds.
  const final = `${run.prefix}_final_stats.csv`;
  const statsFile = existsSync(final) ? final : `${run.prefix}_stats.csv`;
  if (!existsSync(statsFile)) throw new CapacityError(`Locust wrote no ${statsFile}:${tail(run.log)}`);
  const stats = parseLocustStats(readFileSync(statsFile, 'utf8'));
  if (!stats.total || stats.total.requests === 0)
    throw new CapacityError(`Locust sent no message:${tail(run.log)}`);
  const historyFile = `${run.prefix}_stats_history.csv`;
  const history = existsSync(historyFile) ? parseUserHistory(readFileSync(historyFile, 'utf8')) : undefined;
  // The run as Locust timed it: from its first sample, --duration long (shorter when interrupted);
  // the provider's counters over the same window.
  const fromMs = history ? history.startS * 1000 : span.startMs;
  const windowMs = Math.min(o.durationS * 1000, span.endMs - fromMs);
  const window = { fromMs, toMs: fromMs + windowMs };
  const end = await metricsOf(run.node);
  const figures = computeCapacity({
    windowMs,
    keys: keyMeasures(
      keySecrets(o),
      { before: measured.before, after: run.fake.stats() },
      window,
      measured.sampler,
    ),
    stats,
    history,
    users: o.users,
    spawnRate: o.spawnRate,
    fallbacks: end.model_fallbacks - measured.base.model_fallbacks,
    unloadedTurnMs: measured.unloadedTurnMs,
  });
  if (!stats.rows.some((r) => r.name === 'WS turn') && o.channel !== 'rest')
    say('warning: no WebSocket turns (is python3-websocket installed?): REST only');
  const fails = stats.total.failures;
  if (fails > 0) say(`warning: ${fails} turns failed (Locust's ${run.prefix}_failures.csv says why)`);
  const headline =
    `${o.durationS} s, ${o.users} users (${o.spawnRate}/s), think ${o.thinkMin}–${o.thinkMax} s, ` +
    `${o.keys} keys × ${o.rpm} RPM (${o.limitModel}), test server latency ${o.latencyMs} ms`;
  const reasons = figures.fallbacks > 0 ? fallbackReasons(readFileSync(run.nodeLog, 'utf8')) : [];
  process.stdout.write(`\nCapacity: ${headline}\n\n${formatCapacity(figures, reasons)}\n\n`);
  if (o.out && figures.recommended > 0 && !span.interrupted) writeRecommendation(o.out, figures.recommended);
}

/** One whole run: test server, node, Locust, report; everything it started is stopped again. */
async function runCapacity(o: CapacityOptions): Promise<void> {
  say(`${checkLocust()} with ${relative(process.cwd(), LOCUSTFILE)}`);
  const dir = mkdtempSync(join(tmpdir(), 'leadbot-capacity-'));
  const keys = Object.fromEntries(keySecrets(o).map((k) => [k.secret, { rpm: k.limitRpm }]));
  let fake: FakeLlmServer | undefined;
  let node: Leadbot | undefined;
  try {
    fake = await startFakeLlmServer({ keys, latencyMs: o.latencyMs, limitModel: o.limitModel, port: 0 });
    node = await startNode(o, fake, dir);
    say(`test server ${fake.url} (${o.keys} keys × ${o.rpm} RPM, ${o.limitModel}), node ${node.url}`);
    const unloadedTurnMs = await probe(node);
    say(`a turn alone takes ${Math.round(unloadedTurnMs)} ms (median of 3)`);
    const prefix = o.csv ?? join(dir, 'locust');
    mkdirSync(dirname(prefix), { recursive: true });
    const run: Run = { node, fake, prefix, log: join(dir, 'locust.log'), nodeLog: join(dir, 'node.log') };
    const base = await metricsOf(node);
    const measured = { sampler: new PinSampler(), before: fake.stats(), base, unloadedTurnMs };
    say(`Locust: ${o.users} users at ${o.spawnRate}/s for ${o.durationS} s (progress every 10 s)`);
    const span = await runLocust(run, o, measured.sampler, measured.base);
    // Locust exits 1 when a request failed; the report says how many. Anything else is a crash.
    if (span.code !== 0 && span.code !== 1 && !span.interrupted)
      throw new CapacityError(`locust exited with ${span.code ?? 'a signal'}:${tail(run.log)}`);
    await report(run, o, measured, span);
  } finally {
    await node?.close().catch((error: unknown) => say(`closing the node: ${errorMessage(error)}`));
    await fake?.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** `leadbot capacity [options]`. */
export async function capacityCommand(args: string[]): Promise<number> {
  const options = parseOptions(args);
  if (!options) {
    process.stdout.write(CAPACITY_HELP);
    return 0;
  }
  try {
    await runCapacity(options);
    return 0;
  } catch (error) {
    if (!(error instanceof CapacityError)) throw error;
    process.stderr.write(`leadbot capacity: ${error.message}\n`);
    return 1;
  }
}
