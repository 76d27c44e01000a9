import { afterEach, describe, expect, it } from 'vitest';
import { RateLimiter, type LimitScope } from '../../src/fake-llm/limits.ts';
import {
  formatResetDuration,
  maxInWindow,
  parseResetDuration,
  startFakeLlmServer,
  type FakeLlmServer,
  type LimitBudget,
  type LimitModel,
} from '../../src/fake-llm/server.ts';

/** A limiter on a fake clock; `at` moves it. */
function limiter(model: LimitModel, headers = true, start = 1_000_000) {
  const clock = { now: start };
  const rl = new RateLimiter({
    windowMs: () => 60_000,
    model: () => model,
    headers: () => headers,
    now: () => clock.now,
  });
  return { rl, clock };
}

const key = (budget: LimitBudget): LimitScope[] => [{ kind: 'key', id: 'k', budget }];

/** Offers a request every `stepMs` for `durationMs` (releasing at once); returns accepted times. */
function hammer(
  rl: RateLimiter,
  clock: { now: number },
  scopes: LimitScope[],
  stepMs: number,
  durationMs: number,
) {
  const accepted: number[] = [];
  const end = clock.now + durationMs;
  for (; clock.now < end; clock.now += stepMs) {
    const a = rl.admit(scopes, 10, 10);
    if (a.ok) {
      a.release();
      accepted.push(clock.now);
    }
  }
  return accepted;
}

describe('fake LLM limits: quantised (per-second token bucket)', () => {
  it('admits about rpm/60 per second, never a minute’s worth in the first second', () => {
    const { rl, clock } = limiter('quantised');
    const t0 = clock.now;
    const accepted = hammer(rl, clock, key({ rpm: 120 }), 10, 60_000);
    const firstSecond = accepted.filter((t) => t < t0 + 1000).length;
    // Bucket of 2 plus the 2 that refill during that second.
    expect(firstSecond).toBeLessThanOrEqual(4);
    expect(firstSecond).toBeGreaterThanOrEqual(3);
    // A minute: the burst of 2 plus 2 per second.
    expect(accepted.length).toBeGreaterThanOrEqual(120);
    expect(accepted.length).toBeLessThanOrEqual(122);
    expect(maxInWindow(accepted, 1000)).toBeLessThanOrEqual(4);
    expect(maxInWindow(accepted, 60_000)).toBeLessThanOrEqual(122);
  });

  it('the sliding window, by contrast, lets the whole minute out in the first second', () => {
    const { rl, clock } = limiter('window');
    const t0 = clock.now;
    const accepted = hammer(rl, clock, key({ rpm: 120 }), 5, 60_000);
    expect(accepted.filter((t) => t < t0 + 1000)).toHaveLength(120);
    expect(accepted).toHaveLength(120);
  });

  it('holds at least one request, and refills continuously (30 rpm: one every 2 s)', () => {
    const { rl, clock } = limiter('quantised');
    const scopes = key({ rpm: 30 });
    expect(rl.admit(scopes, 1, 1).ok).toBe(true);
    const refused = rl.admit(scopes, 1, 1);
    expect(refused.ok).toBe(false);
    if (refused.ok) return;
    expect(refused.retryAfterMs).toBe(2000);
    expect(refused.retryAfterSeconds).toBe(2);
    clock.now += 1999;
    expect(rl.admit(scopes, 1, 1).ok).toBe(false);
    clock.now += 1;
    expect(rl.admit(scopes, 1, 1).ok).toBe(true);
  });

  it('a refusal says how long until one request fits (Retry-After ≥ 1 s, retry-after-ms exact)', () => {
    const { rl, clock } = limiter('quantised');
    const scopes = key({ rpm: 120 });
    expect(rl.admit(scopes, 1, 1).ok).toBe(true);
    expect(rl.admit(scopes, 1, 1).ok).toBe(true);
    clock.now += 100;
    const refused = rl.admit(scopes, 1, 1);
    expect(refused.ok).toBe(false);
    if (refused.ok) return;
    expect(refused.retryAfterMs).toBe(400);
    expect(refused.headers['retry-after']).toBe('1');
    expect(refused.headers['retry-after-ms']).toBe('400');
    expect(refused.message).toMatch(/Limit 120 \(enforced as 2\/s\)/u);
  });

  it('counts tokens the same way (tpm/60 per second); a bigger request leaves the bucket in debt', () => {
    const { rl, clock } = limiter('quantised');
    const scopes = key({ tpm: 6000 }); // 100 tokens per second
    expect(rl.admit(scopes, 30, 20).ok).toBe(true);
    expect(rl.admit(scopes, 30, 20).ok).toBe(true);
    const refused = rl.admit(scopes, 30, 20);
    expect(!refused.ok && refused.retryAfterMs).toBe(500);
    clock.now += 1000;
    // 300 tokens > the bucket: admitted when full, then the bucket owes 200 (2 s of refill).
    expect(rl.admit(scopes, 200, 100).ok).toBe(true);
    const owed = rl.admit(scopes, 1, 0);
    expect(!owed.ok && owed.retryAfterMs).toBe(2010);
  });

  it('applies to limit groups too', () => {
    const { rl } = limiter('quantised');
    const scopes = (id: string): LimitScope[] => [
      { kind: 'key', id, budget: {} },
      { kind: 'group', id: 'acct', budget: { rpm: 60 } },
    ];
    expect(rl.admit(scopes('a'), 1, 1).ok).toBe(true);
    expect(rl.admit(scopes('b'), 1, 1).ok).toBe(false);
    expect(rl.snapshot().groups['acct']).toMatchObject({ accepted: 1, rateLimited: 1 });
  });
});

