/**
 * Section 6 rows: many prospects at once over REST. Goals are the figures for this machine;
 * a shape without a goal is a reference figure.
 */
import type { LoadRun } from './load.ts';
import type { RestOverheadResult } from './rest-overhead.ts';

interface Row {
  metric: string;
  value: string;
  goal: string;
  ok?: boolean;
}

/** Throughput and p99 goals per (model latency, prospects). */
const GOALS: Record<string, { repliesPerS: number; p99Ms: number }> = {
  '1000/1500': { repliesPerS: 1000, p99Ms: 1500 },
  '3000/5000': { repliesPerS: 1500, p99Ms: 4000 },
};

const fixed = (x: number, d = 0): string => x.toFixed(d);

export function loadRows(runs: readonly LoadRun[]): Row[] {
  return runs.flatMap((r) => {
    const label = `${r.prospects} prospects, ${r.modelLatencyMs / 1000} s model`;
    const goal = GOALS[`${r.modelLatencyMs}/${r.prospects}`];
    const failed = Object.values(r.errors).reduce((a, b) => a + b, 0);
    const rows: Row[] = [
      {
        metric: `${label}: replies/s`,
        value: `${fixed(r.repliesPerS, 1)} (${r.replies} in ${fixed(r.durationMs / 1000, 1)} s)`,
        goal: goal ? `≥ ${goal.repliesPerS}` : '',
        ...(goal ? { ok: r.repliesPerS >= goal.repliesPerS } : {}),
      },
      {
        metric: `  turn p50 / p99 (first try → answer)`,
        value: `${fixed(r.turnMs.p50)} / ${fixed(r.turnMs.p99)} ms`,
        goal: goal ? `p99 ≤ ${goal.p99Ms} ms` : '',
        ...(goal ? { ok: r.turnMs.p99 <= goal.p99Ms } : {}),
      },
      {
        metric: `  failed messages / empty replies`,
        value: `${failed} (${JSON.stringify(r.errors)}) / ${r.empty}`,
        goal: '0 / 0',
        ok: failed === 0 && r.empty === 0,
      },
      {
        metric: `  503 + Retry-After waited out and retried`,
        value: String(r.refusals),
        goal: '',
      },
      {
        metric: `  CPU per reply: node · model server + load generator`,
        value: `${fixed(r.cpuMsPerReply.node, 2)} · ${fixed(r.cpuMsPerReply.modelAndClient, 2)} ms`,
        goal: '',
      },
      {
        metric: `  model calls per turn; node peak RSS`,
        value: `${fixed(r.llmCallsPerTurn, 2)}; ${r.peakRssMb ?? '?'} MB`,
        goal: '',
      },
    ];
    return rows;
  });
}

export function restOverheadRows(r: RestOverheadResult): Row[] {
  const ms = (x: number): string => `${x.toFixed(2)} ms`;
  return [
    {
      metric: 'REST turn p50 / p99 (HTTP in, one model call, reply out)',
      value: `${ms(r.restMs.p50)} / ${ms(r.restMs.p99)}`,
      goal: '',
    },
    {
      metric: 'bare openai SDK call p50 / p99',
      value: `${ms(r.bareMs.p50)} / ${ms(r.bareMs.p99)}`,
      goal: '',
    },
    {
      metric: 'REST turn added p50 (turn − bare)',
      value: `${ms(r.addedP50Ms)} (paired ${ms(r.pairedAddedP50Ms)})`,
      goal: '≤ 1.5 ms',
      ok: r.addedP50Ms <= 1.5,
    },
    { metric: 'REST turn added p99', value: ms(r.addedP99Ms), goal: '≤ 10 ms', ok: r.addedP99Ms <= 10 },
    {
      metric: 'model calls per REST turn; failed turns',
      value: `${r.llmCallsPerTurn.toFixed(2)}; ${r.failed}`,
      goal: '1; 0',
      ok: r.llmCallsPerTurn === 1 && r.failed === 0,
    },
    {
      metric: 'Portkey gateway added p50 (reference)',
      value: 'not measured: @portkey-ai/gateway is not a dependency',
      goal: '',
    },
  ];
}
