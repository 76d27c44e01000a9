import { describe, expect, it } from 'vitest';
import { ClusterPoolView } from '../../src/cluster/cluster-pool.ts';

const line = (key_id: string, active: number, requests: number, capacity = 0, rpm: number | null = 100) => ({
  key_id,
  active_conversations: active,
  requests_last_minute: requests,
  capacity_pct: capacity,
  rpm_limit: rpm,
});

describe('ClusterPoolView', () => {
  it('sums every fresh node with its own live figures, leaves stale and malformed reports out', () => {
    let now = 100_000;
    const view = new ClusterPoolView({ nodeId: 'n1', now: () => now });
    const report = (node_id: string, ts: number, status: object[], extra: object = {}) =>
      JSON.stringify({ node_id, ts, interval_ms: 1_000, pool_status: status, ...extra });
    view.observe(report('n2', now - 500, [line('a', 3, 40), line('b', 1, 5, 90)], { pool_queue_depth: 2 }));
    view.observe(report('n3', now - 10_000, [line('a', 50, 50)]));
    view.observe(report('n1', now, [line('a', 99, 99)]));
    view.observe('{not json');
    view.observe(JSON.stringify({ node_id: 'n4' }));
    const own = { pool_status: [line('a', 2, 30), line('b', 0, 0, 0, 60)], pool_queue_depth: 1 };
    const r = view.report(own);
    expect(r.nodes).toBe(2);
    expect(r.stale_nodes).toBe(1);
    expect(r.pool_status).toEqual([
      { key_id: 'a', active_conversations: 5, requests_last_minute: 70, rpm_limit: 100, capacity_pct: 70 },
      // b: the busiest node's own figure (90 %, e.g. its conversation cap) beats 5 / 60; the lower rate wins.
      { key_id: 'b', active_conversations: 1, requests_last_minute: 5, rpm_limit: 60, capacity_pct: 90 },
    ]);
    expect(r.total_active).toBe(6);
    expect(r.pool_capacity_pct).toBe(80);
    expect(r.queue_depth).toBe(3);
    expect(r.alert).toBe(false);
    // High for a whole minute: the cluster raises its alert though no node does alone.
    now += 61_000;
    view.observe(report('n2', now, [line('a', 3, 40), line('b', 1, 5, 90)]));
    expect(view.report(own).alert).toBe(true);
  });
});
