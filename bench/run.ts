/**
 * `npm run bench [-- --quick]`: runs the six sections (runtime overhead per message, the KeyPool
 * against provider limit models next to round-robin and cooldown baselines, lease + release cost, the actor runtime's memory,
 * passivation, crash-to-ready and rehydration, cluster hop latency, 1 vs 3 workers throughput and a
 * kill -9 test on NATS, many prospects at once over REST), prints one aligned table to
 * stdout and writes every figure to `bench/results.json`. A benchmark reports; it never fails on a
 * missed goal (exit code 0), it marks it MISSED. All traffic goes to 127.0.0.1.
 */
import { writeFileSync } from 'node:fs';
import { cpus, loadavg, platform, release, totalmem } from 'node:os';
import { fileURLToPath } from 'node:url';
import { runActors, type ActorsResult } from './actors.ts';
import { clusterRows, runCluster, type ClusterOptions } from './cluster.ts';
import { runLeaseCost, type LeaseCostResult } from './lease-cost.ts';
import { runLoad, type LoadRun } from './load.ts';
import { loadRows, restOverheadRows } from './load-rows.ts';
import { runRestOverhead } from './rest-overhead.ts';
import { runOverhead, type OverheadResult } from './overhead.ts';
import { utilisationRows } from './pool-rows.ts';
import { runUtilisation, type UtilisationOptions } from './pool-utilisation.ts';

interface Row {
  metric: string;
  value: string;
  goal: string;
  /** undefined: no goal (reference figure). */
  ok?: boolean;
}

const quick = process.argv.includes('--quick');
const RESULTS = fileURLToPath(new URL('./results.json', import.meta.url));

const settings = {
  overhead: { n: quick ? 300 : 500, warmup: quick ? 30 : 50 },
  utilisation: {
    phaseMs: quick ? 20_000 : 60_000,
    demandFactor: 2,
    lowDemandFactor: 0.6,
    keys: 3,
    rpm: 120,
    latencyMs: 300,
    turnGapMs: 5_000,
    urgentShare: 0.05,
    seed: 20_240_601,
  } satisfies UtilisationOptions,
  leaseCost: { pairs: 100_000, warmup: 20_000, seed: 7 },
  actors: {
    sizes: quick ? [10_000] : [10_000, 100_000],
    total: quick ? 20_000 : 100_000,
    activeShare: 0.01,
    restarts: quick ? 500 : 2000,
    rehydrations: quick ? 500 : 2000,
  },
  cluster: {
    partitions: 16,
    leaseTtlMs: 3_000,
    replyTimeoutMs: 15_000,
    hop: { n: quick ? 500 : 2000, warmup: quick ? 50 : 200, conversations: 16 },
    throughput: { conversations: quick ? 48 : 150, rounds: quick ? 5 : 7, concurrency: 16 },
    kill: { conversations: quick ? 48 : 150, concurrency: 16, killAfter: 0.3, firstAttemptTimeoutMs: 2_000 },
  } satisfies ClusterOptions,
  /** Section 6: (model latency ms, prospects at once); each prospect sends `turns` messages. */
  load: {
    shapes: quick
      ? [
          [1000, 500],
          [1000, 1500],
        ]
      : [
          [1000, 500],
          [1000, 1500],
          [1000, 5000],
          [3000, 5000],
        ],
    turns: quick ? 3 : 5,
    clientTimeoutMs: 30_000,
  },
};

const ms = (x: number): string => `${x.toFixed(2)} ms`;
const us = (x: number): string => `${x.toFixed(2)} µs`;

function progress(text: string): void {
  process.stderr.write(`bench: ${text}\n`);
}

function overheadRows(r: OverheadResult): Row[] {
  return [
    {
      metric: 'turn through leadbot p50 / p99',
      value: `${ms(r.turnMs.p50)} / ${ms(r.turnMs.p99)}`,
      goal: '',
    },
    {
      metric: 'bare openai SDK call p50 / p99',
      value: `${ms(r.bareMs.p50)} / ${ms(r.bareMs.p99)}`,
      goal: '',
    },
    {
      metric: 'overhead (turn − bare) p50',
      value: ms(r.overheadP50Ms),
      goal: '≤ 2 ms',
      ok: r.overheadP50Ms <= 2,
    },
    { metric: 'overhead (turn − bare) p99', value: ms(r.overheadP99Ms), goal: '' },
    { metric: 'overhead, median of paired diffs', value: ms(r.pairedOverheadP50Ms), goal: '' },
    {
      metric: '  of which LMDB saveTurn (in turns) p50 / p99',
      value: `${ms(r.saveTurnInTurnMs.p50)} / ${ms(r.saveTurnInTurnMs.p99)}`,
      goal: '',
    },
    {
      metric: '  overhead p50 without the commit',
      value: ms(r.overheadP50Ms - r.saveTurnInTurnMs.p50),
      goal: '',
    },
    {
      metric: 'LMDB saveTurn alone p50 / p99',
      value: `${ms(r.saveTurnMs.p50)} / ${ms(r.saveTurnMs.p99)}`,
      goal: '',
    },
    {
      metric: 'LLM calls per turn',
      value: `${r.llmCallsPerTurn.toFixed(2)} (${r.turnRequests}/${r.n})`,
      goal: '= 1',
      ok: r.llmCallsPerTurn === 1 && r.bareRequests === r.n,
    },
    {
      metric: 'request body (both sides)',
      value: `${r.bodyBytes} B, system ${r.systemPromptChars} ch, ${r.toolsInBody} tools`,
      goal: '',
    },
  ];
}

