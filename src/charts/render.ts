/**
 * A chart as text: Mermaid `stateDiagram-v2` (nested states, events and guards on the edges,
 * descriptions under the state names), Graphviz DOT (clusters for nested states; each state's
 * description is its tooltip, and its SVG element id is `state-<id>` so a page can highlight it) and
 * JSON. The SVG export renders the DOT (`svg.ts`).
 */
import { allStates, type Chart, type ChartState, type ChartTransition } from './model.ts';
import { dotToSvg } from './svg.ts';

export type ChartFormat = 'mermaid' | 'dot' | 'json' | 'svg';
export const CHART_FORMATS: readonly ChartFormat[] = ['mermaid', 'dot', 'json', 'svg'];

const mermaidId = (id: string): string => (id === '' ? 'root' : id.replace(/\./g, '__'));
const oneLine = (text: string): string => text.replace(/\s+/g, ' ').trim();

/** An edge's label: `event [guard]`. */
export function edgeLabel(t: ChartTransition): string {
  return t.guard ? `${t.event} [${t.guard}]` : t.event;
}

function mermaidState(s: ChartState, pad: string, out: string[]): void {
  const id = mermaidId(s.id);
  if (s.children.length === 0) {
    out.push(`${pad}state "${s.key}" as ${id}`);
    if (s.description) out.push(`${pad}${id} : ${oneLine(s.description).replace(/:/g, ' -')}`);
    if (s.type === 'final') out.push(`${pad}${id} --> [*]`);
    return;
  }
  out.push(`${pad}state "${s.key}" as ${id} {`);
  if (s.initial) out.push(`${pad}  [*] --> ${mermaidId(s.id ? `${s.id}.${s.initial}` : s.initial)}`);
  for (const child of s.children) mermaidState(child, `${pad}  `, out);
  out.push(`${pad}}`);
  if (s.description) out.push(`${pad}note right of ${id} : ${oneLine(s.description).replace(/:/g, ' -')}`);
}

/** Mermaid `stateDiagram-v2`. */
export function toMermaid(chart: Chart): string {
  const out = ['stateDiagram-v2'];
  if (chart.root.initial) out.push(`  [*] --> ${mermaidId(chart.root.initial)}`);
  for (const child of chart.root.children) mermaidState(child, '  ', out);
  for (const t of chart.transitions) {
    const label = edgeLabel(t).replace(/:/g, ' -');
    const from = mermaidId(t.source);
    for (const to of t.targets.length > 0 ? t.targets : [t.source])
      out.push(`  ${from} --> ${mermaidId(to)} : ${label}`);
  }
  return `${out.join('\n')}\n`;
}

const q = (text: string): string => `"${text.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;

/** The atomic state a DOT edge is drawn from or to for `id` (a cluster is entered at its initial leaf). */
function anchorOf(byId: Map<string, ChartState>, id: string): string {
  let s = byId.get(id);
  while (s && s.children.length > 0) {
    const next: ChartState | undefined = s.children.find((c) => c.key === s!.initial) ?? s.children[0];
    s = next;
  }
  return s?.id ?? id;
}

function dotState(s: ChartState, pad: string, out: string[]): void {
  if (s.children.length === 0) {
    const shape = s.type === 'final' ? 'doublecircle' : 'box';
    const attrs = [
      `label=${q(s.key)}`,
      `id=${q(`state-${s.id}`)}`,
      `shape=${shape}`,
      'style="rounded,filled"',
      'fillcolor="white"',
    ];
    if (s.description) attrs.push(`tooltip=${q(oneLine(s.description))}`);
    out.push(`${pad}${q(s.id)} [${attrs.join(', ')}];`);
    return;
  }
  out.push(`${pad}subgraph ${q(`cluster_${s.id}`)} {`);
  out.push(`${pad}  label=${q(s.key)}; id=${q(`state-${s.id}`)}; style="rounded";`);
  if (s.description) out.push(`${pad}  tooltip=${q(oneLine(s.description))};`);
  for (const child of s.children) dotState(child, `${pad}  `, out);
  out.push(`${pad}}`);
}

/** Graphviz DOT (`dot -Tsvg`, or `--format svg`). */
export function toDot(chart: Chart): string {
  const byId = new Map(allStates(chart).map((s) => [s.id, s]));
  const out = [
    `digraph ${q(chart.id)} {`,
    '  compound=true; newrank=true; rankdir=TB; fontname="Helvetica"; fontsize=11;',
    '  node [fontname="Helvetica", fontsize=11]; edge [fontname="Helvetica", fontsize=9];',
    '  "__start" [shape=point, label=""];',
  ];
  for (const child of chart.root.children) dotState(child, '  ', out);
  if (chart.root.initial) out.push(`  "__start" -> ${q(anchorOf(byId, chart.root.initial))};`);
  for (const t of chart.transitions) {
    const from = anchorOf(byId, t.source);
    const fromCluster = from !== t.source && t.source !== '';
    for (const target of t.targets.length > 0 ? t.targets : [t.source]) {
      const to = anchorOf(byId, target);
      const attrs = [`label=${q(edgeLabel(t))}`];
      if (fromCluster) attrs.push(`ltail=${q(`cluster_${t.source}`)}`);
      if (to !== target) attrs.push(`lhead=${q(`cluster_${target}`)}`);
      if (t.description) attrs.push(`tooltip=${q(oneLine(t.description))}`);
      out.push(`  ${q(from || '__start')} -> ${q(to)} [${attrs.join(', ')}];`);
    }
  }
  out.push('}');
  return `${out.join('\n')}\n`;
}

/** The chart as JSON (what `GET /api/machines/:name` returns). */
export function toJson(chart: Chart): string {
  return `${JSON.stringify(chart, null, 2)}\n`;
}

/** A chart in `format`. */
export async function renderChart(chart: Chart, format: ChartFormat): Promise<string> {
  if (format === 'mermaid') return toMermaid(chart);
  if (format === 'dot') return toDot(chart);
  if (format === 'json') return toJson(chart);
  return dotToSvg(toDot(chart));
}
