/**
 * `leadbot metrics --url http://host:port`: one node without a cluster. Reads `GET <url>/metrics`
 * (the JSON report; Prometheus text is read too) and prints it for people, once or, with `--watch`,
 * redrawn every second with per-second rates.
 */
import { errorMessage } from '../errors.ts';

export interface NodeMetricsOptions {
  /** The node's http(s) address, e.g. `http://127.0.0.1:3000`. */
  url: string;
  /** Redraw every `refreshMs` until interrupted (default: print once). */
  watch?: boolean;
  /** Print the report exactly as served instead of the readable summary. */
  json?: boolean;
  /** Bearer token sent with the request (the admin token), for a node that protects `/metrics`. */
  token?: string;
  /** How long one request may take (default 5 s). */
  timeoutMs?: number;
  /** Redraw period with `--watch` (default 1 s). */
  refreshMs?: number;
  /** Stops `--watch` (Ctrl-C does too). */
  signal?: AbortSignal;
  stdout?: NodeJS.WritableStream & { isTTY?: boolean };
  stderr?: NodeJS.WritableStream;
}

/** What one request brought back. */
export type Served =
  { kind: 'json'; report: Record<string, unknown>; body: string } | { kind: 'prometheus'; body: string };

/** A request that failed, with the sentence the user sees. */
export class NodeUnreachable extends Error {
  override readonly name = 'NodeUnreachable';
}

/**
 * `<url>/metrics`, keeping a path prefix (`https://host/leadbot/` → `https://host/leadbot/metrics`);
 * a URL that already names `/metrics` or `/metrics/prometheus` is used as it is.
 */
export function metricsUrl(base: string): URL {
  const url = new URL(base);
  if (/\/metrics(\/prometheus)?\/?$/.test(url.pathname)) return url;
  if (!url.pathname.endsWith('/')) url.pathname += '/';
  return new URL('metrics', url);
}