function leaseRows(r: LeaseCostResult): Row[] {
  return [
    {
      metric: 'acquire + release p50 / p99 (the actor the node runs)',
      value: `${us(r.leaseUs.p50)} / ${us(r.leaseUs.p99)}`,
      goal: '',
    },
    {
      metric: 'same on the bare core (no mailbox) p50 / p99',
      value: `${us(r.coreUs.p50)} / ${us(r.coreUs.p99)}`,
      goal: '',
    },
    {
      metric: 'ratio actor / bare core p50',
      value: `${r.actorRatioP50}×`,
      goal: '≤ 2×',
      ok: r.actorRatioP50 <= 2,
    },
    {
      metric: 'baseline `await noop()` p50 / p99',
      value: `${us(r.baselineUs.p50)} / ${us(r.baselineUs.p99)}`,
      goal: '',
    },
    { metric: 'ratio lease / baseline p50 / p99', value: `${r.ratioP50}× / ${r.ratioP99}×`, goal: '' },
    {
      metric: 'untimed throughput',
      value: `${r.throughputPerSec.toLocaleString('en-US')} pairs/s (${us(r.meanUsUntimed)} mean)`,
      goal: '',
    },
  ];
}

function actorRows(r: ActorsResult): Row[] {
  const kb = (b: number) => `${(b / 1024).toFixed(2)} KB`;
  return [
    ...r.perActorBytes.map((p) => ({
      metric: `heap per live idle conversation (${p.actors.toLocaleString('en-US')})`,
      value: kb(p.bytes),
      goal: '≤ 8 KB',
      ok: p.bytes <= 8 * 1024,
    })),
    {
      metric: `${r.activeRun.total.toLocaleString('en-US')} conversations: heap all live`,
      value: `${r.activeRun.heapAllLiveMb} MB`,
      goal: '',
    },
    {
      metric: `  after passivation (${r.activeRun.active} active, ${r.activeRun.liveAfter} live)`,
      value: `${r.activeRun.heapAfterPassivationMb} MB`,
      goal: 'follows active set',
      ok:
        r.activeRun.liveAfter === r.activeRun.active &&
        r.activeRun.heapAfterPassivationMb < r.activeRun.heapAllLiveMb / 10,
    },
    {
      metric: 'crash-to-ready of a restarted actor p50 / p99',
      value: `${ms(r.crashToReadyMs.p50)} / ${ms(r.crashToReadyMs.p99)}`,
      goal: 'p99 ≤ 5 ms',
      ok: r.crashToReadyMs.p99 <= 5,
    },
    {
      metric: '  messages lost across restarts',
      value: String(r.restartLost),
      goal: '0',
      ok: r.restartLost === 0,
    },
    {
      metric: 'rehydration from LMDB p50 / p99',
      value: `${ms(r.rehydrateMs.p50)} / ${ms(r.rehydrateMs.p99)}`,
      goal: '',
    },
  ];
}

function table(sections: { title: string; rows: Row[] }[]): string {
  const all = sections.flatMap((s) => s.rows);
  const header: Row = { metric: 'metric', value: 'value', goal: 'goal' };
  const width = {
    metric: Math.max(...[header, ...all].map((r) => r.metric.length)),
    value: Math.max(...[header, ...all].map((r) => r.value.length)),
    goal: Math.max(...[header, ...all].map((r) => r.goal.length)),
  };
  const line = (r: Row, ok: string) =>
    `${r.metric.padEnd(width.metric)} | ${r.value.padEnd(width.value)} | ${r.goal.padEnd(width.goal)} | ${ok}`.trimEnd();
  const rule = '-'.repeat(width.metric + width.value + width.goal + 16);
  const out = [line(header, 'ok?'), rule];
  for (const section of sections) {
    out.push(`[${section.title}]`);
    for (const r of section.rows) out.push(line(r, r.ok === undefined ? '' : r.ok ? 'ok' : 'MISSED'));
  }
  return out.join('\n');
}

