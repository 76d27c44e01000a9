/**
 * The pure half of `leadbot capacity` (src/cli/capacity-report.ts): Locust's CSV files as Locust
 * writes them, the figures and the `llm.maxConversationsPerKey` recommendation. No Locust needed.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import {
  computeCapacity,
  fallbackReasons,
  formatCapacity,
  keyMeasures,
  PinSampler,
  recommendFor,
  recommendationFragment,
  type CapacityMeasures,
} from '../../src/cli/capacity-report.ts';
import {
  locustArgs,
  parseCsv,
  parseDuration,
  parseLocustStats,
  parseUserHistory,
} from '../../src/cli/locust.ts';
import { loadConfig } from '../../src/config/load.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** `<prefix>_stats.csv` as Locust 2.x writes it (`StatsCSV.requests_csv_columns`, Python csv, CRLF). */
const STATS_CSV = [
  'Type,Name,Request Count,Failure Count,Median Response Time,Average Response Time,Min Response Time,Max Response Time,Average Content Size,Requests/s,Failures/s,50%,66%,75%,80%,90%,95%,98%,99%,99.9%,99.99%,100%',
  'POST,REST turn,300,2,650.0,815.31,333.30,1640.81,188.81,5.0,0.03,650,1000,1000,1000,1200,1600,1600,1600,1600,1600,1600',
  'WS,WS turn,300,1,700.0,909.20,368.28,1647.87,137.6,5.0,0.02,700,950,1200,1500,1600,1700,1700,1700,1700,1700,1700',
  'WS,"idle, never sent",0,0,0,0,0,0,0,0.0,0.0,N/A,N/A,N/A,N/A,N/A,N/A,N/A,N/A,N/A,N/A,N/A',
  ',Aggregated,600,3,680.0,860.02,333.30,1647.87,164.42,10.0,0.05,680,950,1000,1200,1500,1650,1700,1700,1700,1700,1700',
  '',
].join('\r\n');

/** `<prefix>_stats_history.csv`: one Aggregated row a second (its last seconds may be missing). */
function historyCsv(rows: [number, number][]): string {
  const header =
    'Timestamp,User Count,Type,Name,Requests/s,Failures/s,50%,66%,75%,80%,90%,95%,98%,99%,99.9%,99.99%,100%,Total Request Count,Total Failure Count,Total Median Response Time,Total Average Response Time,Total Min Response Time,Total Max Response Time,Total Average Content Size';
  const lines = rows.map(
    ([t, users]) =>
      `${t},${users},,Aggregated,0.000000,0.000000,N/A,N/A,N/A,N/A,N/A,N/A,N/A,N/A,N/A,N/A,N/A,0,0,0,0.0,0,0,0`,
  );
  return [header, ...lines, ''].join('\r\n');
}

describe('Locust CSV files', () => {
  it('parses CSV as Python writes it: quotes, doubled quotes, commas inside, CRLF', () => {
    expect(parseCsv('a,"b, c","say ""hi"""\r\n1,,3\r\n')).toEqual([
      ['a', 'b, c', 'say "hi"'],
      ['1', '', '3'],
    ]);
    expect(parseCsv('x,y\nlast,row')).toEqual([
      ['x', 'y'],
      ['last', 'row'],
    ]);
  });

  it('reads every request name, the Aggregated total and the percentiles (N/A left out)', () => {
    const stats = parseLocustStats(STATS_CSV);
    expect(stats.rows.map((r) => r.name)).toEqual(['REST turn', 'WS turn', 'idle, never sent']);
    expect(stats.rows[0]).toMatchObject({ type: 'POST', requests: 300, failures: 2 });
    expect(stats.rows[1]!.percentiles['95%']).toBe(1700);
    expect(stats.rows[2]!.percentiles).toEqual({});
    expect(stats.total).toMatchObject({ name: 'Aggregated', requests: 600, failures: 3 });
    expect(stats.total!.percentiles['50%']).toBe(680);
    expect(stats.total!.percentiles['99.9%']).toBe(1700);
  });

  it('integrates the user count of the history over time', () => {
    const history = parseUserHistory(
      historyCsv([
        [100, 0],
        [101, 5],
        [102, 10],
        [103, 10],
        [104, 10],
      ]),
    );
    expect(history).toEqual({ startS: 100, endS: 104, userSeconds: 25, peakUsers: 10, lastUsers: 10 });
    expect(parseUserHistory(historyCsv([[100, 0]]))).toBeUndefined();
    expect(parseUserHistory('')).toBeUndefined();
  });

  it('reads durations as Locust takes them', () => {
    expect(parseDuration('60s')).toBe(60);
    expect(parseDuration('2m')).toBe(120);
    expect(parseDuration('1m30s')).toBe(90);
    expect(parseDuration('1h')).toBe(3600);
    expect(parseDuration('45')).toBe(45);
    for (const bad of ['', '0', '0s', '5q', 'm', '-3s']) expect(parseDuration(bad)).toBeUndefined();
  });
});

