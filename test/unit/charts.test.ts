import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CHART_DOC, renderChartDoc } from '../../scripts/gen-chart-docs.ts';
import { CONVERSATION_EVENTS, conversationMachine } from '../../machines/conversation-machine.ts';
import { machineChart } from '../../src/charts/machines.ts';
import { allStates } from '../../src/charts/model.ts';
import { renderChart, toDot, toMermaid } from '../../src/charts/render.ts';

const conversation = machineChart('conversation')!;

describe('state charts', () => {
  it('docs/state-chart.md is what `npm run docs:charts` writes from the machines', async () => {
    if ((await renderChartDoc()) !== readFileSync(CHART_DOC, 'utf8'))
      expect.fail('docs/state-chart.md is stale: run `npm run docs:charts` (the machines changed).');
  });

  it('every state of both machines has a description, and every outside event one too', () => {
    for (const name of ['conversation', 'keypool']) {
      const chart = machineChart(name)!;
      const missing = allStates(chart).filter((s) => s.id !== '' && !s.description);
      expect(missing.map((s) => `${name}:${s.id}`)).toEqual([]);
    }
    const outside = new Set(
      conversation.transitions.map((t) => t.event).filter((e) => !/^(always|done\.|error\.|after\.)/.test(e)),
    );
    expect([...outside].sort()).toEqual(Object.keys(CONVERSATION_EVENTS).sort());
  });

  it('reads the machine that runs: the provided machine keeps the descriptions', () => {
    const provided = conversationMachine.provide({});
    expect((provided.root.states.capture as { description?: string }).description).toMatch(/lead/i);
    expect(machineChart('nope')).toBeUndefined();
  });

  it('Mermaid has every state and every transition with its event and guard', () => {
    const mermaid = toMermaid(conversation);
    expect(mermaid.startsWith('stateDiagram-v2\n')).toBe(true);
    for (const s of allStates(conversation).filter((x) => x.id))
      expect(mermaid).toContain(`as ${s.id.replace(/\./g, '__')}`);
    expect(mermaid).toContain('triage__routing --> capture__routing : always [hasSomethingToCapture]');
    expect(mermaid).toContain('capture__routing --> qualify : always [canClose]');
    expect(mermaid).toContain('human__waiting --> capture__waiting : human.release [resumesTo(capture)]');
    const edges = mermaid.split('\n').filter((l) => l.includes(' --> ') && !l.includes('[*]'));
    expect(edges.length).toBeGreaterThanOrEqual(conversation.transitions.length);
  });

  it('SVG (Graphviz) has an element per state, named state-<id>, with its description', async () => {
    const svg = await renderChart(conversation, 'svg');
    expect(svg).toMatch(/^<\?xml/);
    const ids = [...svg.matchAll(/<g id="state&#45;([^"]+)"/g)].map((m) => m[1]);
    expect(new Set(ids)).toEqual(new Set(allStates(conversation).flatMap((s) => (s.id ? [s.id] : []))));
    expect(svg).toContain('Stores the lead (or ticket) durably');
    expect(toDot(machineChart('keypool')!)).toContain(
      '"key.available" -> "key.coolingDown" [label="rate.limited"]',
    );
  });

  it('JSON is the chart as data', async () => {
    const json = JSON.parse(await renderChart(conversation, 'json')) as typeof conversation;
    expect(json.id).toBe('conversation');
    expect(json.version).toBe(1);
    expect(json.transitions).toContainEqual({
      source: 'qualify',
      targets: ['support'],
      event: 'always',
      guard: 'isSupport',
    });
  });
});
