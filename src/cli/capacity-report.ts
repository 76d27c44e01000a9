/**
 * The pure half of `leadbot capacity`: turning what the run measured (Locust's files, the test
 * server's counters, the node's pins) into per-key and total figures and the
 * `llm.maxConversationsPerKey` recommendation, and printing them. No I/O here, so the unit tests need
 * no Locust (test/unit/capacity.test.ts).
 */
import type { LocustStats, LocustStatsRow, UserHistory } from './locust.ts';

/** What one key did during the run: the fake provider's counters and the node's pins. */
export interface KeyMeasure {
  id: string;
  /** The provider's requests-per-minute limit of this key. */
  limitRpm: number;
  /** Requests the provider accepted and answered 429 to, during the run. */
  accepted: number;
  rateLimited: number;
  /** Conversations pinned to the key (node `/metrics`), mean and peak of the samples. */
  pinnedMean: number;
  pinnedPeak: number;
}

/** Conversations pinned per key, sampled from the node's `/metrics` (`pool_status`) during the run. */
export class PinSampler {
  private readonly pins = new Map<string, number[]>();
  add(poolStatus: readonly { key_id: string; active_conversations: number }[]): void {
    for (const k of poolStatus) {
      const list = this.pins.get(k.key_id) ?? [];
      list.push(k.active_conversations);
      this.pins.set(k.key_id, list);
    }
  }
  mean(id: string): number {
    const list = this.pins.get(id) ?? [];
    return list.length ? list.reduce((a, b) => a + b, 0) / list.length : 0;
  }
  peak(id: string): number {
    return Math.max(0, ...(this.pins.get(id) ?? []));
  }
}

/** The test server's counters of one key (`FakeLlmStats`): what `keyMeasures` reads. */
interface ProviderStats {
  keys: Record<string, { rateLimited: number } | undefined>;
  acceptedLog: { keys: Record<string, number[] | undefined> };
}

/**
 * Per key (`id` → API secret): requests the provider accepted inside `window` (its accepted-request
 * log), 429s between the two snapshots, and the pins sampled meanwhile.
 */
export function keyMeasures(
  keys: readonly { id: string; secret: string; limitRpm: number }[],
  counters: { before: ProviderStats; after: ProviderStats },
  window: { fromMs: number; toMs: number },
  pins: PinSampler,
): KeyMeasure[] {
  const { before, after } = counters;
  return keys.map(({ id, secret, limitRpm }) => ({
    id,
    limitRpm,
    accepted: (after.acceptedLog.keys[secret] ?? []).filter((t) => t >= window.fromMs && t < window.toMs)
      .length,
    rateLimited: (after.keys[secret]?.rateLimited ?? 0) - (before.keys[secret]?.rateLimited ?? 0),
    pinnedMean: pins.mean(id),
    pinnedPeak: pins.peak(id),
  }));
}

/** Everything a capacity run measured. */
export interface CapacityMeasures {
  /** Length of the Locust run, ms (the window the provider counters cover). */
  windowMs: number;
  keys: KeyMeasure[];
  stats: LocustStats;
  history: UserHistory | undefined;
  /** Used when the history file is missing: users × (duration − ramp-up / 2). */
  users: number;
  spawnRate: number;
  /** Turns the node's built-in model answered instead of the LLM (`model_fallbacks` delta). */
  fallbacks: number;
  /** Median turn latency before the load (a short conversation alone on the node), ms. */
  unloadedTurnMs?: number | undefined;
}

export interface KeyFigures {
  id: string;
  limitRpm: number;
  servedRpm: number;
  rateLimited: number;
  /** Active conversations on this key: the mean of simulated users × this key's share of the pins. */
  conversations: number;
  pinnedPeak: number;
  /** Prospect messages per minute per conversation on this key, at the unloaded turn latency. */
  messagesPerMinute: number;
  recommended: number;
}

export interface TurnFigures {
  name: string;
  requests: number;
  failures: number;
  p50Ms: number | undefined;
  p95Ms: number | undefined;
}

export interface CapacityFigures {
  keys: KeyFigures[];
  turns: TurnFigures[];
  total: TurnFigures;
  /** Mean simulated users (= conversations held at once). */
  conversations: number;
  /** Messages per minute per conversation as measured (a prospect waits for each answer). */
  measuredMessagesPerMinute: number;
  /** Seconds a prospect spent per message apart from waiting for the answer. */
  thinkSecondsPerMessage: number;
  /** Mean turn latency under the load, and the median alone before it (ms). */
  averageTurnMs: number;
  unloadedTurnMs: number | undefined;
  /**
   * Messages per minute per conversation when the keys keep up: one per (think time + unloaded turn
   * latency), never below the measured rate. The recommendation is made from this.
   */
  messagesPerMinutePerConversation: number;
  /** Turns were much slower under load than alone, or fell back: the keys did not keep up. */
  saturated: boolean;
  /** LLM requests per prospect message the LLM answered (tool rounds, the judge, summaries). */
  llmCallsPerMessage: number;
  /** LLM requests per minute one conversation asks for. */
  llmRpmPerConversation: number;
  servedRpm: number;
  limitRpm: number;
  rateLimited: number;
  fallbacks: number;
  /** `llm.maxConversationsPerKey`: the smallest key limit / LLM requests per minute per conversation. */
  recommended: number;
}