describe("Locust's command line", () => {
  it('runs headless with CSV files and the think time, one user class per channel', () => {
    const run = { users: 30, spawnRate: 5, durationS: 60, thinkMin: 3, thinkMax: 6 };
    const args = locustArgs('/x/locustfile.py', { ...run, channel: 'both' }, 'http://127.0.0.1:1', '/t/l');
    expect(args.join(' ')).toBe(
      '-f /x/locustfile.py --headless --only-summary --loglevel WARNING -u 30 -r 5 -t 60s' +
        ' --host http://127.0.0.1:1 --csv /t/l --think-min 3 --think-max 6',
    );
    expect(locustArgs('f', { ...run, channel: 'rest' }, 'h', 'p').at(-1)).toBe('RestProspect');
    expect(locustArgs('f', { ...run, channel: 'web' }, 'h', 'p').at(-1)).toBe('WidgetProspect');
  });
});

describe('the capacity figures', () => {
  /** 30 users for a whole minute; 3 keys × 120 RPM; 600 messages; 900 LLM requests, 300 per key. */
  function measures(overrides: Partial<CapacityMeasures> = {}): CapacityMeasures {
    const key = (id: string, pinnedMean: number) => ({
      ...{ id, limitRpm: 120, accepted: 300, rateLimited: 0, pinnedMean, pinnedPeak: 12 },
    });
    return {
      windowMs: 60_000,
      keys: [key('k1', 10), key('k2', 10), key('k3', 10)],
      stats: parseLocustStats(STATS_CSV),
      history: { startS: 0, endS: 60, userSeconds: 30 * 60, peakUsers: 30, lastUsers: 30 },
      ...{ users: 30, spawnRate: 5, fallbacks: 0 },
      ...overrides,
    };
  }

  it('recommends the key limit over the LLM requests one conversation asks a minute', () => {
    const f = computeCapacity(measures());
    expect(f.conversations).toBeCloseTo(30);
    expect(f.messagesPerMinutePerConversation).toBeCloseTo(20); // 600 messages / 30 conversation-minutes
    expect(f.llmCallsPerMessage).toBeCloseTo(1.5); // 900 requests / 600 messages
    expect(f.llmRpmPerConversation).toBeCloseTo(30);
    expect(f.recommended).toBe(4); // 120 / 30
    expect(f.servedRpm).toBeCloseTo(900);
    expect(f.limitRpm).toBe(360);
    expect(f.keys.map((k) => [k.id, Math.round(k.servedRpm), k.recommended])).toEqual([
      ['k1', 300, 4],
      ['k2', 300, 4],
      ['k3', 300, 4],
    ]);
    expect(f.keys[0]!.messagesPerMinute).toBeCloseTo(20);
    expect(f.total).toMatchObject({ requests: 600, failures: 3, p50Ms: 680, p95Ms: 1650 });
    expect(f.turns.map((t) => [t.name, t.p95Ms])).toContainEqual(['WS turn', 1700]);
  });

  it('counts LLM requests per message the LLM answered: fallbacks do not dilute it', () => {
    const f = computeCapacity(measures({ fallbacks: 150 }));
    expect(f.llmCallsPerMessage).toBeCloseTo(2); // 900 / (600 − 150)
    expect(f.recommended).toBe(3); // 120 / (20 × 2)
    expect(f.fallbacks).toBe(150);
  });

  it('puts the unloaded turn latency in place of the time prospects waited under load', () => {
    // 30 conversation-minutes, 600 messages of 860.02 ms on average: 8.6 min waiting, so 2.14 s of
    // think time per message; at 300 ms a turn alone, a conversation asks 60 / 2.44 messages a minute.
    const f = computeCapacity(measures({ unloadedTurnMs: 300 }));
    expect(f.measuredMessagesPerMinute).toBeCloseTo(20);
    expect(f.thinkSecondsPerMessage).toBeCloseTo(2.14, 2);
    expect(f.messagesPerMinutePerConversation).toBeCloseTo(60 / (2.14 + 0.3), 1);
    expect(f.recommended).toBe(Math.floor(120 / (f.messagesPerMinutePerConversation * 1.5)));
    expect(f.saturated).toBe(false);
    expect(f.keys[0]!.messagesPerMinute).toBeCloseTo(f.messagesPerMinutePerConversation);
    // Turns far slower than alone: the run says the keys did not keep up.
    expect(computeCapacity(measures({ unloadedTurnMs: 100 })).saturated).toBe(true);
    // Never below what was measured (a slow turn before the load does not lower the demand).
    expect(computeCapacity(measures({ unloadedTurnMs: 5000 })).messagesPerMinutePerConversation).toBe(20);
  });

  it('holds the users of the last history sample to the end of the run (Locust flushes every 10 s)', () => {
    // Samples end at 50 s with 30 users: the last 10 s add 300 user-seconds.
    const history = { startS: 0, endS: 50, userSeconds: 1500, peakUsers: 30, lastUsers: 30 };
    expect(computeCapacity(measures({ history })).messagesPerMinutePerConversation).toBeCloseTo(20);
  });

  it('estimates conversation time from the ramp-up when there is no history', () => {
    // 30 users at 5/s: 6 s of ramp-up, so 30 × 57 user-seconds.
    const f = computeCapacity(measures({ history: undefined }));
    expect(f.messagesPerMinutePerConversation).toBeCloseTo(600 / ((30 * 57) / 60));
  });

  it('gives a busier key a smaller recommendation', () => {
    const keys = measures().keys.map((k, i) => (i === 0 ? { ...k, accepted: 480 } : k));
    const f = computeCapacity(measures({ keys }));
    expect(f.keys[0]!.recommended).toBeLessThan(f.keys[1]!.recommended);
  });

  it('never recommends less than one conversation, nor anything without traffic', () => {
    expect(recommendFor(120, 500)).toBe(1);
    expect(recommendFor(120, 0)).toBe(0);
    expect(recommendFor(120, 12)).toBe(10);
  });

  it('prints a table per key, the turns and the recommendation', () => {
    const text = formatCapacity(computeCapacity(measures({ fallbacks: 2 })), [['timeout', 2]]);
    expect(text).toMatch(/^key\s+limit RPM\s+served RPM\s+429s/);
    expect(text).toMatch(/^k1\s+120\s+300\.0\s+0\s/m);
    expect(text).toMatch(/^total\s+360\s+900\.0/m);
    expect(text).toMatch(/^REST turn\s+300\s+2\s+650 ms\s+1600 ms$/m);
    expect(text).toMatch(/^model fallbacks\s+2 \(2 × timeout\)$/m);
    expect(text).toMatch(
      /^messages per minute per conversation\s+20\.00 measured, 20\.00 when the keys keep up$/m,
    );
    expect(text).toContain('note: the keys did not keep up');
    expect(text).toContain('recommended llm.maxConversationsPerKey ≈ 120 / 30.10 = 3');
  });
});

