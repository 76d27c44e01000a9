/**
 * Section 6: many prospects at once. The project's OpenAI-compatible test server (its own process,
 * no rate limits, a fixed model latency) and a leadbot node (its own process, HTTP on, LMDB in a
 * temporary folder, default settings) are started; N simulated prospects then write at once over
 * the REST channel — each sends its next message as soon as the previous one is answered, with
 * a `message_id`, honouring `Retry-After` on a 503 — and every message's status, reply count and
 * latency (first try to answer) is recorded. Replies/s counts answered turns over the wall time.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startFakeLlmServer, type FakeLlmServer } from '../src/fake-llm/server.ts';
import { nowMs, prng, summarize, type Summary } from './stats.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const SCRIPT = [
  'Hola, buenas tardes',
  'Necesito una cotización para la flota de mi empresa, unas 40 unidades',
  'Me llamo Ana Pérez',
  'ana.perez@transportesandinos.com',
  'Transportes Andinos',
  'Gracias',
];

export interface LoadRunOptions {
  prospects: number;
  modelLatencyMs: number;
  /** Messages each prospect sends (the script above, cycled). */
  turns: number;
  /** A request unanswered after this long counts as an error (the client gives up). */
  clientTimeoutMs: number;
}

export interface LoadRun extends LoadRunOptions {
  replies: number;
  repliesPerS: number;
  /** Messages that finally failed: non-2xx (by status) after the retries, or failed / timed out ("network"). */
  errors: Record<string, number>;
  /** 503 + `Retry-After` answers the client waited out and retried (same message id). */
  refusals: number;
  /** 2xx answers with no reply text in them. */
  empty: number;
  turnMs: Summary;
  durationMs: number;
  /** The node's peak resident set during the run, MB (sampled from /health). */
  peakRssMb?: number;
  /** CPU time (user + system) per answered turn, ms: the node; the model server with the load generator. */
  cpuMsPerReply: { node: number; modelAndClient: number };
  /** Model requests per answered turn (a tool call takes a second round trip). */
  llmCallsPerTurn: number;
}

export function llmRequests(fake: FakeLlmServer): number {
  return Object.values(fake.stats().keys).reduce((n, k) => n + k.accepted, 0);
}

/** CPU time of a process so far, ms (Linux /proc; 0 elsewhere). */
function cpuMs(pid: number | undefined): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
  } catch {
    return 0;
  }
}

export interface Child {
  process: ChildProcess;
  url: string;
}

function cleanEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(process.env))
    if (value !== undefined && !key.startsWith('LEADBOT_') && key !== 'PORT' && key !== 'HOST')
      env[key] = value;
  return env;
}

/** Spawns `args` and resolves with the first `http://…` URL its output prints. */
function startChild(
  args: string[],
  env: Record<string, string>,
  pattern: RegExp,
  nodeArgs: string[] = [],
): Promise<Child> {
  const child = spawn(process.execPath, [...nodeArgs, '--import', 'tsx', ...args], {
    cwd: ROOT,
    env: { ...cleanEnv(), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return new Promise((resolve, reject) => {
    let seen = '';
    const timer = setTimeout(
      () => reject(new Error(`${args[0]} did not start: ${seen.slice(-500)}`)),
      60_000,
    );
    const onData = (chunk: Buffer): void => {
      seen += chunk.toString();
      const match = pattern.exec(seen);
      if (match) {
        clearTimeout(timer);
        resolve({ process: child, url: match[1]! });
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('exit', (code) => reject(new Error(`${args[0]} exited with ${code}: ${seen.slice(-500)}`)));
  });
}

export function post(
  agent: Agent,
  url: URL,
  body: unknown,
  timeoutMs: number,
): Promise<{ status: number; text: string; retryAfterS?: number }> {
  const payload = JSON.stringify(body);
  return new Promise((resolve) => {
    const req = request(
      url,
      {
        method: 'POST',
        agent,
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) },
        timeout: timeoutMs,
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (text += c));
        const retryAfter = Number(res.headers['retry-after']);
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            text,
            ...(Number.isFinite(retryAfter) && retryAfter > 0 ? { retryAfterS: retryAfter } : {}),
          }),
        );
        res.on('error', () => resolve({ status: 0, text: '' }));
      },
    );
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', () => resolve({ status: 0, text: '' }));
    req.end(payload);
  });
}

