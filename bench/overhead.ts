/**
 * Section 1: runtime overhead per message. One full turn through an in-process leadbot (intake →
 * bus → supervisor → conversation machine → OpenAIChatModel → fake server → LMDB commit → reply
 * event), against a bare `openai` SDK call with the same request body to the same server,
 * interleaved in the same run. A durable `store.saveTurn` is timed alone to explain the gap.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import OpenAI from 'openai';
import { conversationIdFor, submit } from '../src/channels/intake.ts';
import { collectTurn } from '../src/channels/turn-collector.ts';
import { loadConfig } from '../src/config/load.ts';
import { startFakeLlmServer, type FakeLlmServer } from '../src/fake-llm/server.ts';
import { newId } from '../src/ids.ts';
import { startLeadbot, type Leadbot } from '../src/main.ts';
import { nowMs, round, summarize, type Summary } from './stats.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const TURN_SECRET = 'sk-bench-leadbot';
const BARE_SECRET = 'sk-bench-bare';
const PROBE_SECRET = 'sk-bench-probe';

export interface OverheadOptions {
  /** Measured pairs (turn + bare call) after warm-up. */
  n: number;
  warmup: number;
}

export interface OverheadResult {
  n: number;
  warmup: number;
  /** Full turns through leadbot, ms. */
  turnMs: Summary;
  /** Bare `openai` SDK calls, ms. */
  bareMs: Summary;
  /** turn − bare at each percentile, ms. */
  overheadP50Ms: number;
  overheadP99Ms: number;
  /** Median of per-pair differences (turn i − bare i), ms: less sensitive to drift. */
  pairedOverheadP50Ms: number;
  /** Durable `store.saveTurn` of a real turn record, alone after the turns, ms. */
  saveTurnMs: Summary;
  /** The same commit as timed inside the measured turns, ms. */
  saveTurnInTurnMs: Summary;
  /** Requests the fake server saw for the measured turns / number of turns. */
  llmCallsPerTurn: number;
  turnRequests: number;
  bareRequests: number;
  /** Size of the request body both sides send. */
  systemPromptChars: number;
  bodyBytes: number;
  toolsInBody: number;
  /** Turns whose reply was not written by the LLM path (should be 0). */
  turnsWithoutReply: number;
}

type Body = OpenAI.Chat.ChatCompletionCreateParamsNonStreaming;

/** Starts an in-process leadbot on the fake server, HTTP off, LMDB in `dataDir`. */
async function startNode(fake: FakeLlmServer, keys: string, dataDir: string): Promise<Leadbot> {
  mkdirSync(dataDir, { recursive: true });
  const settings = join(dataDir, 'bench-settings.json');
  // One key holds every benchmark conversation: lift the per-key conversation cap.
  writeFileSync(settings, JSON.stringify({ llm: { maxConversationsPerKey: 1_000_000 } }));
  const config = loadConfig({
    cwd: ROOT,
    env: {
      LEADBOT_DATA_DIR: join(dataDir, 'data'),
      LEADBOT_CONFIG: settings,
      LEADBOT_ADMIN_TOKEN: 'bench-admin-token',
      LEADBOT_LOG_LEVEL: 'silent',
      LEADBOT_LLM_KEYS: keys,
      LEADBOT_LLM_BASE_URL: fake.url,
      LEADBOT_LLM_MODEL: 'fake-builtin',
      LEADBOT_LLM_RPM: '100000000',
    },
  });
  return startLeadbot(config, { http: false });
}

/** One turn on the `rest` channel path: subscribe, submit, wait for `turn.completed`. */
async function turn(node: Leadbot, userId: string, text: string): Promise<number> {
  const tenantId = node.config.defaultTenant;
  const id = newId('bench_');
  const collector = collectTurn(node.intake.bus, id, conversationIdFor(tenantId, 'rest', userId), 30_000);
  await submit(node.intake, { id, tenantId, channel: 'rest', userId, text });
  const { replies } = await collector.done;
  return replies.length;
}

/**
 * The exact body leadbot sends for a first "Hola": captured from a throwaway node whose SDK
 * client is built while `globalThis.fetch` is wrapped (the measured node never sees the wrapper).
 */
async function captureBody(fake: FakeLlmServer, dir: string): Promise<Body> {
  const original = globalThis.fetch;
  let captured: string | undefined;
  globalThis.fetch = (input, init) => {
    if (typeof init?.body === 'string' && captured === undefined) captured = init.body;
    return original(input, init);
  };
  try {
    const probe = await startNode(fake, `probe=${PROBE_SECRET}`, dir);
    try {
      await turn(probe, 'probe-user', 'Hola');
    } finally {
      await probe.close();
    }
  } finally {
    globalThis.fetch = original;
  }
  if (captured === undefined) throw new Error('the probe turn sent no request to the fake LLM server');
  return JSON.parse(captured) as Body;
}