describe('what the run reads from the test server and the node', () => {
  it('counts accepted requests inside the window and 429s between snapshots, with the pins', () => {
    const pins = new PinSampler();
    pins.add([{ key_id: 'k1', active_conversations: 2 }]);
    pins.add([{ key_id: 'k1', active_conversations: 4 }]);
    const before = { keys: { s1: { rateLimited: 1 } }, acceptedLog: { keys: { s1: [1, 2] } } };
    const after = { keys: { s1: { rateLimited: 4 } }, acceptedLog: { keys: { s1: [1, 2, 10, 11, 30] } } };
    const [k1, k2] = keyMeasures(
      [
        { id: 'k1', secret: 's1', limitRpm: 120 },
        { id: 'k2', secret: 's2', limitRpm: 60 },
      ],
      { before, after },
      { fromMs: 5, toMs: 30 },
      pins,
    );
    expect(k1).toEqual({
      id: 'k1',
      limitRpm: 120,
      accepted: 2,
      rateLimited: 3,
      pinnedMean: 3,
      pinnedPeak: 4,
    });
    expect(k2).toEqual({ id: 'k2', limitRpm: 60, accepted: 0, rateLimited: 0, pinnedMean: 0, pinnedPeak: 0 });
  });

  it("tallies why the model fell back from the node's log lines", () => {
    const line = (reason: string) =>
      JSON.stringify({ level: 40, reason, msg: 'model failed; the built-in model answers' });
    const log = [line('timeout'), line('429 Rate limit'), line('timeout'), '{"msg":"other"}', ''].join('\n');
    expect(fallbackReasons(log)).toEqual([
      ['timeout', 2],
      ['429 Rate limit', 1],
    ]);
  });
});

describe('the recommendation file', () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  it('is a settings fragment that keeps what the file held', () => {
    expect(recommendationFragment(undefined, 7)).toEqual({ llm: { maxConversationsPerKey: 7 } });
    expect(recommendationFragment({ llm: { rpm: 500, maxConversationsPerKey: 2 }, bus: {} }, 9)).toEqual({
      llm: { rpm: 500, maxConversationsPerKey: 9 },
      bus: {},
    });
  });

  it('is what LEADBOT_CONFIG loads, merged over config/default.json', () => {
    const dir = mkdtempSync(join(tmpdir(), 'leadbot-capacity-test-'));
    dirs.push(dir);
    const file = join(dir, 'capacity.json');
    writeFileSync(file, JSON.stringify(recommendationFragment({}, 12)));
    const config = loadConfig({ cwd: ROOT, env: { LEADBOT_CONFIG: file } });
    expect(config.llm.maxConversationsPerKey).toBe(12);
    // The rest of config/default.json still applies.
    expect(config.llm.model).toBe('deepseek-v4-flash');
    expect(config.sources).toContain(file);
  });
});