async function peakRss(base: string, stop: { done: boolean }): Promise<number> {
  let peak = 0;
  while (!stop.done) {
    try {
      const res = await fetch(`${base}/health`);
      const body = (await res.json()) as { memory?: { rssMb?: number; rss_mb?: number } };
      peak = Math.max(peak, body.memory?.rssMb ?? body.memory?.rss_mb ?? 0);
    } catch {
      // the node is busy; try again
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  return peak;
}

/** A client that honours `Retry-After` on 503 and backs off, as webhook providers do: tries per message. */
const TRIES = 7;

/** One prospect's conversation: `turns` messages, each sent when the previous one was answered. */
async function prospect(
  i: number,
  o: LoadRunOptions,
  agent: Agent,
  url: URL,
  out: Tally,
  random: () => number,
): Promise<void> {
  for (let t = 0; t < o.turns; t++) {
    const started = nowMs();
    const body = { sender: `load-${i}`, message: SCRIPT[t % SCRIPT.length], message_id: `m-${i}-${t}` };
    let answer = await post(agent, url, body, o.clientTimeoutMs);
    for (let tries = 1; answer.status === 503 && answer.retryAfterS !== undefined && tries < TRIES; tries++) {
      out.refusals++;
      // Retry-After first, then backing off (×2 a try), jittered: as webhook providers and SDK
      // clients retry, so the retries do not all come back in one instant.
      const waitMs = answer.retryAfterS * 1000 * 2 ** (tries - 1) * (0.5 + random());
      await new Promise((r) => setTimeout(r, waitMs));
      answer = await post(agent, url, body, o.clientTimeoutMs);
    }
    const { status, text } = answer;
    if (status < 200 || status >= 300) {
      const key = status === 0 ? 'network' : String(status);
      out.errors[key] = (out.errors[key] ?? 0) + 1;
      continue;
    }
    out.latencies.push(nowMs() - started);
    let replies: { text?: string }[] = [];
    try {
      replies = JSON.parse(text) as { text?: string }[];
    } catch {
      // counted as empty below
    }
    if (!Array.isArray(replies) || !replies.some((r) => (r.text ?? '').trim() !== '')) out.empty++;
    else out.replies++;
  }
}

interface Tally {
  latencies: number[];
  errors: Record<string, number>;
  empty: number;
  replies: number;
  refusals: number;
}

/** The test server (in this process) and a leadbot node (its own process) on it. */
export interface Stack {
  fake: FakeLlmServer;
  node: Child;
  stop: () => Promise<void>;
}

/** Starts the model server and a node with default settings on it. */
export async function startStack(modelLatencyMs: number): Promise<Stack> {
  const dir = mkdtempSync(join(tmpdir(), 'leadbot-load-'));
  // A high-tier provider account: limits far above the load, announced in x-ratelimit-* headers.
  // It runs in this process with the load generator (one core), the node in its own (the other).
  const limits = { rpm: 10_000_000 };
  const fake = await startFakeLlmServer({
    keys: { k1: limits, k2: limits, k3: limits },
    latencyMs: modelLatencyMs,
    limitModel: 'quantised',
  });
  const stop = async (child?: ChildProcess): Promise<void> => {
    await fake.close();
    if (child && child.exitCode === null)
      await new Promise<void>((resolve) => {
        const timer = setTimeout(() => (child.kill('SIGKILL'), resolve()), 10_000);
        child.once('exit', () => (clearTimeout(timer), resolve()));
        child.kill('SIGTERM');
      });
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    const node = await startChild(
      ['src/main.ts'],
      {
        PORT: '0',
        HOST: '127.0.0.1',
        LEADBOT_DATA_DIR: join(dir, 'data'),
        LEADBOT_ADMIN_TOKEN: 'bench-load-admin-token',
        LEADBOT_LOG_LEVEL: 'info',
        LEADBOT_LLM_KEYS: 'k1,k2,k3',
        LEADBOT_LLM_BASE_URL: fake.url,
        LEADBOT_LLM_MODEL: 'fake-builtin',
        ...(process.env.LEADBOT_LOAD_CONFIG ? { LEADBOT_CONFIG: process.env.LEADBOT_LOAD_CONFIG } : {}),
      },
      /"url":"(http:\/\/[^"]+)"/,
      // e.g. LEADBOT_LOAD_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof" to profile the node under load.
      (process.env.LEADBOT_LOAD_NODE_ARGS ?? '').split(' ').filter(Boolean),
    );
    return { fake, node, stop: () => stop(node.process) };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** Starts the model server and a node, runs one load shape, stops both. */
export async function runLoad(o: LoadRunOptions, progress: (s: string) => void): Promise<LoadRun> {
  const { fake, node, stop: stopStack } = await startStack(o.modelLatencyMs);
  try {
    progress(
      `  ${o.prospects} prospects × ${o.turns} messages, model ${o.modelLatencyMs} ms (node ${node.url})…`,
    );
    const agent = new Agent({ keepAlive: true, maxSockets: Infinity });
    const url = new URL('/webhooks/rest', node.url);
    const out: Tally = { latencies: [], errors: {}, empty: 0, replies: 0, refusals: 0 };
    const random = prng(o.prospects * 7919 + o.modelLatencyMs);
    const stop = { done: false };
    const rss = peakRss(node.url, stop);
    const before = { node: cpuMs(node.process.pid), client: process.cpuUsage(), llm: llmRequests(fake) };
    const started = nowMs();
    await Promise.all(Array.from({ length: o.prospects }, (_, i) => prospect(i, o, agent, url, out, random)));
    const durationMs = nowMs() - started;
    const client = process.cpuUsage(before.client);
    const per = (ms: number): number => ms / Math.max(1, out.replies);
    const cpuMsPerReply = {
      node: per(cpuMs(node.process.pid) - before.node),
      modelAndClient: per((client.user + client.system) / 1000),
    };
    const llmCallsPerTurn = (llmRequests(fake) - before.llm) / Math.max(1, out.replies + out.empty);
    stop.done = true;
    agent.destroy();
    const peakRssMb = await rss;
    return {
      ...o,
      replies: out.replies,
      repliesPerS: out.replies / (durationMs / 1000),
      errors: out.errors,
      empty: out.empty,
      refusals: out.refusals,
      turnMs: summarize(out.latencies),
      durationMs,
      cpuMsPerReply,
      llmCallsPerTurn,
      ...(peakRssMb > 0 ? { peakRssMb } : {}),
    };
  } finally {
    await stopStack();
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const [prospects = '1500', latency = '1000', turns = '5'] = process.argv.slice(2);
  const result = await runLoad(
    {
      prospects: Number(prospects),
      modelLatencyMs: Number(latency),
      turns: Number(turns),
      clientTimeoutMs: 30_000,
    },
    (s) => process.stderr.write(`${s}\n`),
  );
  process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  process.exit(0);
}
