/**
 * Locust as `leadbot capacity` runs it: its command line, and its files, read here: `<prefix>_stats.csv` (one row per request name and
 * the `Aggregated` total, percentiles in ms) and `<prefix>_stats_history.csv` (one `Aggregated` row a
 * second with the user count), in the format of Locust ≥ 1.0 (`StatsCSV` in locust/stats.py).
 */

/** One row of Locust's `<prefix>_stats.csv`: one request name, or the `Aggregated` total. */
export interface LocustStatsRow {
  type: string;
  name: string;
  requests: number;
  failures: number;
  /** Mean turn latency, ms. */
  averageMs: number;
  /** `"50%"`, `"95%"`, … → ms; absent where Locust wrote `N/A` (no request of that name). */
  percentiles: Record<string, number>;
}

/** Locust's request statistics: one row per request name, and the total. */
export interface LocustStats {
  rows: LocustStatsRow[];
  total: LocustStatsRow | undefined;
}

/** Parses CSV as Python's `csv.writer` writes it (quoted fields, doubled quotes, CRLF or LF). */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  const endField = () => {
    row.push(field);
    field = '';
  };
  const endRow = () => {
    endField();
    rows.push(row);
    row = [];
  };
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted && c === '"' && text[i + 1] === '"') {
      field += '"';
      i++;
    } else if (c === '"') quoted = !quoted;
    else if (quoted) field += c;
    else if (c === ',') endField();
    else if (c === '\n') endRow();
    else if (c !== '\r') field += c;
  }
  if (field !== '' || row.length > 0) endRow();
  return rows.filter((r) => r.length > 1 || r[0] !== '');
}

/** Rows of a CSV with a header line, as records by column name. */
function records(text: string): Record<string, string>[] {
  const [header, ...rows] = parseCsv(text);
  if (!header) return [];
  return rows.map((cells) => Object.fromEntries(header.map((name, i) => [name, cells[i] ?? ''])));
}

function numberOf(value: string | undefined): number {
  const n = Number(value);
  return value === undefined || value === '' || !Number.isFinite(n) ? 0 : n;
}

/** Reads `<prefix>_stats.csv` (Locust ≥ 1.0: Type, Name, Request Count, …, 50%, 66%, … 100%). */
export function parseLocustStats(text: string): LocustStats {
  const all = records(text).map((r): LocustStatsRow => {
    const percentiles: Record<string, number> = {};
    for (const [column, value] of Object.entries(r))
      if (/^\d+(\.\d+)?%$/.test(column) && value !== 'N/A' && value !== '')
        percentiles[column] = Number(value);
    return {
      type: r.Type ?? '',
      name: r.Name ?? '',
      requests: numberOf(r['Request Count'] ?? r['# requests']),
      failures: numberOf(r['Failure Count'] ?? r['# failures']),
      averageMs: numberOf(r['Average Response Time']),
      percentiles,
    };
  });
  const total = all.find((r) => r.name === 'Aggregated' && r.type === '');
  return { rows: all.filter((r) => r !== total), total };
}

/** What `<prefix>_stats_history.csv` says about simulated users over the run. */
export interface UserHistory {
  /** First and last sample, Unix seconds. */
  startS: number;
  endS: number;
  /** Σ users × seconds: conversation-seconds held (each user holds one conversation at a time). */
  userSeconds: number;
  peakUsers: number;
  /** Users at the last sample (Locust flushes this file every 10 s: the last seconds may be missing). */
  lastUsers: number;
}

/** Integrates the `User Count` column of the `Aggregated` rows of `<prefix>_stats_history.csv`. */
export function parseUserHistory(text: string): UserHistory | undefined {
  const samples = records(text)
    .filter((r) => r.Name === 'Aggregated')
    .map((r) => ({ t: numberOf(r.Timestamp), users: numberOf(r['User Count']) }))
    .sort((a, b) => a.t - b.t);
  const first = samples[0];
  const last = samples.at(-1);
  if (!first || !last || last.t <= first.t) return undefined;
  let userSeconds = 0;
  for (let i = 0; i + 1 < samples.length; i++)
    userSeconds += samples[i]!.users * (samples[i + 1]!.t - samples[i]!.t);
  const peakUsers = Math.max(...samples.map((s) => s.users));
  return { startS: first.t, endS: last.t, userSeconds, peakUsers, lastUsers: last.users };
}

/** `60s`, `2m`, `1m30s`, `1h`, or plain seconds → seconds; undefined when it is none of those. */
export function parseDuration(text: string): number | undefined {
  const trimmed = text.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) || undefined;
  const match = /^(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$/.exec(trimmed);
  if (!match || trimmed === '') return undefined;
  const seconds = Number(match[1] ?? 0) * 3600 + Number(match[2] ?? 0) * 60 + Number(match[3] ?? 0);
  return seconds > 0 ? seconds : undefined;
}

/** What a run asks of Locust. */
export interface LocustRun {
  users: number;
  spawnRate: number;
  durationS: number;
  thinkMin: number;
  thinkMax: number;
  /** `rest` / `web` run only that user class of loadtest/locustfile.py. */
  channel: 'rest' | 'web' | 'both';
}

/** Locust's command line: headless, CSV files under `prefix`, the think time of the locustfile. */
export function locustArgs(locustfile: string, o: LocustRun, host: string, prefix: string): string[] {
  const classes = { rest: ['RestProspect'], web: ['WidgetProspect'], both: [] }[o.channel];
  return [
    ...['-f', locustfile, '--headless', '--only-summary', '--loglevel', 'WARNING'],
    ...['-u', String(o.users), '-r', String(o.spawnRate), '-t', `${o.durationS}s`],
    ...['--host', host, '--csv', prefix, '--think-min', String(o.thinkMin)],
    ...['--think-max', String(o.thinkMax), ...classes],
  ];
}