export async function runOverhead(options: OverheadOptions): Promise<OverheadResult> {
  const dir = mkdtempSync(join(tmpdir(), 'leadbot-bench-'));
  const fake = await startFakeLlmServer({
    keys: { [TURN_SECRET]: {}, [BARE_SECRET]: {}, [PROBE_SECRET]: {} },
    latencyMs: 0,
  });
  let node: Leadbot | undefined;
  try {
    const body = await captureBody(fake, join(dir, 'probe'));
    const system = body.messages.find((m) => m.role === 'system');
    const systemPromptChars = typeof system?.content === 'string' ? system.content.length : 0;
    node = await startNode(fake, `bench=${TURN_SECRET}`, join(dir, 'node'));
    const bare = new OpenAI({ apiKey: BARE_SECRET, baseURL: fake.url, maxRetries: 0 });
    // Times the durable commit inside each turn (a wrapper of a few ns around the node's store).
    const store = node.store;
    const save = store.saveTurn.bind(store);
    let inTurnSaves: number[] = [];
    store.saveTurn = async (write) => {
      const t0 = nowMs();
      try {
        await save(write);
      } finally {
        inTurnSaves.push(nowMs() - t0);
      }
    };

    const turns: number[] = [];
    const bares: number[] = [];
    let withoutReply = 0;
    let lastConversation = '';
    let before = fake.stats();
    const total = options.warmup + options.n;
    for (let i = 0; i < total; i++) {
      const userId = `bench-user-${i}`;
      // Alternate which goes first, so neither side always runs on a warmer cache.
      const order = i % 2 === 0 ? ['turn', 'bare'] : ['bare', 'turn'];
      for (const what of order) {
        const t0 = nowMs();
        if (what === 'turn') {
          const replies = await turn(node, userId, 'Hola');
          const ms = nowMs() - t0;
          if (i >= options.warmup) {
            turns.push(ms);
            if (replies === 0) withoutReply++;
          }
        } else {
          await bare.chat.completions.create(body);
          const ms = nowMs() - t0;
          if (i >= options.warmup) bares.push(ms);
        }
      }
      if (i === options.warmup - 1) {
        before = fake.stats();
        inTurnSaves = [];
      }
      lastConversation = conversationIdFor(node.config.defaultTenant, 'rest', userId);
    }
    const after = fake.stats();
    const turnRequests = (after.keys[TURN_SECRET]?.requests ?? 0) - (before.keys[TURN_SECRET]?.requests ?? 0);
    const bareRequests = (after.keys[BARE_SECRET]?.requests ?? 0) - (before.keys[BARE_SECRET]?.requests ?? 0);

    // A real record and history of one turn, saved again under fresh ids.
    const record = await node.store.getConversation(lastConversation);
    const history = await node.store.getHistory(lastConversation, 10);
    if (!record) throw new Error('the last benchmark conversation was not stored');
    store.saveTurn = save;
    const saves: number[] = [];
    for (let i = 0; i < total; i++) {
      const conversationId = `${lastConversation}-save-${i}`;
      const write = { conversation: { ...record, conversationId, updatedAt: Date.now() }, history };
      const t0 = nowMs();
      await node.store.saveTurn(write);
      if (i >= options.warmup) saves.push(nowMs() - t0);
    }

    const turnMs = summarize(turns);
    const bareMs = summarize(bares);
    const paired = summarize(turns.map((t, i) => t - (bares[i] ?? Number.NaN)));
    return {
      n: options.n,
      warmup: options.warmup,
      turnMs,
      bareMs,
      overheadP50Ms: round(turnMs.p50 - bareMs.p50, 4),
      overheadP99Ms: round(turnMs.p99 - bareMs.p99, 4),
      pairedOverheadP50Ms: round(paired.p50, 4),
      saveTurnMs: summarize(saves),
      saveTurnInTurnMs: summarize(inTurnSaves),
      llmCallsPerTurn: round(turnRequests / turns.length, 4),
      turnRequests,
      bareRequests,
      systemPromptChars,
      bodyBytes: Buffer.byteLength(JSON.stringify(body)),
      toolsInBody: body.tools?.length ?? 0,
      turnsWithoutReply: withoutReply,
    };
  } finally {
    await node?.close();
    await fake.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
