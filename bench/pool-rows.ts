/**
 * Section 2's rows of the bench table: per scenario one row per figure with the three clients side
 * by side (pool · round-robin · cooldown), the pool's ratios to each baseline, then the low-demand run.
 */
import type { ClientResult } from './pool-utilisation.ts';

/** One row of bench/run.ts's table (the same shape). */
interface Row {
  metric: string;
  value: string;
  goal: string;
  ok?: boolean;
}

const pct = (x: number): string => `${(x * 100).toFixed(1)} %`;
const ms0 = (x: number): string => x.toFixed(0);
const ratio = (a: number, b: number): string =>
  b === 0 ? (a === 0 ? '1.00×' : '∞') : `${(a / b).toFixed(2)}×`;

/** Share of urgent turns answered by the provider (not the built-in fallback, not an error). */
function urgentServed(r: ClientResult): number {
  return r.urgentTurns === 0 ? 1 : (r.urgentTurns - r.urgentFallbacks) / r.urgentTurns;
}

function keyMax(r: ClientResult): string {
  const keys = Object.values(r.perKey);
  return `${Math.max(...keys.map((k) => k.max1s))}/${Math.max(...keys.map((k) => k.max60s))}`;
}

function scenarioRows(label: string, pool: ClientResult, rr: ClientResult, cd: ClientResult): Row[] {
  const all = [pool, rr, cd];
  const side = (f: (r: ClientResult) => string) => all.map(f).join(' · ');
  const limit = `${Number(pool.keyLimit1s.toFixed(2))}/${Number(pool.keyLimit60s.toFixed(2))}`;
  return [
    {
      metric: `${label}: ${pool.scenario}`,
      value: `Σ budget ${pool.budget} req in ${pool.phaseMs / 1000} s (≤ ${pool.coldCapacity} from cold); pool told ${pool.configuredRpm} rpm`,
      goal: '',
    },
    {
      metric: `  ${label} served / Σ budget (server-accepted)`,
      value: side((r) => pct(r.served)),
      goal: 'pool ≥ 95 %',
      ok: pool.served >= 0.95,
    },
    {
      metric: `  ${label} pool ÷ round-robin, ÷ cooldown: served`,
      value: `${ratio(pool.served, rr.served)}, ${ratio(pool.served, cd.served)}`,
      goal: '≥ 1× both',
      ok: pool.served >= rr.served && pool.served >= cd.served,
    },
    {
      metric: `  ${label} provider 429s / requests sent`,
      value: side((r) => `${pct(r.rate429)} (${r.provider429}/${r.requestsSent})`),
      goal: 'pool ≤ 1 %',
      ok: pool.rate429 <= 0.01,
    },
    {
      metric: `  ${label} pool ÷ round-robin, ÷ cooldown: 429 rate`,
      value: `${ratio(pool.rate429, rr.rate429)}, ${ratio(pool.rate429, cd.rate429)}`,
      goal: '',
    },
    {
      metric: `  ${label} prospect-visible errors`,
      value: side((r) => String(r.visibleErrors)),
      goal: 'pool 0',
      ok: pool.visibleErrors === 0,
    },
    {
      metric: `  ${label} fallbacks to built-in / turns (urgent)`,
      value: side((r) => `${r.fallbacks}/${r.turns} (${r.urgentFallbacks}/${r.urgentTurns})`),
      goal: '',
    },
    {
      metric: `  ${label} urgent turns the LLM answered`,
      value: side((r) => pct(urgentServed(r))),
      goal: 'pool ≥ 99 %',
      ok: urgentServed(pool) >= 0.99,
    },
    {
      metric: `  ${label} turn latency p50 / p95, ms`,
      value: side((r) => `${ms0(r.turnMs.p50)}/${ms0(r.turnP95Ms)}`),
      goal: '',
    },
    {
      metric: `  ${label} 429s per key (server)`,
      value: side((r) =>
        Object.values(r.perKey)
          .map((k) => k.rateLimited)
          .join('/'),
      ),
      goal: '',
    },
    {
      metric: `  ${label} conversations that changed key`,
      value: side((r) => `${r.keyChanges}/${r.conversations}`),
      goal: '',
    },
    {
      metric: `  ${label} max per key in any 1 s / 60 s (server)`,
      value: side(keyMax),
      goal: `≤ ${limit}`,
    },
  ];
}

function lowDemandRows(r: ClientResult): Row[] {
  const conversations = r.conversations;
  // The pool's pacing interval at the rate it was told (less its 3 % margin).
  const interval = 60_000 / (r.configuredRpm * 0.97);
  return [
    {
      metric: `Low demand (pool only): ${r.scenario}`,
      value: `${pct(r.demandFactor)} of Σ budget ${r.budget} in ${r.phaseMs / 1000} s, ${conversations} conversations`,
      goal: '',
    },
    { metric: '  low demand: served / Σ budget', value: `${pct(r.served)} (${r.accepted})`, goal: '' },
    {
      metric: '  low demand: provider 429s / requests sent',
      value: `${pct(r.rate429)} (${r.provider429}/${r.requestsSent})`,
      goal: '≤ 1 %',
      ok: r.rate429 <= 0.01,
    },
    {
      metric: '  low demand: prospect-visible errors, fallbacks',
      value: `${r.visibleErrors}, ${r.fallbacks}/${r.turns}`,
      goal: '0, 0',
      ok: r.visibleErrors === 0 && r.fallbacks === 0,
    },
    {
      metric: '  low demand: conversations that changed key',
      value: `${r.keyChanges}/${conversations}`,
      goal: '0',
      ok: r.keyChanges === 0,
    },
    {
      metric: '  low demand: added wait for a lease p50 / p99',
      value: `${r.leaseWaitMs.p50.toFixed(2)} / ${r.leaseWaitMs.p99.toFixed(2)} ms`,
      goal: `p99 ≤ one pacing interval (${ms0(interval)} ms)`,
      ok: r.leaseWaitMs.p99 <= interval,
    },
    {
      metric: '  low demand: turn latency p50 / p95',
      value: `${ms0(r.turnMs.p50)} / ${ms0(r.turnP95Ms)} ms`,
      goal: '',
    },
  ];
}

export function utilisationRows(results: ClientResult[]): Row[] {
  const rows: Row[] = [];
  const high = results.filter((r) => r.demand === 'high');
  const ids = [...new Set(high.map((r) => r.scenarioId))];
  for (const [i, id] of ids.entries()) {
    const of = (client: ClientResult['client']) =>
      high.find((r) => r.scenarioId === id && r.client === client);
    const pool = of('pool');
    const rr = of('round-robin');
    const cd = of('cooldown');
    if (pool && rr && cd) rows.push(...scenarioRows(`S${i + 1}`, pool, rr, cd));
  }
  for (const r of results.filter((x) => x.demand === 'low')) rows.push(...lowDemandRows(r));
  const loop = results[0]?.loopDelayMs;
  if (loop)
    rows.push({
      metric: 'bench event-loop delay p50 / p99 / max (shared)',
      value: `${loop.p50} / ${loop.p99} / ${loop.max} ms`,
      goal: '',
    });
  return rows;
}
