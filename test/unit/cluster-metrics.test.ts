import { describe, expect, it } from 'vitest';
import { partitionOf, token, outboundSubject, metricsSubject } from '../../src/adapters/nats/subjects.ts';
import { ClusterView, renderTable } from '../../src/cli/metrics.ts';
import { MetricsPublisher, type MetricsLink } from '../../src/cluster/metrics-publisher.ts';

function report(nodeId: string, ts: number, extra: Record<string, unknown> = {}) {
  return {
    node_id: nodeId,
    role: 'worker',
    ts,
    interval_ms: 5_000,
    live_conversations: 4,
    queue_depth: 1,
    in_flight: 2,
    messages_received: 100,
    actor_restarts: 0,
    pool_capacity_pct: 40,
    alert: false,
    cluster: { handled: 50 },
    ...extra,
  };
}

describe('ClusterView and the --watch table', () => {
  it('computes per-second rates from consecutive reports and ignores what is not a report', () => {
    const view = new ClusterView();
    expect(view.accept({ hello: 'world' }, 0)).toBe(false);
    expect(view.accept(report('a', 10_000), 10_000)).toBe(true);
    view.accept(report('a', 15_000, { messages_received: 150, cluster: { handled: 100 } }), 15_000);
    const [row] = view.rows(16_000);
    expect(row).toMatchObject({ node: 'a', inPerSec: 10, handledPerSec: 10, seenAgoS: 1, stale: false });
    // An out-of-order (older) report changes nothing.
    view.accept(report('a', 12_000, { messages_received: 0 }), 16_500);
    expect(view.rows(16_500)[0]!.inPerSec).toBe(10);
  });

  it('a counter that went down (node restarted) keeps the last rate instead of a negative one', () => {
    const view = new ClusterView();
    view.accept(report('a', 0), 0);
    view.accept(report('a', 5_000, { messages_received: 200 }), 5_000);
    view.accept(report('a', 10_000, { messages_received: 3 }), 10_000);
    expect(view.rows(10_000)[0]!.inPerSec).toBe(20);
  });

  it('marks nodes silent for three periods as stale and leaves them out of the totals', () => {
    const view = new ClusterView();
    view.accept(report('a', 0), 0);
    view.accept(report('b', 20_000, { live_conversations: 6 }), 20_000);
    const text = renderTable(view.rows(20_000), { url: 'nats://ops:secret@nats.internal:4222', now: 20_000 });
    expect(text).toContain('1 node(s) reporting, 1 stale');
    expect(text).toContain('20s ago (stale)');
    expect(text).not.toContain('secret');
    const total = text.split('\n').find((l) => l.startsWith('TOTAL'))!;
    expect(total.split(/\s+/).slice(0, 2)).toEqual(['TOTAL', '6']);
  });

  it('says when no node has reported yet and when the link is down', () => {
    const text = renderTable([], { url: 'nats://x:4222', now: 0, link: 'reconnecting' });
    expect(text).toContain('NATS reconnecting');
    expect(text).toContain('Waiting for node reports on leadbot.metrics.>');
  });
});

describe('MetricsPublisher', () => {
  function link() {
    const published: Record<string, unknown>[] = [];
    let ping: (() => void) | undefined;
    const fake: MetricsLink = {
      publish: (json) => published.push(JSON.parse(json) as Record<string, unknown>),
      onPing: (handler) => {
        ping = handler;
        return () => (ping = undefined);
      },
    };
    return { fake, published, ping: () => ping?.() };
  }

  it('adds node id, role, time and cluster figures to the /metrics report; answers pings at once', async () => {
    const { fake, published, ping } = link();
    const publisher = new MetricsPublisher({
      link: fake,
      nodeId: 'node-1',
      role: 'all',
      report: () => Promise.resolve({ total_active: 3, node_id: 'ignored' }),
      cluster: () => ({ handled: 7 }),
      everyMs: 60_000,
      log: { warn: () => {} },
      clock: { now: () => 1234 },
    });
    publisher.start();
    await publisher.publishNow();
    expect(published[0]).toEqual({
      total_active: 3,
      node_id: 'node-1',
      role: 'all',
      ts: 1234,
      interval_ms: 60_000,
      cluster: { handled: 7 },
    });
    const before = published.length;
    ping();
    await publisher.publishNow();
    expect(published.length).toBeGreaterThan(before);
    await publisher.close();
  });

  it('a failing report is logged, not thrown, and publishing goes on', async () => {
    const { fake, published } = link();
    const warnings: string[] = [];
    let fail = true;
    const publisher = new MetricsPublisher({
      link: fake,
      nodeId: 'n',
      role: 'worker',
      report: () => (fail ? Promise.reject(new Error('pool gone')) : Promise.resolve({})),
      log: { warn: (_o, msg) => warnings.push(msg) },
    });
    await publisher.publishNow();
    expect(warnings).toEqual(['could not publish node metrics']);
    fail = false;
    await publisher.publishNow();
    expect(published).toHaveLength(1);
  });
});

describe('NATS names', () => {
  it('partitions conversations stably and spreads them', () => {
    expect(partitionOf('demo:web:abc', 16)).toBe(partitionOf('demo:web:abc', 16));
    const counts = new Array<number>(16).fill(0);
    for (let i = 0; i < 1_600; i++) counts[partitionOf(`demo:web:user-${i}`, 16)]!++;
    for (const n of counts) expect(n).toBeGreaterThan(50);
  });

  it('turns any id into a valid, distinct subject token', () => {
    expect(token('demo')).toBe('demo');
    expect(token('a.b')).not.toBe(token('a_b'));
    expect(token('a.b *>')).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(outboundSubject('acme.mx', 'web')).toBe('leadbot.out.acme_2emx.web');
    expect(metricsSubject('host.local-123')).toBe('leadbot.metrics.host_2elocal-123');
  });
});