/** One `GET <url>/metrics`. Throws `NodeUnreachable` with a readable reason. */
export async function fetchNodeMetrics(
  base: string,
  options: { token?: string; timeoutMs?: number } = {},
): Promise<Served> {
  const url = metricsUrl(base);
  const timeoutMs = options.timeoutMs ?? 5_000;
  let res: Response;
  try {
    res = await fetch(url, {
      headers: {
        accept: 'application/json, text/plain;q=0.9',
        ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
      },
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (error) {
    const timedOut = error instanceof Error && error.name === 'TimeoutError';
    const cause = error instanceof Error && error.cause !== undefined ? error.cause : error;
    throw new NodeUnreachable(
      `cannot reach ${url.origin} (${timedOut ? `no answer in ${Math.round(timeoutMs / 1000)} s` : errorMessage(cause)}). ` +
        'Is leadbot running there? Pass --url http://host:port (or a nats:// URL for a cluster).',
    );
  }
  const body = await res.text();
  if (res.status === 401 || res.status === 403)
    throw new NodeUnreachable(
      `${url.href} wants the admin token (${res.status}): set LEADBOT_ADMIN_TOKEN or pass --token.`,
    );
  if (!res.ok) {
    let detail = body.slice(0, 200);
    try {
      const parsed = JSON.parse(body) as { error?: { code?: string; message?: string } };
      if (parsed.error?.message) detail = `${parsed.error.code ?? 'error'}: ${parsed.error.message}`;
    } catch {
      // not JSON: the start of the body says enough
      detail = detail.trim();
    }
    throw new NodeUnreachable(
      `${url.href} answered ${res.status}${detail ? ` (${detail})` : ''}. Is this a leadbot node?`,
    );
  }
  const type = res.headers.get('content-type') ?? '';
  if (type.includes('json')) {
    let report: unknown;
    try {
      report = JSON.parse(body);
    } catch {
      throw new NodeUnreachable(`${url.href} sent JSON that does not parse. Is this a leadbot node?`);
    }
    if (typeof report !== 'object' || report === null || Array.isArray(report))
      throw new NodeUnreachable(
        `${url.href} sent JSON that is not a metrics report. Is this a leadbot node?`,
      );
    return { kind: 'json', report: report as Record<string, unknown>, body };
  }
  if (/^# (HELP|TYPE) /m.test(body) || type.includes('text/plain')) return { kind: 'prometheus', body };
  throw new NodeUnreachable(
    `${url.href} sent ${type || 'something'} that is neither a metrics report nor Prometheus text. Is this a leadbot node?`,
  );
}

function numberAt(report: Record<string, unknown>, key: string): number | undefined {
  const value = report[key];
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

function show(value: number | undefined): string {
  return value === undefined ? '-' : String(value);
}

/** `3725` → `1h 02m 05s`. */
export function uptime(seconds: number): string {
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = Math.floor(seconds % 60);
  if (h > 0) return `${h}h ${String(m).padStart(2, '0')}m ${String(s).padStart(2, '0')}s`;
  if (m > 0) return `${m}m ${String(s).padStart(2, '0')}s`;
  return `${s}s`;
}

/** Lines of the summary: a label and `name value` pairs; fields the node does not report are left out. */
const GROUPS: { label: string; fields: [key: string, name: string][] }[] = [
  {
    label: 'conversations',
    fields: [
      ['live_conversations', 'live'],
      ['running_actors', 'running'],
      ['queue_depth', 'queued'],
      ['in_flight', 'in flight'],
    ],
  },
  {
    label: 'messages',
    fields: [
      ['messages_received', 'received'],
      ['replies_sent', 'replies'],
      ['messages_blocked', 'blocked'],
      ['messages_flagged', 'flagged'],
    ],
  },
  {
    label: 'leads',
    fields: [
      ['leads_stored', 'stored'],
      ['turn_failures', 'turn failures'],
      ['model_fallbacks', 'model fallbacks'],
    ],
  },
  {
    label: 'actors',
    fields: [
      ['actor_restarts', 'restarts'],
      ['actor_escalations', 'escalations'],
      ['handoffs_overdue', 'handoffs overdue'],
    ],
  },
];

/** Fields shown in the header or the pool lines rather than as "other". */
const SHOWN_ELSEWHERE = new Set([
  'node_id',
  'model',
  'uptime_s',
  'pool_status',
  'total_active',
  'pool_capacity_pct',
  'alert',
  'pool_queue_depth',
  'cooldowns',
]);

/** Counters whose per-second rate `--watch` shows next to them. */
const RATED = new Set(['messages_received', 'replies_sent', 'leads_stored']);

function table(rows: string[][], rightFrom = 1): string[] {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows.map((r) =>
    r
      .map((c, i) => (i >= rightFrom ? c.padStart(widths[i]!) : c.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd(),
  );
}

/** The readable summary of one JSON report. `previous` (with `--watch`) gives per-second rates. */
export function renderNodeReport(
  report: Record<string, unknown>,
  context: { url: string; now: number; previous?: { report: Record<string, unknown>; at: number } },
): string {
  const node = typeof report.node_id === 'string' ? report.node_id : '(unnamed)';
  const model = typeof report.model === 'string' ? report.model : undefined;
  const up = numberAt(report, 'uptime_s');
  const header =
    `leadbot node ${node} · ${context.url}` +
    (model ? ` · model ${model}` : '') +
    (up !== undefined ? ` · up ${uptime(up)}` : '') +
    ` · ${new Date(context.now).toISOString().slice(11, 19)} UTC`;
  const seconds = context.previous ? (context.now - context.previous.at) / 1000 : 0;
  const rateOf = (key: string): string => {
    if (!context.previous || seconds <= 0 || !RATED.has(key)) return '';
    const now = numberAt(report, key);
    const before = numberAt(context.previous.report, key);
    if (now === undefined || before === undefined || now < before) return '';
    return ` (${((now - before) / seconds).toFixed(1)}/s)`;
  };
  const known = new Set<string>();
  const lines: string[][] = [];
  for (const group of GROUPS) {
    const parts = group.fields
      .filter(([key]) => numberAt(report, key) !== undefined)
      .map(([key, name]) => {
        known.add(key);
        return `${name} ${show(numberAt(report, key))}${rateOf(key)}`;
      });
    if (parts.length) lines.push([group.label, parts.join(' · ')]);
  }
  const pool = Array.isArray(report.pool_status) ? (report.pool_status as Record<string, unknown>[]) : [];
  const poolLines: string[] = [];
  if (pool.length === 0) lines.push(['key pool', 'no LLM keys: the built-in model answers']);
  else {
    lines.push([
      'key pool',
      [
        `${pool.length} key${pool.length === 1 ? '' : 's'}`,
        `${show(numberAt(report, 'total_active'))} active`,
        `${show(numberAt(report, 'pool_capacity_pct'))}% capacity`,
        `${show(numberAt(report, 'pool_queue_depth'))} waiting`,
        `${show(numberAt(report, 'cooldowns'))} cooling`,
        report.alert === true ? 'ALERT' : 'alert off',
      ].join(' · '),
    ]);
    poolLines.push(
      ...table([
        ['  KEY', 'ACTIVE', 'CAPACITY', '429s'],
        ...pool.map((k) => [
          `  ${typeof k.key_id === 'string' ? k.key_id : '?'}`,
          show(numberAt(k, 'active_conversations')),
          `${show(numberAt(k, 'capacity_pct'))}%`,
          show(numberAt(k, 'rate_limited_total')),
        ]),
      ]),
    );
  }
  // A field this version does not know (a newer node): shown rather than dropped.
  const other = Object.keys(report)
    .filter((key) => !known.has(key) && !SHOWN_ELSEWHERE.has(key) && numberAt(report, key) !== undefined)
    .map((key) => `${key} ${show(numberAt(report, key))}`);
  if (other.length) lines.push(['other', other.join(' · ')]);
  const width = Math.max(...lines.map(([label]) => label!.length));
  const body = lines.map(([label, text]) => `${label!.padEnd(width)}  ${text}`);
  return `${header}\n\n${[...body, ...poolLines].join('\n')}\n`;
}

/** One Prometheus sample line: `name{labels} value`. */
interface Sample {
  name: string;
  labels: string;
  value: string;
}

/** `0.03492345099999875` → `0.035`; whole numbers and `NaN` / `+Inf` as they are. */
function readable(value: string): string {
  const n = Number(value);
  return Number.isFinite(n) && !Number.isInteger(n) ? String(Math.round(n * 1000) / 1000) : value;
}

/**
 * Prometheus text made readable: leadbot's own metrics grouped under their help text, the runtime's
 * (`process_*`, `nodejs_*`) counted but not listed.
 */
export function renderPrometheus(text: string, context: { url: string; now: number }): string {
  const help = new Map<string, string>();
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    const h = /^# HELP (\S+) (.*)$/.exec(line);
    if (h) {
      help.set(h[1]!, h[2]!);
      continue;
    }
    if (line.startsWith('#') || line.trim() === '') continue;
    const m = /^([a-zA-Z_:][\w:]*)(\{[^}]*\})?\s+(\S+)/.exec(line);
    if (m) samples.push({ name: m[1]!, labels: m[2] ?? '', value: m[3]! });
  }
  // prom-client's default metrics, with or without a prefix (`leadbot_process_cpu_seconds_total`).
  const runtime = (name: string) => /^([a-z]+_)?(process|nodejs)_/.test(name);
  const hidden = samples.filter((s) => runtime(s.name));
  const shown = samples.filter((s) => !runtime(s.name));
  const out: string[] = [
    `leadbot node · ${context.url} · Prometheus text · ${new Date(context.now).toISOString().slice(11, 19)} UTC`,
    '',
  ];
  let family = '';
  const rows: string[][] = [];
  const flush = () => {
    if (rows.length) out.push(...table(rows, 1), '');
    rows.length = 0;
  };
  for (const sample of shown) {
    // Histograms: the sum and count say enough here; the buckets are in --json.
    if (sample.name.endsWith('_bucket')) continue;
    const suffix = /_(sum|count)$/.exec(sample.name)?.[1];
    const fam = suffix ? sample.name.slice(0, -suffix.length - 1) : sample.name;
    if (fam !== family) {
      flush();
      family = fam;
      const text = help.get(fam) ?? help.get(sample.name);
      out.push(`${fam}${text ? ` — ${text}` : ''}`);
    }
    const labels = sample.labels.replace(/^\{|\}$/g, '').replace(/"/g, '');
    const label = [suffix, labels].filter(Boolean).join(' ') || '(no labels)';
    rows.push([`  ${label}`, readable(sample.value)]);
  }
  flush();
  if (shown.length === 0) out.push('No leadbot metrics in the answer.', '');
  if (hidden.length)
    out.push(
      `(${hidden.length} process_* / nodejs_* samples of the Node.js runtime not shown; --json prints the text as served)`,
    );
  return `${out.join('\n').trimEnd()}\n`;
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}

/** Runs `leadbot metrics` against one node; resolves with the exit code. */
export async function runNodeMetrics(options: NodeMetricsOptions): Promise<number> {
  const stdout = options.stdout ?? process.stdout;
  const stderr = options.stderr ?? process.stderr;
  const request = {
    ...(options.token ? { token: options.token } : {}),
    ...(options.timeoutMs ? { timeoutMs: options.timeoutMs } : {}),
  };
  const render = (
    served: Served,
    now: number,
    previous?: { report: Record<string, unknown>; at: number },
  ) => {
    if (options.json) return served.body.endsWith('\n') ? served.body : `${served.body}\n`;
    return served.kind === 'json'
      ? renderNodeReport(served.report, { url: options.url, now, ...(previous ? { previous } : {}) })
      : renderPrometheus(served.body, { url: options.url, now });
  };
  let served: Served;
  try {
    served = await fetchNodeMetrics(options.url, request);
  } catch (error) {
    stderr.write(`leadbot metrics: ${errorMessage(error)}\n`);
    return 1;
  }
  if (!options.watch) {
    stdout.write(render(served, Date.now()));
    return 0;
  }
  const stop = new AbortController();
  const onStop = () => stop.abort();
  process.once('SIGINT', onStop);
  options.signal?.addEventListener('abort', onStop, { once: true });
  let previous: { report: Record<string, unknown>; at: number } | undefined;
  let problem: string | undefined;
  let at = Date.now();
  try {
    while (!stop.signal.aborted) {
      const frame =
        render(served, at, previous) + (problem ? `\n(${problem}; showing the last answer, retrying)\n` : '');
      stdout.write(stdout.isTTY ? `\x1b[H\x1b[2J${frame}` : `${frame}\n`);
      await sleep(options.refreshMs ?? 1_000, stop.signal);
      if (stop.signal.aborted) break;
      try {
        const next = await fetchNodeMetrics(options.url, request);
        if (served.kind === 'json') previous = { report: served.report, at };
        served = next;
        at = Date.now();
        problem = undefined;
      } catch (error) {
        problem = errorMessage(error);
      }
    }
    return 0;
  } finally {
    process.off('SIGINT', onStop);
    options.signal?.removeEventListener('abort', onStop);
  }
}
