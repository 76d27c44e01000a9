import { createServer } from 'node:net';
import { PassThrough } from 'node:stream';
import type { NatsConnection } from '@nats-io/transport-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectNats } from '../../src/adapters/nats/connection.ts';
import { natsMetricsLink } from '../../src/adapters/nats/metrics-link.ts';
import { runMetrics } from '../../src/cli/metrics.ts';
import { MetricsPublisher, type NodeRole } from '../../src/cluster/metrics-publisher.ts';
import { Metrics } from '../../src/runtime/metrics.ts';
import { natsAvailable, startNatsServer, type NatsServer } from '../helpers/nats-server.ts';

let server: NatsServer;
const connections: NatsConnection[] = [];
const publishers: MetricsPublisher[] = [];
const quiet = { warn: () => {} };

/** A node's real `Metrics` (the `/metrics` report) published on NATS. */
async function node(nodeId: string, role: NodeRole, everyMs: number, live = 2) {
  const nc = await connectNats({ url: server.url, name: nodeId });
  connections.push(nc);
  const metrics = new Metrics({
    nodeId,
    model: 'builtin',
    liveConversations: () => live,
    bus: () => ({ queued: 4, inFlight: 1 }),
  });
  let handled = 0;
  const publisher = new MetricsPublisher({
    link: natsMetricsLink(nc, nodeId),
    nodeId,
    role,
    report: () => metrics.report(),
    cluster: () => ({ handled: (handled += 10), link: 'connected' }),
    everyMs,
    log: quiet,
  });
  publishers.push(publisher);
  publisher.start();
  return { metrics, publisher };
}

function capture() {
  const stream = new PassThrough();
  let text = '';
  stream.on('data', (d: Buffer) => (text += d.toString()));
  return { stream, text: () => text };
}

describe.skipIf(!natsAvailable('the metrics stream tests'))('metrics on NATS (real nats-server)', () => {
  beforeAll(async () => {
    server = await startNatsServer({ jetstream: true });
  });

  afterAll(async () => {
    for (const publisher of publishers.splice(0)) await publisher.close();
    for (const nc of connections.splice(0)) await nc.close();
    await server?.dispose();
  });

  it('a plain NATS subscriber reads every node’s /metrics report with node id, role and time', async () => {
    const reader = await connectNats({ url: server.url, name: 'reader' });
    connections.push(reader);
    const seen: Record<string, unknown>[] = [];
    reader.subscribe('leadbot.metrics.>', {
      callback: (_e, msg) => {
        seen.push(msg.json());
      },
    });
    await reader.flush();
    const { metrics } = await node('worker-1', 'worker', 150, 7);
    metrics.messagesReceived.inc({ channel: 'web' }, 3);
    await new Promise((resolve) => setTimeout(resolve, 500));
    const reports = seen.filter((r) => r.node_id === 'worker-1');
    expect(reports.length).toBeGreaterThanOrEqual(2);
    const last = reports.at(-1)!;
    expect(last).toMatchObject({
      node_id: 'worker-1',
      role: 'worker',
      interval_ms: 150,
      live_conversations: 7,
      queue_depth: 4,
      in_flight: 1,
      messages_received: 3,
      pool_status: [],
      pool_capacity_pct: 0,
      alert: false,
    });
    expect(Math.abs((last.ts as number) - Date.now())).toBeLessThan(2_000);
  });

  it('`leadbot metrics` prints one JSON snapshot of every node at once (nodes answer the ping)', async () => {
    // Period far longer than the test: only the CLI's ping makes them publish now.
    await node('gateway-1', 'gateway', 600_000);
    await node('worker-2', 'worker', 600_000);
    await new Promise((resolve) => setTimeout(resolve, 100));
    const out = capture();
    const err = capture();
    const code = await runMetrics({ url: server.url, waitMs: 600, stdout: out.stream, stderr: err.stream });
    expect(code).toBe(0);
    const snapshot = JSON.parse(out.text()) as { nodes: { node_id: string; role: string }[] };
    const ids = snapshot.nodes.map((n) => n.node_id);
    expect(ids).toEqual(expect.arrayContaining(['gateway-1', 'worker-2']));
    expect(snapshot.nodes.find((n) => n.node_id === 'gateway-1')?.role).toBe('gateway');
    expect(err.text()).toBe('');
  });

  it('`leadbot metrics --watch` redraws a table of the nodes with rates from consecutive reports', async () => {
    const { metrics } = await node('worker-3', 'worker', 200, 5);
    const counting = setInterval(() => metrics.messagesReceived.inc({ channel: 'web' }, 2), 50);
    const out = capture();
    const stop = new AbortController();
    setTimeout(() => stop.abort(), 1_300);
    const code = await runMetrics({
      url: server.url,
      watch: true,
      refreshMs: 250,
      signal: stop.signal,
      stdout: out.stream,
      stderr: capture().stream,
    });
    clearInterval(counting);
    expect(code).toBe(0);
    const frames = out.text().split('leadbot cluster · ').filter(Boolean);
    expect(frames.length).toBeGreaterThanOrEqual(3);
    const last = frames.at(-1)!;
    expect(last).toContain('NODE');
    expect(last).toContain('HANDLED/S');
    const row = last.split('\n').find((line) => line.startsWith('worker-3'))!;
    expect(row).toBeDefined();
    const cells = row.split(/\s{2,}/);
    // NODE ROLE LIVE QUEUE IN-FLIGHT IN/S HANDLED/S …: 10 handled per 200 ms report = 50/s.
    expect(cells.slice(0, 5)).toEqual(['worker-3', 'worker', '5', '4', '1']);
    expect(Number(cells[5])).toBeGreaterThan(10);
    expect(Number(cells[6])).toBeGreaterThan(20);
  });

  it('`leadbot metrics` says clearly when NATS cannot be reached', async () => {
    const port = await new Promise<number>((resolve) => {
      const probe = createServer().listen(0, '127.0.0.1', () => {
        const address = probe.address();
        probe.close(() => resolve(typeof address === 'object' && address ? address.port : 1));
      });
    });
    const err = capture();
    const code = await runMetrics({
      url: `nats://127.0.0.1:${port}`,
      stdout: capture().stream,
      stderr: err.stream,
    });
    expect(code).toBe(1);
    expect(err.text()).toContain(`cannot reach NATS at nats://127.0.0.1:${port}`);
    expect(err.text()).toContain('LEADBOT_NATS_URL');
  });
});
