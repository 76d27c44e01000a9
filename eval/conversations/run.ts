/**
 * `npm run eval:conversations`: drives simulated prospects (dev and test splits) through a real
 * leadbot over the REST channel and prints how many conversations end as a correct lead.
 *
 *   --split dev|test|all     which personas (default all)
 *   --kind KIND              only one kind (e.g. outage)
 *   --model-url URL          an OpenAI-compatible endpoint instead of the built-in model
 *   --fake-llm               the project's OpenAI-compatible test server (real wire protocol, tool
 *                            calls through save_temp_lead_data), started in-process
 *   --model NAME --key KEY   model name and API key for --model-url (key also from LEADBOT_LLM_KEYS)
 *   --url URL --token T      score a leadbot that is already running (REST + admin API) instead
 *   --json FILE              where to write the full report (default eval-report.json)
 *   --show-failures          print the transcript of every conversation that was not fully correct
 */

import { existsSync, readFileSync, writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { devPersonas } from './dev-personas.ts';
import { formatTable, scoreConversation, table, type Score } from './score.ts';
import { runPersona, type Target } from './simulator.ts';
import type { ConversationResult, Persona, Split } from './types.ts';

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = join(HERE, '..', '..');

const personaFile = (name: string): Persona[] =>
  JSON.parse(readFileSync(join(ROOT, 'eval', 'personas', name), 'utf8')) as Persona[];

/**
 * The test split, only scored, never tuned on: hand-written by someone who never saw the rules
 * (`test.json`), and a second set written blind to the rules and every other persona, labelled by
 * the rubric (`test-2.json`).
 */
export function testPersonas(): Persona[] {
  return ['test.json', 'test-2.json'].flatMap(personaFile);
}

/** Hand-written dev files: written by two authors who saw neither the rules nor the corpus. */
const DEV_FILES = ['dev-handwritten.json', 'dev-handwritten-2.json', 'dev-handwritten-3.json'];

/** The dev split: generated from templates, plus hand-written personas kept for tuning. */
export function devSplit(): Persona[] {
  return [
    ...devPersonas(),
    ...DEV_FILES.filter((f) => existsSync(join(ROOT, 'eval', 'personas', f))).flatMap(personaFile),
  ];
}

export interface EvalOptions {
  splits: Split[];
  kind?: string;
  modelUrl?: string;
  model?: string;
  key?: string;
  url?: string;
  token?: string;
  /** Conversations run at once (default 4). */
  concurrency?: number;
  /** Start the project's OpenAI-compatible test server and use it as the model. */
  fakeLlm?: boolean;
}

async function startTarget(options: EvalOptions): Promise<{ target: Target; close: () => Promise<void> }> {
  let o = options;
  let closeFake = async (): Promise<void> => {};
  if (o.fakeLlm) {
    const { startFakeLlmServer, FAKE_MODEL } = await import('../../src/fake-llm/server.ts');
    // Several keys: the pool pins each live conversation to one and caps conversations per key.
    const keys = ['eval-1', 'eval-2', 'eval-3', 'eval-4'];
    const fake = await startFakeLlmServer({ keys: Object.fromEntries(keys.map((k) => [k, {}])) });
    o = { ...o, modelUrl: fake.url, model: FAKE_MODEL, key: keys.join(',') };
    closeFake = () => fake.close();
  }
  const started = await startNode(o);
  return { target: started.target, close: async () => (await started.close(), await closeFake()) };
}

async function startNode(o: EvalOptions): Promise<{ target: Target; close: () => Promise<void> }> {
  if (o.url)
    return { target: { url: o.url, adminToken: o.token ?? '', tenant: 'demo' }, close: async () => {} };
  const { loadConfig } = await import('../../src/config/load.ts');
  const { startLeadbot } = await import('../../src/main.ts');
  const dataDir = mkdtempSync(join(tmpdir(), 'leadbot-eval-'));
  const adminToken = `eval-${Math.random().toString(36).slice(2)}`;
  const env: Record<string, string> = {
    PORT: '0',
    HOST: '127.0.0.1',
    LEADBOT_DATA_DIR: dataDir,
    LEADBOT_ADMIN_TOKEN: adminToken,
    LEADBOT_LOG_LEVEL: process.env.LEADBOT_LOG_LEVEL ?? 'silent',
  };
  if (o.modelUrl) {
    env.LEADBOT_LLM_BASE_URL = o.modelUrl;
    env.LEADBOT_LLM_MODEL = o.model ?? 'gpt-4o-mini';
    env.LEADBOT_LLM_KEYS = o.key ?? process.env.LEADBOT_LLM_KEYS ?? 'eval-key';
    // The test server has no limits; a real endpoint's come from the environment as usual.
    const rpm = o.fakeLlm ? '1000000' : process.env.LEADBOT_LLM_RPM;
    if (rpm) env.LEADBOT_LLM_RPM = rpm;
  }
  const config = loadConfig({ cwd: ROOT, env });
  // Every simulated prospect writes at machine speed: tenant flood control is not what is measured.
  const node = await startLeadbot({
    ...config,
    security: { ...config.security, maxMessagesPerTenantPerMinute: 1_000_000 },
  });
  if (!node.url) throw new Error('leadbot started without HTTP');
  return {
    target: { url: node.url, adminToken, tenant: 'demo' },
    close: async () => {
      await node.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

async function pool<T, R>(items: readonly T[], n: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = [];
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(n, items.length) }, worker));
  return out;
}

/** Runs the evaluation and returns every conversation and its score. */
export async function evaluate(o: EvalOptions): Promise<{ results: ConversationResult[]; scores: Score[] }> {
  const personas: [Persona, Split][] = [];
  if (o.splits.includes('dev')) personas.push(...devSplit().map((p): [Persona, Split] => [p, 'dev']));
  if (o.splits.includes('test')) personas.push(...testPersonas().map((p): [Persona, Split] => [p, 'test']));
  const chosen = personas.filter(([p]) => o.kind === undefined || p.kind === o.kind);
  const { target, close } = await startTarget(o);
  const runId = `eval${Date.now().toString(36)}`;
  try {
    const results = await pool(chosen, o.concurrency ?? 4, ([p, split]) =>
      runPersona(target, p, split, runId),
    );
    return { results, scores: results.map(scoreConversation) };
  } finally {
    await close();
  }
}

function printFailures(results: readonly ConversationResult[], scores: readonly Score[]): void {
  results.forEach((r, i) => {
    const s = scores[i];
    if (!s || (s.fully && s.formatViolations.length === 0)) return;
    const wrong = Object.entries(s.fields)
      .filter(([, ok]) => !ok)
      .map(([f]) => f);
    console.log(
      `\n--- ${s.id} (${s.kind}, ${s.lang}) wrong: ${wrong.join(', ') || (s.leadOk ? '-' : 'lead')}`,
    );
    for (const x of r.transcript)
      console.log(`  > ${x.said}\n  < ${x.replies.join(' | ').replace(/\n+/gu, ' ')}`);
    console.log(`  lead: ${JSON.stringify(r.lead)}`);
    if (s.formatViolations.length) console.log(`  format: ${s.formatViolations.join('; ')}`);
  });
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      split: { type: 'string', default: 'all' },
      kind: { type: 'string' },
      'model-url': { type: 'string' },
      'fake-llm': { type: 'boolean', default: false },
      model: { type: 'string' },
      key: { type: 'string' },
      url: { type: 'string' },
      token: { type: 'string' },
      json: { type: 'string', default: 'eval-report.json' },
      'show-failures': { type: 'boolean', default: false },
    },
  });
  const splits: Split[] = values.split === 'all' ? ['dev', 'test'] : [values.split as Split];
  if (!splits.every((s) => s === 'dev' || s === 'test')) throw new Error('--split must be dev, test or all');
  const started = Date.now();
  const { results, scores } = await evaluate({
    splits,
    ...(values.kind ? { kind: values.kind } : {}),
    ...(values['model-url'] ? { modelUrl: values['model-url'] } : {}),
    ...(values['fake-llm'] ? { fakeLlm: true } : {}),
    ...(values.model ? { model: values.model } : {}),
    ...(values.key ? { key: values.key } : {}),
    ...(values.url ? { url: values.url } : {}),
    ...(values.token ? { token: values.token } : {}),
  });
  if (values['show-failures']) printFailures(results, scores);
  const rows = splits.flatMap((split) =>
    table(
      split,
      scores.filter((s) => s.split === split),
    ),
  );
  console.log(`\n${formatTable(rows)}`);
  console.log(`\n${results.length} conversations in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  writeFileSync(values.json, JSON.stringify({ rows, scores, results }, null, 2));
  console.log(`full report: ${values.json}`);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  main().catch((err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  });
}