async function main(): Promise<void> {
  const started = new Date();
  const t0 = performance.now();
  const machine = {
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model ?? 'unknown',
    memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    node: process.version,
    platform: `${platform()} ${release()}`,
    loadavgAtStart: loadavg().map((x) => Math.round(x * 100) / 100),
  };
  progress(`${quick ? 'quick' : 'full'} run on ${machine.cpus} cpus, node ${machine.node}`);

  progress(`section 1, runtime overhead: ${settings.overhead.n} turns + ${settings.overhead.n} bare calls…`);
  const overhead = await runOverhead(settings.overhead);
  progress(`section 3, lease + release cost: ${settings.leaseCost.pairs} pairs…`);
  const leaseCost = await runLeaseCost(settings.leaseCost);
  const u = settings.utilisation;
  progress(
    `section 2, KeyPool against provider limit models: 13 runs at once, ${u.phaseMs / 1000} s of demand…`,
  );
  const utilisation = await runUtilisation(u);
  progress('section 4, actor runtime: memory, passivation, crash-to-ready, rehydration…');
  const actors = await runActors(settings.actors, progress);
  progress('section 5, cluster on NATS: hop latency, throughput 1 vs 3 workers, kill -9 test…');
  const cluster = await runCluster(settings.cluster, progress);
  progress('section 6, the REST path: added latency, then many prospects at once (node in its own process)…');
  const restOverhead = await runRestOverhead(settings.overhead, progress);
  const load: LoadRun[] = [];
  for (const [modelLatencyMs, prospects] of settings.load.shapes as [number, number][])
    load.push(
      await runLoad(
        {
          prospects,
          modelLatencyMs,
          turns: settings.load.turns,
          clientTimeoutMs: settings.load.clientTimeoutMs,
        },
        progress,
      ),
    );

  const sections = [
    { title: '1. runtime overhead per message (fake LLM, latency 0)', rows: overheadRows(overhead) },
    {
      title: `2. KeyPool against provider limit models (${u.keys} keys × ${u.rpm} rpm, latency ${u.latencyMs} ms, demand ${u.demandFactor}× Σ budget for ${u.phaseMs / 1000} s; values: pool · round-robin · cooldown)`,
      rows: utilisationRows(utilisation),
    },
    {
      title: '3. lease + release cost (8 keys, 1,000 conversations, no network)',
      rows: leaseRows(leaseCost),
    },
    {
      title: '4. actor runtime (instant fake effects; LMDB for restarts and rehydration)',
      rows: actorRows(actors),
    },
    {
      title: `5. cluster on NATS JetStream (private nats-server; leadbot processes, built-in model, ${settings.cluster.partitions} partitions, lease ${settings.cluster.leaseTtlMs / 1000} s)`,
      rows: clusterRows(cluster),
    },
    {
      title: `6. many prospects at once (REST, default settings, 3 keys on the test server with high limits; ${settings.load.turns} messages each, Retry-After honoured)`,
      rows: [...restOverheadRows(restOverhead), ...loadRows(load)],
    },
  ];
  const rows = sections.flatMap((s) => s.rows);
  const missed = rows.filter((r) => r.ok === false).map((r) => r.metric.trim());
  const durationS = Math.round((performance.now() - t0) / 100) / 10;
  process.stdout.write(
    `\nleadbot bench (${quick ? '--quick' : 'full'}), ${started.toISOString()}, ${machine.cpus} × ${machine.cpuModel}, node ${machine.node}\n\n`,
  );
  process.stdout.write(`${table(sections)}\n\n`);
  process.stdout.write(
    missed.length ? `MISSED ${missed.length} goal(s): ${missed.join('; ')}\n` : 'All goals met.\n',
  );
  process.stdout.write(`(${durationS} s; every figure in ${RESULTS})\n`);

  const results = {
    date: started.toISOString(),
    mode: quick ? 'quick' : 'full',
    durationS,
    machine,
    settings,
    overhead,
    utilisation,
    leaseCost,
    actors,
    cluster,
    restOverhead,
    load,
    goals: rows.filter((r) => r.ok !== undefined).map((r) => ({ ...r, metric: r.metric.trim() })),
    missed,
  };
  writeFileSync(RESULTS, `${JSON.stringify(results, null, 2)}\n`);
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(
      `bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    process.exit(1);
  },
);