const turnFigures = (row: LocustStatsRow): TurnFigures => ({
  name: row.name,
  requests: row.requests,
  failures: row.failures,
  p50Ms: row.percentiles['50%'],
  p95Ms: row.percentiles['95%'],
});

/** Conversations a key of `limitRpm` holds when each asks `perConversation` requests a minute. */
export function recommendFor(limitRpm: number, perConversation: number): number {
  if (!(perConversation > 0)) return 0;
  return Math.max(1, Math.floor(limitRpm / perConversation));
}

/**
 * Mean users and conversation-minutes over the run: from the history when there is one (the users of
 * its last sample held on to the end of the run), else from the ramp-up.
 */
function conversationTime(m: CapacityMeasures): { mean: number; minutes: number } {
  const seconds = m.windowMs / 1000;
  if (m.history && m.history.userSeconds > 0) {
    const { startS, endS, lastUsers } = m.history;
    const userSeconds = m.history.userSeconds + lastUsers * Math.max(0, seconds - (endS - startS));
    return { mean: userSeconds / Math.max(seconds, endS - startS), minutes: userSeconds / 60 };
  }
  const held = Math.max(0, seconds - m.users / Math.max(m.spawnRate, 1e-9) / 2);
  return { mean: (m.users * held) / Math.max(seconds, 1e-9), minutes: (m.users * held) / 60 };
}

/**
 * What one conversation asks for. A prospect waits for each answer, so a saturated run (slow turns)
 * measures fewer messages than prospects send when the keys keep up: the time spent waiting is taken
 * out and the unloaded turn latency put back.
 */
function demand(m: CapacityMeasures, total: LocustStatsRow, minutes: number) {
  const measured = minutes > 0 ? total.requests / minutes : 0;
  const waiting = (total.averageMs * total.requests) / 60_000;
  const thinkMinutes = total.requests > 0 ? Math.max(0, minutes - waiting) / total.requests : 0;
  const unloaded = m.unloadedTurnMs;
  const rate =
    unloaded !== undefined && total.requests > 0
      ? Math.max(measured, 1 / (thinkMinutes + unloaded / 60_000))
      : measured;
  const slow = unloaded !== undefined && total.averageMs > 2 * unloaded + 500;
  return { measured, rate, thinkSeconds: thinkMinutes * 60, saturated: slow || m.fallbacks > 0 };
}

/** Turns the measures into the figures of the table and the recommendation. */
export function computeCapacity(m: CapacityMeasures): CapacityFigures {
  const total = m.stats.total ?? {
    ...{ type: '', name: 'Aggregated', requests: 0, failures: 0, averageMs: 0, percentiles: {} },
  };
  const minutes = m.windowMs / 60_000;
  const time = conversationTime(m);
  const asked = demand(m, total, time.minutes);
  const accepted = m.keys.reduce((sum, k) => sum + k.accepted, 0);
  const llmCallsPerMessage = total.requests > 0 ? accepted / Math.max(1, total.requests - m.fallbacks) : 0;
  const llmRpmPerConversation = asked.rate * llmCallsPerMessage;
  // A key's conversations ask what it served them, scaled as the totals are.
  const scale = asked.measured > 0 ? asked.rate / asked.measured : 1;
  const pinned = m.keys.reduce((sum, k) => sum + k.pinnedMean, 0);
  const keys = m.keys.map((k): KeyFigures => {
    const share = pinned > 0 ? k.pinnedMean / pinned : accepted > 0 ? k.accepted / accepted : 0;
    const conversations = time.mean * share;
    const servedRpm = minutes > 0 ? k.accepted / minutes : 0;
    const perConversation = conversations > 0 ? (servedRpm / conversations) * scale : 0;
    return {
      ...{ id: k.id, limitRpm: k.limitRpm, servedRpm, rateLimited: k.rateLimited, conversations },
      pinnedPeak: k.pinnedPeak,
      messagesPerMinute: llmCallsPerMessage > 0 ? perConversation / llmCallsPerMessage : 0,
      recommended: recommendFor(k.limitRpm, perConversation),
    };
  });
  const smallest = Math.min(...m.keys.map((k) => k.limitRpm));
  return {
    ...{ keys, turns: m.stats.rows.map(turnFigures), total: turnFigures(total), conversations: time.mean },
    measuredMessagesPerMinute: asked.measured,
    thinkSecondsPerMessage: asked.thinkSeconds,
    ...{ averageTurnMs: total.averageMs, unloadedTurnMs: m.unloadedTurnMs, saturated: asked.saturated },
    messagesPerMinutePerConversation: asked.rate,
    ...{ llmCallsPerMessage, llmRpmPerConversation, servedRpm: minutes > 0 ? accepted / minutes : 0 },
    limitRpm: m.keys.reduce((sum, k) => sum + k.limitRpm, 0),
    rateLimited: m.keys.reduce((sum, k) => sum + k.rateLimited, 0),
    fallbacks: m.fallbacks,
    recommended: m.keys.length > 0 ? recommendFor(smallest, llmRpmPerConversation) : 0,
  };
}

