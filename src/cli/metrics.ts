/**
 * `leadbot metrics [--watch] [--url nats://…]`: the cluster's metrics stream for ops. Every node
 * publishes its report on `leadbot.metrics.<node>`; this subscribes to `leadbot.metrics.>`, asks
 * every node for a report at once, then prints one JSON snapshot or, with `--watch`, redraws a
 * table of all nodes every second. With an http(s) URL (or no cluster configured) it reads one
 * node's `GET /metrics` instead (`node-metrics.ts`).
 */
import type { NatsConnection } from '@nats-io/transport-node';
import { connectNats, followLinkStatus, redactUrl, type LinkStatus } from '../adapters/nats/connection.ts';
import { METRICS_PING, METRICS_PREFIX } from '../adapters/nats/subjects.ts';
import { NodeMetricsSchema, type NodeMetrics } from '../cluster/metrics-publisher.ts';
import { errorMessage } from '../errors.ts';
import { parseCommand, UsageError } from './args.ts';

/** The usual NATS address (what `--url nats://…` typically says on one machine). */
export const DEFAULT_NATS_URL = 'nats://127.0.0.1:4222';

export const METRICS_HELP = `Usage: leadbot metrics [<url>] [--url <url>] [--watch] [--json] [--token <token>]

Prints what leadbot is doing: live conversations, queues, messages, leads, restarts, the key pool.

  One node (an http:// or https:// URL): reads GET <url>/metrics and prints it readably.
  A cluster (a nats:// URL): asks every node on leadbot.metrics.> for its report and prints one
  JSON snapshot of them all ({"nodes": […]}), or a live table with --watch.

Without a URL: the cluster when LEADBOT_NATS_URL (cluster.natsUrl) is set, else this machine's
node at the configured HOST and PORT (default http://127.0.0.1:3000).

Options:
  --url <url>       the node or NATS server(s) (the URL may also be given as the only argument)
  -w, --watch       redraw every second until Ctrl-C
  --json            one node: print the report exactly as served (cluster: the default already)
  --token <token>   one node: bearer token for a node that protects /metrics
                    (default: LEADBOT_METRICS_TOKEN, then LEADBOT_ADMIN_TOKEN)
  -h, --help        show this help

Exit codes: 0 printed; 1 the node or NATS could not be reached (said on stderr); 2 bad usage.

Examples:
  leadbot metrics
  leadbot metrics http://127.0.0.1:3000 --watch
  leadbot metrics --url nats://127.0.0.1:4222 --watch
`;

