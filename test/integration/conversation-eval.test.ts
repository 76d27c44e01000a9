import { describe, expect, it } from 'vitest';
import { evaluate } from '../../eval/conversations/run.ts';
import { summarise } from '../../eval/conversations/score.ts';

/**
 * The conversation evaluation keeps its level: every persona of both splits runs over the REST
 * channel against a real node on the built-in model. The floors are the figures measured when they
 * were set (docs/evaluation.md), a few points under, so a change that makes conversations end as
 * wrong leads fails here. Raise them when the figures improve; never lower them to make a change pass.
 */
const FLOORS = {
  dev: { fully: 86, interest: 95, urgency: 91, qualification: 95 },
  test: { fully: 75, interest: 95, urgency: 82, qualification: 94 },
};

describe('conversation evaluation (npm run eval:conversations)', () => {
  it('ends natural conversations as correct leads at the measured level, dev and test', async () => {
    const { results, scores } = await evaluate({ splits: ['dev', 'test'] });
    expect(results.length).toBeGreaterThanOrEqual(150);
    for (const split of ['dev', 'test'] as const) {
      const row = summarise(
        split,
        scores.filter((s) => s.split === split),
      );
      const floor = FLOORS[split];
      expect(row.fully, `${split} fully correct`).toBeGreaterThanOrEqual(floor.fully);
      expect(row.field.interest_area, `${split} interest area`).toBeGreaterThanOrEqual(floor.interest);
      expect(row.field.urgency_level, `${split} urgency`).toBeGreaterThanOrEqual(floor.urgency);
      expect(row.field.qualification, `${split} qualification`).toBeGreaterThanOrEqual(floor.qualification);
      expect(row.turnsMedian ?? Infinity, `${split} median turns`).toBeLessThanOrEqual(5);
    }
    // Spam and injection attempts never become leads; no conversation errors out.
    const nonLeads = results.filter((r) => !r.persona.expect.lead);
    expect(nonLeads.length).toBeGreaterThan(10);
    for (const r of nonLeads) expect(r.lead?.qualification ?? 'none', r.persona.id).toMatch(/^(none|spam)$/);
    expect(results.flatMap((r) => r.errors)).toEqual([]);
  }, 180_000);

  it('the LLM path through the OpenAI-compatible test server (tool calls) ends as leads too', async () => {
    const { results, scores } = await evaluate({ splits: ['test'], fakeLlm: true });
    const row = summarise('test', scores);
    expect(row.fully).toBeGreaterThanOrEqual(70);
    expect(row.field.email).toBeGreaterThanOrEqual(95);
    for (const r of results.filter((x) => !x.persona.expect.lead))
      expect(r.lead?.qualification ?? 'none', r.persona.id).toMatch(/^(none|spam)$/);
    expect(results.flatMap((r) => r.errors)).toEqual([]);
  }, 180_000);
});