/** The settings file fragment the recommendation is written as (`LEADBOT_CONFIG` loads it). */
export function recommendationFragment(
  existing: unknown,
  recommended: number,
): { llm: Record<string, unknown> } & Record<string, unknown> {
  const base = isObject(existing) ? existing : {};
  const llm = isObject(base.llm) ? base.llm : {};
  return { ...base, llm: { ...llm, maxConversationsPerKey: recommended } };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

const ms = (v: number | undefined) => (v === undefined ? '—' : `${Math.round(v)} ms`);
const fixed = (v: number, digits = 1) => (Number.isFinite(v) ? v.toFixed(digits) : '—');

const why = (reasons: [string, number][]) =>
  reasons.length ? ` (${reasons.map(([reason, n]) => `${n} × ${reason}`).join('; ')})` : '';

/** Why the node's model fell back, most frequent first: the `reason` of its "model failed" log lines. */
export function fallbackReasons(log: string, most = 3): [string, number][] {
  const counts = new Map<string, number>();
  for (const line of log.split('\n')) {
    if (!line.includes('model failed')) continue;
    try {
      const { reason } = JSON.parse(line) as { reason?: unknown };
      const key = typeof reason === 'string' ? reason.slice(0, 120) : 'unknown';
      counts.set(key, (counts.get(key) ?? 0) + 1);
    } catch {
      counts.set('unknown', (counts.get('unknown') ?? 0) + 1);
    }
  }
  return [...counts].sort((a, b) => b[1] - a[1]).slice(0, most);
}

/** Aligns a table: first column left, the others right. */
export function alignTable(rows: string[][]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  return rows
    .map((r) => r.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  '))
    .join('\n');
}

/** The lines under the tables: how the recommendation comes out of the measures. */
function summary(f: CapacityFigures, reasons: [string, number][] = []): string[] {
  const line = (label: string, value: string) => `${label.padEnd(42)}${value}`;
  const unloaded = f.unloadedTurnMs === undefined ? '—' : ms(f.unloadedTurnMs);
  const lines = [
    line('think time per message', `${fixed(f.thinkSecondsPerMessage, 2)} s`),
    line('turn latency alone / under load (mean)', `${unloaded} / ${ms(f.averageTurnMs)}`),
    line(
      'messages per minute per conversation',
      `${fixed(f.measuredMessagesPerMinute, 2)} measured, ${fixed(f.messagesPerMinutePerConversation, 2)} when the keys keep up`,
    ),
    line('LLM requests per message', fixed(f.llmCallsPerMessage, 2)),
    line('LLM requests per minute per conversation', fixed(f.llmRpmPerConversation, 2)),
    line('provider 429s', String(f.rateLimited)),
    line('model fallbacks', `${f.fallbacks}${why(reasons)}`),
    `recommended llm.maxConversationsPerKey ≈ ${Math.min(...f.keys.map((k) => k.limitRpm))} / ${fixed(f.llmRpmPerConversation, 2)} = ${f.recommended}`,
  ];
  if (f.saturated)
    lines.push(
      'note: the keys did not keep up (slow turns or fallbacks): prospects waited, so fewer messages were',
      'measured than they send; the recommendation uses the rate at the unloaded latency. Fewer --users',
      'measure it more directly.',
    );
  return lines;
}

/** The per-key table, the totals and the recommendation, as printed at the end of a run. */
export function formatCapacity(f: CapacityFigures, reasons: [string, number][] = []): string {
  const head = ['key', 'limit RPM', 'served RPM', '429s', 'conversations', 'msgs/min/conv', 'recommended'];
  const keyRows = f.keys.map((k) => [
    k.id,
    String(k.limitRpm),
    fixed(k.servedRpm),
    String(k.rateLimited),
    `${fixed(k.conversations)} (peak ${k.pinnedPeak})`,
    fixed(k.messagesPerMinute, 2),
    String(k.recommended),
  ]);
  const totalRow = [
    'total',
    String(f.limitRpm),
    fixed(f.servedRpm),
    String(f.rateLimited),
    fixed(f.conversations),
    fixed(f.messagesPerMinutePerConversation, 2),
    String(f.recommended),
  ];
  const turnHead = ['turns', 'messages', 'failures', 'p50', 'p95'];
  const turnRows = [...f.turns, { ...f.total, name: 'all' }].map((t) => [
    t.name,
    String(t.requests),
    String(t.failures),
    ms(t.p50Ms),
    ms(t.p95Ms),
  ]);
  return [
    alignTable([head, ...keyRows, totalRow]),
    '',
    alignTable([turnHead, ...turnRows]),
    '',
    ...summary(f, reasons),
  ].join('\n');
}
