import { describe, expect, it } from 'vitest';
import { ResourceAdmission, type ResourceSample } from '../../src/runtime/resource-admission.ts';
import { measureCaps } from '../../src/runtime/key-caps.ts';
import { KeyPool } from '../../src/runtime/key-pool.ts';

const SETTINGS = {
  maxEventLoopDelayMs: 200,
  maxEventLoopUtilization: 0.95,
  maxCpuBacklogMs: 1000,
  maxHeapRatio: 0.9,
  fairShare: 2,
  retryAfterS: 5,
};

function withSample(initial: ResourceSample) {
  let sample = initial;
  const admission = new ResourceAdmission(SETTINGS, () => sample);
  return {
    admission,
    set: (next: Partial<ResourceSample>, now: number): void => {
      sample = { ...sample, ...next };
      admission.sampleNow(now);
    },
  };
}

const calm: ResourceSample = { lagMs: 2, utilization: 0.3, heapRatio: 0.2 };

describe('ResourceAdmission', () => {
  it('takes every message while the loop keeps up: no fixed count of turns in flight', () => {
    const { admission, set } = withSample(calm);
    set(calm, -1000);
    // A first second measures what a turn costs (1 ms); before that the prior (4 ms) holds.
    for (let i = 0; i < 10; i++) admission.check('t', -900, `w${i}|m`);
    for (let i = 0; i < 10; i++) admission.done(`w${i}|m`);
    set({ utilization: 0.01 }, 0);
    // 400 new turns a second for 50 s on a slow model (10 a second complete, 1 ms of CPU each).
    for (let second = 0; second < 50; second++) {
      for (let i = 0; i < 400; i++) {
        const ok = admission.check('t', second * 1000 + i, `c${second}-${i}|m`).ok;
        expect(ok).toBe(true);
      }
      for (let i = 0; i < 10; i++) admission.done(`c${second}-${i}|m`);
      set({ utilization: 0.01 }, (second + 1) * 1000);
    }
    expect(admission.report().in_flight).toBe(19_500);
  });

  it('refuses with Retry-After while the event loop lags, or is busy and lagging, or the heap is full', () => {
    const { admission, set } = withSample(calm);
    set({ lagMs: 350 }, 1_000);
    expect(admission.check('t', 1_000)).toEqual({ ok: false, reason: 'event_loop', retryAfterS: 5 });
    set({ lagMs: 40, utilization: 0.99 }, 2_000);
    expect(admission.check('t', 2_000)).toMatchObject({ ok: false, reason: 'event_loop' });
    // Busy but not lagging: working hard and keeping up.
    set({ lagMs: 5, utilization: 0.99 }, 3_000);
    expect(admission.check('t', 3_000).ok).toBe(true);
    set({ utilization: 0.3, heapRatio: 0.95 }, 4_000);
    expect(admission.check('t', 4_000)).toMatchObject({ ok: false, reason: 'heap' });
    set({ heapRatio: 0.2 }, 5_000);
    expect(admission.check('t', 5_000).ok).toBe(true);
    expect(admission.report().refused).toMatchObject({ event_loop: 2, heap: 1 });
  });

  it('refuses a burst once the turns admitted this second need more CPU than one second allows', () => {
    const { admission, set } = withSample(calm);
    set(calm, 0);
    // 180 turns completed in a second with the loop 90 % busy: 5 ms of CPU each.
    for (let i = 0; i < 180; i++) admission.check('t', 500, `a${i}|m`);
    for (let i = 0; i < 180; i++) admission.done(`a${i}|m`);
    set({ utilization: 0.9, lagMs: 60 }, 1_000);
    expect(admission.report().cpu_ms_per_turn).toBeCloseTo(5, 5);
    let taken = 0;
    for (let i = 0; i < 1_000; i++) if (admission.check('t', 1_100, `b${i}|m`).ok) taken++;
    // 1000 ms of CPU a second at 5 ms a turn: about 200 taken in this second, the rest told to come back.
    expect(taken).toBeGreaterThanOrEqual(195);
    expect(taken).toBeLessThanOrEqual(205);
    // The next second has its own budget; and on a quiet loop the backlog does not bind.
    set({ utilization: 0.9, lagMs: 60 }, 2_000);
    expect(admission.check('t', 2_100, 'c|m').ok).toBe(true);
    for (let i = 0; i < 1_000; i++) admission.check('t', 2_200, `d${i}|m`);
    set(calm, 3_000);
    for (let i = 0; i < 1_000; i++) admission.check('t', 3_100, `e${i}|m`);
    expect(admission.check('t', 3_200, 'f|m').ok).toBe(true);
  });

  it('under pressure refuses the tenant sending far more than its share first', () => {
    const { admission, set } = withSample(calm);
    set({ lagMs: 120 }, 1_000);
    let flood = 0;
    let quiet = 0;
    for (let i = 0; i < 200; i++) {
      if (admission.check('flood', 1_100).ok) flood++;
      if (i % 20 === 0 && admission.check('quiet', 1_100).ok) quiet++;
    }
    expect(quiet).toBe(10);
    expect(flood).toBeLessThan(200);
    expect(admission.report().refused.tenant_share).toBe(200 - flood);
  });
});

describe('measured conversation caps', () => {
  it('a key holds its rate ÷ the requests per minute one conversation makes, and no cap before traffic', async () => {
    let now = 0;
    const pool = new KeyPool({
      keys: [{ id: 'a', secret: 'sa', rpm: 120 }],
      clock: { now: () => now },
      tickMs: 0,
    });
    const state = (pool as unknown as { keys: { measuredCap: number; maxConversations: number }[] }).keys[0]!;
    pool.tick();
    expect(state.maxConversations).toBe(Infinity);
    {
      // 10 conversations, 6 requests each within the minute: 6 requests per minute per conversation.
      for (let round = 0; round < 6; round++) {
        for (let c = 0; c < 10; c++) {
          now += 600;
          const lease = await pool.acquire(`c${c}`);
          lease!.release();
        }
      }
      pool.tick();
      expect(state.maxConversations).toBe(20);
      // A measured cap steers; with no other key to go to, conversations past it still get this one.
      for (let c = 10; c < 25; c++) {
        now += 600;
        const lease = await pool.acquire(`c${c}`, { estimatedTokens: 0, deadlineMs: 0 });
        expect(lease?.keyId).toBe('a');
        lease!.release();
      }
      measureCaps([], now);
      await pool.close();
    }
  });
});
