/**
 * Section 6a: what a whole REST turn adds over a bare model call, through the HTTP path a user
 * calls. The same stack as the load section (test server in this process, leadbot node in its own,
 * default settings), model latency 0: each pair is one `POST /webhooks/rest` from a new prospect
 * ("Hola, buenas tardes": one model call, no tool round) and one bare `openai` SDK call to the same
 * server with the same key, interleaved so drift hits both sides alike.
 */
import { Agent } from 'node:http';
import OpenAI from 'openai';
import { llmRequests, post, startStack } from './load.ts';
import { nowMs, round, summarize, type Summary } from './stats.ts';

export interface RestOverheadResult {
  n: number;
  restMs: Summary;
  bareMs: Summary;
  addedP50Ms: number;
  addedP99Ms: number;
  /** Median of per-pair differences (REST i − bare i). */
  pairedAddedP50Ms: number;
  /** Model requests per REST turn in the measured pairs (1 expected). */
  llmCallsPerTurn: number;
  /** REST answers that were not a 200 with a reply. */
  failed: number;
}

export async function runRestOverhead(
  o: { n: number; warmup: number },
  progress: (s: string) => void,
): Promise<RestOverheadResult> {
  const { fake, node, stop } = await startStack(0);
  const agent = new Agent({ keepAlive: true, maxSockets: 4 });
  const bare = new OpenAI({ apiKey: 'k1', baseURL: fake.url, maxRetries: 0 });
  const url = new URL('/webhooks/rest', node.url);
  try {
    progress(`  REST turn against a bare SDK call: ${o.n} pairs after ${o.warmup} warm-up…`);
    const rest: number[] = [];
    const direct: number[] = [];
    const diffs: number[] = [];
    let failed = 0;
    let requests = 0;
    for (let i = 0; i < o.warmup + o.n; i++) {
      const measured = i >= o.warmup;
      const before = llmRequests(fake);
      const t0 = nowMs();
      const answer = await post(agent, url, { sender: `ov-${i}`, message: 'Hola, buenas tardes' }, 30_000);
      const t1 = nowMs();
      await bare.chat.completions.create({
        model: 'fake-builtin',
        messages: [{ role: 'user', content: 'Hola, buenas tardes' }],
      });
      const t2 = nowMs();
      if (!measured) continue;
      requests += llmRequests(fake) - before - 1;
      if (answer.status !== 200 || !answer.text.includes('"text"')) {
        failed++;
        if (process.env.DEBUG_OVERHEAD) progress(`    ${answer.status} ${answer.text.slice(0, 200)}`);
      }
      rest.push(t1 - t0);
      direct.push(t2 - t1);
      diffs.push(t1 - t0 - (t2 - t1));
    }
    const restMs = summarize(rest);
    const bareMs = summarize(direct);
    return {
      n: o.n,
      restMs,
      bareMs,
      addedP50Ms: round(restMs.p50 - bareMs.p50, 3),
      addedP99Ms: round(restMs.p99 - bareMs.p99, 3),
      pairedAddedP50Ms: round(summarize(diffs).p50, 3),
      llmCallsPerTurn: requests / o.n,
      failed,
    };
  } finally {
    agent.destroy();
    await stop();
  }
}