/** Which way `leadbot metrics` reads a URL. */
export function metricsMode(url: string): 'node' | 'cluster' | undefined {
  if (/^https?:\/\//i.test(url)) return 'node';
  // NATS takes `nats://`, `tls://`, `ws(s)://` or a bare host:port; several comma-separated.
  const first = url.split(',')[0]!.trim();
  if (
    /^(nats|tls|wss?):\/\//i.test(first) ||
    /^[\w.-]+(:\d+)?$/.test(first) ||
    /^\[[\d:a-f]+\](:\d+)?$/i.test(first)
  )
    return 'cluster';
  return undefined;
}

/** The configured node's own address, for `leadbot metrics` without a URL. */
function localNodeUrl(server: { host: string; port: number }): string {
  const host =
    server.host === '0.0.0.0'
      ? '127.0.0.1'
      : server.host === '::'
        ? '[::1]'
        : server.host.includes(':')
          ? `[${server.host}]`
          : server.host;
  return `http://${host}:${server.port || 3000}`;
}

/** `leadbot metrics …`: parses the arguments, picks node or cluster, runs; resolves with the exit code. */
export async function metricsCommand(args: readonly string[]): Promise<number> {
  const { values, positionals } = parseCommand(
    'metrics',
    args,
    {
      watch: { type: 'boolean', short: 'w' },
      url: { type: 'string' },
      json: { type: 'boolean' },
      token: { type: 'string' },
    },
    true,
  );
  if (values.help) {
    process.stdout.write(METRICS_HELP);
    return 0;
  }
  if (positionals.length > 1)
    throw new UsageError('metrics', `takes one URL; got ${positionals.map((p) => `'${p}'`).join(', ')}`);
  if (positionals.length === 1 && values.url !== undefined)
    throw new UsageError('metrics', 'give the URL once: as the argument or with --url, not both');
  let url = values.url ?? positionals[0];
  if (url === undefined) {
    const { loadConfig } = await import('../config/load.ts');
    const config = loadConfig();
    url = config.cluster.natsUrl ?? localNodeUrl(config.server);
  }
  const mode = metricsMode(url);
  if (mode === undefined)
    throw new UsageError(
      'metrics',
      `'${redactUrl(url)}' is neither a node's http(s):// address nor a nats:// URL`,
    );
  if (mode === 'node') {
    const { runNodeMetrics } = await import('./node-metrics.ts');
    const token = values.token ?? process.env.LEADBOT_METRICS_TOKEN ?? process.env.LEADBOT_ADMIN_TOKEN;
    return runNodeMetrics({
      url,
      watch: values.watch === true,
      json: values.json === true,
      ...(token ? { token } : {}),
    });
  }
  if (values.token !== undefined)
    throw new UsageError(
      'metrics',
      '--token is for one node (an http:// URL); NATS URLs carry their own credentials',
    );
  return runMetrics({ url, watch: values.watch === true });
}

export interface MetricsCommandOptions {
  /** NATS server URL(s), comma-separated. */
  url: string;
  /** Redraw a table every second until interrupted (default: print one JSON snapshot). */
  watch?: boolean;
  /** Snapshot: how long to collect reports after asking every node (default 2 s). */
  waitMs?: number;
  /** Redraw period with `--watch` (default 1 s). */
  refreshMs?: number;
  /** Stops `--watch` (Ctrl-C does too). */
  signal?: AbortSignal;
  stdout?: NodeJS.WritableStream & { isTTY?: boolean };
  stderr?: NodeJS.WritableStream;
}

/** One table line. Rates are per second, from the last two reports of the node. */
export interface NodeRow {
  node: string;
  role: string;
  live: number | undefined;
  queue: number | undefined;
  inFlight: number | undefined;
  inPerSec: number | undefined;
  handledPerSec: number | undefined;
  restarts: number | undefined;
  poolPct: number | undefined;
  alert: boolean | undefined;
  /** Seconds since the last report arrived. */
  seenAgoS: number;
  /** No report for three publishing periods: the node is probably gone. */
  stale: boolean;
}

interface Seen {
  report: NodeMetrics;
  receivedAt: number;
  inPerSec: number | undefined;
  handledPerSec: number | undefined;
}

function rate(
  current: number | undefined,
  previous: number | undefined,
  seconds: number,
): number | undefined {
  if (current === undefined || previous === undefined || seconds <= 0) return undefined;
  // A counter that went down means the node restarted: no rate from that pair.
  return current >= previous ? (current - previous) / seconds : undefined;
}

/** The latest report of every node, with rates from consecutive reports. */
export class ClusterView {
  private readonly nodes = new Map<string, Seen>();

  /** Takes one message from the stream; false when it is not a node report. */
  accept(raw: unknown, receivedAt: number): boolean {
    const parsed = NodeMetricsSchema.safeParse(raw);
    if (!parsed.success) return false;
    const report = parsed.data;
    const previous = this.nodes.get(report.node_id);
    if (previous && report.ts <= previous.report.ts) return true;
    const seconds = previous ? (report.ts - previous.report.ts) / 1000 : 0;
    this.nodes.set(report.node_id, {
      report,
      receivedAt,
      inPerSec:
        rate(report.messages_received, previous?.report.messages_received, seconds) ?? previous?.inPerSec,
      handledPerSec:
        rate(report.cluster?.handled, previous?.report.cluster?.handled, seconds) ?? previous?.handledPerSec,
    });
    return true;
  }

  get size(): number {
    return this.nodes.size;
  }

  /** The latest reports, by node id (what `nats sub` shows). */
  snapshot(): NodeMetrics[] {
    return [...this.nodes.values()].map((s) => s.report).sort((a, b) => a.node_id.localeCompare(b.node_id));
  }

  rows(now: number): NodeRow[] {
    return [...this.nodes.values()]
      .sort((a, b) => a.report.node_id.localeCompare(b.report.node_id))
      .map(({ report, receivedAt, inPerSec, handledPerSec }) => {
        const seenAgoS = Math.max(0, Math.round((now - receivedAt) / 1000));
        return {
          node: report.node_id,
          role: report.role,
          live: report.live_conversations,
          queue: report.queue_depth,
          inFlight: report.in_flight,
          inPerSec,
          handledPerSec,
          restarts: report.actor_restarts,
          poolPct: report.pool_capacity_pct,
          alert: report.alert,
          seenAgoS,
          stale: now - receivedAt > 3 * report.interval_ms,
        };
      });
  }
}

const COLUMNS: { title: string; cell: (row: NodeRow) => string; left?: boolean }[] = [
  { title: 'NODE', cell: (r) => r.node, left: true },
  { title: 'ROLE', cell: (r) => r.role, left: true },
  { title: 'LIVE', cell: (r) => num(r.live) },
  { title: 'QUEUE', cell: (r) => num(r.queue) },
  { title: 'IN-FLIGHT', cell: (r) => num(r.inFlight) },
  { title: 'IN/S', cell: (r) => perSec(r.inPerSec) },
  { title: 'HANDLED/S', cell: (r) => perSec(r.handledPerSec) },
  { title: 'RESTARTS', cell: (r) => num(r.restarts) },
  { title: 'POOL%', cell: (r) => num(r.poolPct) },
  { title: 'ALERT', cell: (r) => (r.alert === undefined ? '-' : r.alert ? 'ALERT' : 'ok'), left: true },
  { title: 'SEEN', cell: (r) => `${r.seenAgoS}s ago${r.stale ? ' (stale)' : ''}`, left: true },
];

function num(value: number | undefined): string {
  return value === undefined ? '-' : String(value);
}

function perSec(value: number | undefined): string {
  return value === undefined ? '-' : value.toFixed(1);
}

function sumOf(rows: NodeRow[], pick: (row: NodeRow) => number | undefined): number | undefined {
  const values = rows.map(pick).filter((v): v is number => v !== undefined);
  return values.length === 0 ? undefined : values.reduce((a, b) => a + b, 0);
}

/** The `--watch` frame: a header line and one line per node, plus a total line. */
export function renderTable(
  rows: NodeRow[],
  context: { url: string; now: number; link?: LinkStatus },
): string {
  const live = rows.filter((r) => !r.stale);
  const header =
    `leadbot cluster · ${redactUrl(context.url)} · ${live.length} node(s) reporting` +
    (rows.length > live.length ? `, ${rows.length - live.length} stale` : '') +
    ` · ${new Date(context.now).toISOString().slice(11, 19)} UTC` +
    (context.link && context.link !== 'connected' ? ` · NATS ${context.link}…` : '');
  if (rows.length === 0) return `${header}\n\nWaiting for node reports on ${METRICS_PREFIX}.> …\n`;
  const total: NodeRow = {
    node: 'TOTAL',
    role: '',
    live: sumOf(live, (r) => r.live),
    queue: sumOf(live, (r) => r.queue),
    inFlight: sumOf(live, (r) => r.inFlight),
    inPerSec: sumOf(live, (r) => r.inPerSec),
    handledPerSec: sumOf(live, (r) => r.handledPerSec),
    restarts: sumOf(live, (r) => r.restarts),
    poolPct: undefined,
    alert: live.some((r) => r.alert === true) ? true : undefined,
    seenAgoS: 0,
    stale: false,
  };
  const table = [COLUMNS.map((c) => c.title), ...rows.map((r) => COLUMNS.map((c) => c.cell(r)))];
  const totalCells = COLUMNS.map((c) => c.cell(total));
  totalCells[COLUMNS.length - 1] = '';
  table.push(totalCells);
  const widths = COLUMNS.map((_, i) => Math.max(...table.map((line) => line[i]!.length)));
  const lines = table.map((line) =>
    line
      .map((cell, i) => (COLUMNS[i]!.left ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!)))
      .join('  ')
      .trimEnd(),
  );
  return `${header}\n\n${lines.join('\n')}\n`;
}

