/**
 * A state machine as plain data: its states (nested, with type, description, tags and the effects
 * they invoke) and its transitions (source, targets, event, guard, description). Read from an XState
 * v5 machine's state nodes, so every export (Mermaid, DOT, JSON, SVG) and the console's live chart
 * draw the machine that runs, not a copy of it.
 */
import type { AnyStateMachine } from 'xstate';

export interface ChartState {
  /** Dotted path from the root (`capture.waiting`); `''` for the root. */
  id: string;
  key: string;
  type: 'atomic' | 'compound' | 'parallel' | 'final' | 'history';
  description?: string;
  /** Key of the initial child (compound states). */
  initial?: string;
  tags: string[];
  /** Effects invoked while in this state (`analyse`, `think`, `deliverLead`…). */
  invokes: string[];
  children: ChartState[];
}

export interface ChartTransition {
  /** State id (dotted path) where the transition is defined. */
  source: string;
  /** Target state ids; empty for a transition that only runs actions (drawn as a self-loop). */
  targets: string[];
  /** The event (`user.message.received`), `done.analyse` / `error.analyse` for an effect's outcome, or `always`. */
  event: string;
  guard?: string;
  description?: string;
}

export interface Chart {
  id: string;
  description?: string;
  version?: number;
  root: ChartState;
  transitions: ChartTransition[];
  /** Descriptions of the events the machine takes from outside. */
  events: Record<string, string>;
}

/** The xstate state node surface this module reads (public fields of `StateNode`). */
interface NodeLike {
  key: string;
  path: string[];
  type: ChartState['type'];
  description?: string;
  tags: string[];
  states: Record<string, NodeLike>;
  config: { initial?: unknown };
  invoke: { src: unknown; id: string }[];
  transitions: Map<string, TransitionLike[]>;
  always?: TransitionLike[];
}

interface TransitionLike {
  target?: readonly NodeLike[];
  guard?: unknown;
  description?: string;
  reenter?: boolean;
}

/** A state node's id as the charts use it: its path, dotted. */
export function stateId(path: readonly string[]): string {
  return path.join('.');
}

/** A guard's readable name: `isSpam`, `!hasLead`, `inline` for an anonymous function. */
export function guardName(guard: unknown): string | undefined {
  if (guard === undefined || guard === null) return undefined;
  if (typeof guard === 'string') return guard;
  if (typeof guard === 'object' && 'type' in guard && typeof guard.type === 'string') {
    const params = 'params' in guard ? (guard.params as Record<string, unknown> | undefined) : undefined;
    const arg = params && typeof params === 'object' ? Object.values(params)[0] : undefined;
    return typeof arg === 'string' ? `${guard.type}(${arg})` : guard.type;
  }
  if (typeof guard === 'function') {
    const inner = (guard as { guards?: unknown[] }).guards;
    const check = (guard as { check?: { name?: string } }).check?.name;
    if (Array.isArray(inner) && check === 'checkNot') return `!${inner.map(guardName).join(' & ')}`;
    if (Array.isArray(inner) && check === 'checkAnd') return inner.map(guardName).join(' & ');
    if (Array.isArray(inner) && check === 'checkOr') return inner.map(guardName).join(' | ');
    return guard.name && guard.name !== 'guard' ? guard.name : 'inline';
  }
  return undefined;
}

/** `xstate.done.actor.0.conversation.triage.analysing` → `done.analyse` (the effect's name). */
export function eventLabel(eventType: string, node: NodeLike | undefined): string {
  const after = /^xstate\.after\.([^.]+)\./.exec(eventType);
  if (after) return `after.${after[1]}`;
  const m = /^xstate\.(done|error)\.actor\.(.+)$/.exec(eventType);
  if (!m) return eventType === '' ? 'always' : eventType;
  const invoked = node?.invoke.find((i) => i.id === m[2]);
  const src = invoked && typeof invoked.src === 'string' ? invoked.src : 'effect';
  return `${m[1]}.${src}`;
}

function stateOf(node: NodeLike): ChartState {
  const initial = node.config.initial;
  return {
    id: stateId(node.path),
    key: node.key,
    type: node.type,
    ...(node.description ? { description: node.description } : {}),
    ...(typeof initial === 'string' ? { initial } : {}),
    tags: [...node.tags],
    invokes: node.invoke.map((i) => (typeof i.src === 'string' ? i.src : i.id)),
    children: Object.values(node.states).map(stateOf),
  };
}

function transitionsOf(node: NodeLike, out: ChartTransition[]): void {
  const source = stateId(node.path);
  const add = (event: string, list: readonly TransitionLike[]) => {
    for (const t of list) {
      const guard = guardName(t.guard);
      out.push({
        source,
        targets: (t.target ?? []).map((n) => stateId(n.path)),
        event,
        ...(guard ? { guard } : {}),
        ...(t.description ? { description: t.description } : {}),
      });
    }
  };
  for (const [eventType, list] of node.transitions) add(eventLabel(eventType, node), list);
  if (node.always) add('always', node.always);
  for (const child of Object.values(node.states)) transitionsOf(child, out);
}

/** The chart of an XState machine, with descriptions of the events it takes from outside. */
export function chartOf(machine: AnyStateMachine, events: Record<string, string>, version?: number): Chart {
  const root = machine.root as unknown as NodeLike;
  const transitions: ChartTransition[] = [];
  transitionsOf(root, transitions);
  return {
    id: machine.id,
    ...(root.description ? { description: root.description } : {}),
    ...(version === undefined ? {} : { version }),
    root: stateOf(root),
    transitions,
    events,
  };
}

/** Every state of the chart, depth first (the root first). */
export function allStates(chart: Chart): ChartState[] {
  const out: ChartState[] = [];
  const walk = (s: ChartState) => {
    out.push(s);
    s.children.forEach(walk);
  };
  walk(chart.root);
  return out;
}
