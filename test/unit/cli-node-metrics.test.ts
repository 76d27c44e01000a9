import { describe, expect, it } from 'vitest';
import { metricsMode } from '../../src/cli/metrics.ts';
import { metricsUrl, renderNodeReport, renderPrometheus, uptime } from '../../src/cli/node-metrics.ts';

const NOW = Date.parse('2026-11-25T10:00:00Z');

describe('leadbot metrics: which URL means what', () => {
  it('http(s) is one node, nats:// or a bare host:port is the cluster, anything else is neither', () => {
    expect(metricsMode('http://127.0.0.1:3000')).toBe('node');
    expect(metricsMode('HTTPS://bot.example.com/leadbot/')).toBe('node');
    expect(metricsMode('nats://127.0.0.1:4222')).toBe('cluster');
    expect(metricsMode('nats://a:4222,nats://b:4222')).toBe('cluster');
    expect(metricsMode('tls://nats.example.com')).toBe('cluster');
    expect(metricsMode('127.0.0.1:4222')).toBe('cluster');
    expect(metricsMode('ftp://example.com')).toBeUndefined();
  });

  it('reads <url>/metrics, keeping a path prefix; a /metrics URL is taken as it is', () => {
    expect(metricsUrl('http://127.0.0.1:3000').href).toBe('http://127.0.0.1:3000/metrics');
    expect(metricsUrl('https://x.example/leadbot').href).toBe('https://x.example/leadbot/metrics');
    expect(metricsUrl('http://h/metrics/prometheus').href).toBe('http://h/metrics/prometheus');
  });
});

describe('renderNodeReport', () => {
  const report = {
    pool_status: [
      { key_id: 'main', active_conversations: 3, capacity_pct: 40, rate_limited_total: 2 },
      { key_id: 'backup', active_conversations: 0, capacity_pct: 0 },
    ],
    total_active: 3,
    pool_capacity_pct: 20,
    alert: false,
    pool_queue_depth: 1,
    cooldowns: 0,
    model_fallbacks: 0,
    node_id: 'n1',
    model: 'deepseek-v4-flash',
    live_conversations: 12,
    running_actors: 2,
    queue_depth: 4,
    in_flight: 1,
    messages_received: 120,
    replies_sent: 118,
    leads_stored: 7,
    turn_failures: 0,
    actor_restarts: 1,
    actor_escalations: 0,
    handoffs_overdue: 0,
    messages_blocked: 2,
    messages_flagged: 3,
    uptime_s: 3725,
    brand_new_counter: 5,
  };

  it('says who, what and the pool per key; a field it does not know is shown, not dropped', () => {
    const text = renderNodeReport(report, { url: 'http://127.0.0.1:3000', now: NOW });
    expect(text.split('\n')[0]).toBe(
      'leadbot node n1 · http://127.0.0.1:3000 · model deepseek-v4-flash · up 1h 02m 05s · 10:00:00 UTC',
    );
    expect(text).toMatch(/^conversations +live 12 · running 2 · queued 4 · in flight 1$/m);
    expect(text).toMatch(/^messages +received 120 · replies 118 · blocked 2 · flagged 3$/m);
    expect(text).toMatch(/^key pool +2 keys · 3 active · 20% capacity · 1 waiting · 0 cooling · alert off$/m);
    expect(text).toMatch(/^ {2}main +3 +40% +2$/m);
    expect(text).toMatch(/^ {2}backup +0 +0% +-$/m);
    expect(text).toMatch(/^other +brand_new_counter 5$/m);
  });

  it('with a previous report, shows per-second rates', () => {
    const text = renderNodeReport(report, {
      url: 'http://h',
      now: NOW,
      previous: { report: { ...report, messages_received: 100 }, at: NOW - 2000 },
    });
    expect(text).toContain('received 120 (10.0/s)');
  });

  it('without keys says the built-in model answers', () => {
    const text = renderNodeReport({ ...report, pool_status: [] }, { url: 'http://h', now: NOW });
    expect(text).toMatch(/^key pool +no LLM keys: the built-in model answers$/m);
  });
});

describe('renderPrometheus', () => {
  it("groups leadbot's metrics under their help and leaves the runtime's out", () => {
    const text = [
      '# HELP leadbot_messages_received_total Inbound messages accepted, by channel.',
      '# TYPE leadbot_messages_received_total counter',
      'leadbot_messages_received_total{channel="web"} 12',
      'leadbot_messages_received_total{channel="rest"} 3',
      '# HELP leadbot_turn_duration_seconds Time from dequeue to last reply of a turn.',
      'leadbot_turn_duration_seconds_bucket{le="0.1",channel="web"} 1',
      'leadbot_turn_duration_seconds_sum{channel="web"} 0.95412',
      'leadbot_turn_duration_seconds_count{channel="web"} 1',
      '# HELP process_cpu_seconds_total Total CPU.',
      'process_cpu_seconds_total 0.8',
      'leadbot_nodejs_heap_size_total_bytes 1000',
      '',
    ].join('\n');
    const out = renderPrometheus(text, { url: 'http://h/metrics/prometheus', now: NOW });
    expect(out).toContain('leadbot_messages_received_total — Inbound messages accepted, by channel.');
    expect(out).toMatch(/^ {2}channel=web +12$/m);
    expect(out).toMatch(/^ {2}channel=rest +3$/m);
    expect(out).toMatch(/^leadbot_turn_duration_seconds — Time from dequeue/m);
    expect(out).toMatch(/^ {2}sum channel=web +0\.954$/m);
    expect(out).not.toContain('bucket');
    expect(out).not.toContain('process_cpu_seconds_total 0.8');
    expect(out).toContain('(2 process_* / nodejs_* samples');
  });
});

describe('uptime', () => {
  it('reads like a clock', () => {
    expect(uptime(5)).toBe('5s');
    expect(uptime(65)).toBe('1m 05s');
    expect(uptime(3725)).toBe('1h 02m 05s');
  });
});