/** Runs the command; resolves with the exit code. */
export async function runMetrics(options: MetricsCommandOptions): Promise<number> {
  const stdout = options.stdout ?? process.stdout;
  const stderr = options.stderr ?? process.stderr;
  let nc: NatsConnection;
  try {
    nc = await connectNats({
      url: options.url,
      name: 'leadbot-metrics-cli',
      reconnect: options.watch === true,
      timeoutMs: 3_000,
    });
  } catch (error) {
    const cause = error instanceof Error && error.cause !== undefined ? error.cause : error;
    stderr.write(
      `leadbot metrics: cannot reach NATS at ${redactUrl(options.url)} (${errorMessage(cause)}). ` +
        'Is nats-server running? Pass --url nats://host:4222 or set LEADBOT_NATS_URL.\n',
    );
    return 1;
  }
  const view = new ClusterView();
  let ignored = 0;
  const sub = nc.subscribe(`${METRICS_PREFIX}.>`, {
    callback: (error, msg) => {
      if (error) return;
      let raw: unknown;
      try {
        raw = msg.json();
      } catch {
        raw = undefined;
      }
      if (!view.accept(raw, Date.now())) ignored++;
    },
  });
  await nc.flush();
  nc.publish(METRICS_PING);
  try {
    if (!options.watch) {
      await sleep(options.waitMs ?? 2_000, options.signal);
      stdout.write(`${JSON.stringify({ nodes: view.snapshot() }, null, 2)}\n`);
      if (view.size === 0)
        stderr.write(
          `leadbot metrics: no node published on ${METRICS_PREFIX}.> within ${Math.round((options.waitMs ?? 2_000) / 1000)} s` +
            (ignored > 0 ? ` (${ignored} message(s) that are not node reports were ignored)` : '') +
            '. Are the nodes started with LEADBOT_NATS_URL pointing at this server?\n',
        );
      return 0;
    }
    return await watch(nc, view, options, stdout);
  } finally {
    sub.unsubscribe();
    await nc.close();
  }
}

async function watch(
  nc: NatsConnection,
  view: ClusterView,
  options: MetricsCommandOptions,
  stdout: NonNullable<MetricsCommandOptions['stdout']>,
): Promise<number> {
  let link: LinkStatus = 'connected';
  const stopStatus = followLinkStatus(nc, (status) => {
    link = status;
    // Back after a loss: ask every node again rather than wait for their next period.
    if (status === 'connected') nc.publish(METRICS_PING);
  });
  const stop = new AbortController();
  const onSigint = () => stop.abort();
  process.once('SIGINT', onSigint);
  options.signal?.addEventListener('abort', onSigint, { once: true });
  const draw = () => {
    const frame = renderTable(view.rows(Date.now()), { url: options.url, now: Date.now(), link });
    // A terminal gets the frame redrawn in place; a pipe gets one frame after another.
    stdout.write(stdout.isTTY ? `\x1b[H\x1b[2J${frame}` : `${frame}\n`);
  };
  try {
    while (!stop.signal.aborted) {
      draw();
      await sleep(options.refreshMs ?? 1_000, stop.signal);
    }
    return 0;
  } finally {
    stopStatus();
    process.off('SIGINT', onSigint);
    options.signal?.removeEventListener('abort', onSigint);
  }
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}