describe('fake LLM limits: fixed window', () => {
  it('resets at each whole minute, so twice the limit fits across a boundary', () => {
    const { rl, clock } = limiter('fixed-window', true, 59_000);
    const scopes = key({ rpm: 3 });
    for (let i = 0; i < 3; i++) expect(rl.admit(scopes, 1, 1).ok).toBe(true);
    const refused = rl.admit(scopes, 1, 1);
    expect(!refused.ok && refused.retryAfterMs).toBe(1000);
    expect(refused.headers['x-ratelimit-reset-requests']).toBe('1s');
    clock.now = 60_000;
    for (let i = 0; i < 3; i++) expect(rl.admit(scopes, 1, 1).ok).toBe(true);
    expect(rl.admit(scopes, 1, 1).ok).toBe(false);
  });
});

describe('fake LLM limits: headers', () => {
  it('reports limit, remaining and reset for requests and tokens, on success and on 429', () => {
    const { rl } = limiter('quantised');
    const scopes = key({ rpm: 120, tpm: 60_000 });
    const ok = rl.admit(scopes, 100, 50);
    expect(ok.headers).toEqual({
      'x-ratelimit-limit-requests': '120',
      'x-ratelimit-remaining-requests': '1',
      'x-ratelimit-reset-requests': '500ms',
      'x-ratelimit-limit-tokens': '60000',
      'x-ratelimit-remaining-tokens': '850',
      'x-ratelimit-reset-tokens': '150ms',
    });
    rl.admit(scopes, 1, 1);
    const refused = rl.admit(scopes, 1, 1);
    expect(refused.ok).toBe(false);
    expect(refused.headers).toMatchObject({
      'x-ratelimit-remaining-requests': '0',
      'x-ratelimit-reset-requests': '1s',
      'retry-after': '1',
      'retry-after-ms': '500',
    });
  });

  it('sends none of them when headers are off, not even Retry-After', () => {
    for (const model of ['window', 'quantised', 'fixed-window'] as const) {
      const { rl } = limiter(model, false);
      const scopes = key({ rpm: 1, tpm: 1000 });
      expect(rl.admit(scopes, 1, 1).headers).toEqual({});
      const refused = rl.admit(scopes, 1, 1);
      expect(refused.ok).toBe(false);
      expect(refused.headers).toEqual({});
    }
  });

  it('reset durations parse back', () => {
    for (const ms of [0, 1, 120, 999, 1000, 1500, 59_999, 60_000, 61_250, 360_000, 3_723_456])
      expect(parseResetDuration(formatResetDuration(ms))).toBe(ms);
    expect(formatResetDuration(360_000)).toBe('6m0s');
    expect(formatResetDuration(120.2)).toBe('121ms');
    expect(parseResetDuration('1h2m3s')).toBe(3_723_000);
    expect(parseResetDuration('1.5s')).toBe(1500);
    expect(parseResetDuration('soon')).toBeUndefined();
    expect(parseResetDuration('1s later')).toBeUndefined();
  });
});

describe('fake LLM server: limit model and headers over HTTP', () => {
  const servers: FakeLlmServer[] = [];
  afterEach(async () => {
    await Promise.all(servers.splice(0).map((s) => s.close()));
  });

  const post = (server: FakeLlmServer) =>
    fetch(`${server.url}/chat/completions`, {
      method: 'POST',
      headers: { authorization: 'Bearer k1', 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'm', messages: [{ role: 'user', content: 'Hola' }] }),
    });

  it.each([true, false])('quantised 60 rpm, headers %s', async (headers) => {
    const now = 5_000_000;
    const server = await startFakeLlmServer({
      keys: { k1: { rpm: 60 } },
      limitModel: 'quantised',
      rateLimitHeaders: headers,
      now: () => now,
    });
    servers.push(server);
    const ok = await post(server);
    expect(ok.status).toBe(200);
    expect(ok.headers.get('x-ratelimit-limit-requests')).toBe(headers ? '60' : null);
    expect(ok.headers.get('x-ratelimit-remaining-requests')).toBe(headers ? '0' : null);
    const limited = await post(server);
    expect(limited.status).toBe(429);
    expect(((await limited.json()) as { error: { code: string } }).error.code).toBe('rate_limit_exceeded');
    expect(limited.headers.get('retry-after')).toBe(headers ? '1' : null);
    expect(limited.headers.get('retry-after-ms')).toBe(headers ? '1000' : null);
    expect(limited.headers.get('x-ratelimit-reset-requests')).toBe(headers ? '1s' : null);
    expect(server.stats().keys['k1']).toMatchObject({ accepted: 1, rateLimited: 1 });
  });

  it('keeps the sliding window by default, and switches model at run time', async () => {
    let now = 5_000_000;
    const server = await startFakeLlmServer({ keys: { k1: { rpm: 60 } }, now: () => now });
    servers.push(server);
    for (let i = 0; i < 60; i++) expect((await post(server)).status).toBe(200);
    expect((await post(server)).headers.get('retry-after')).toBe('60');
    server.setOptions({ limitModel: 'quantised' });
    now += 1;
    expect((await post(server)).status).toBe(200);
    expect((await post(server)).status).toBe(429);
  });
});
