import type { InspectionEvent } from 'xstate';
import type { Clock } from '../../ports/clock.ts';
import type { TransitionRecord } from '../../ports/store.ts';
import { eventLabel, guardName } from '../../charts/model.ts';

/** A state value as one dotted string: `{ capture: 'waiting' }` → `capture.waiting`. */
export function valueString(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value === null || typeof value !== 'object') return '';
  const parts = Object.entries(value as Record<string, unknown>).map(([key, child]) => {
    const rest = valueString(child);
    return rest ? `${key}.${rest}` : key;
  });
  return parts.join(',');
}

interface MicrostepLike {
  type: '@xstate.microstep';
  event: { type: string };
  snapshot: { value?: unknown; context?: { newlyCaptured?: readonly string[] } };
  _transitions?: readonly {
    eventType: string;
    guard?: unknown;
    source: Parameters<typeof eventLabel>[1];
    target?: readonly unknown[];
  }[];
}

/**
 * Collects an actor's transitions from XState's inspection events (`@xstate.microstep`) until the
 * turn is saved (`take`): only the steps since the last save are held in memory; the store keeps
 * the conversation's log (bounded) with its snapshot.
 */
export class TransitionRecorder {
  private pending: TransitionRecord[] = [];
  private current: string;

  constructor(
    private readonly clock: Pick<Clock, 'now'>,
    /** The state the actor starts in (`''` for a fresh one: its start is recorded). */
    from: string,
  ) {
    this.current = from;
  }

  /** The `inspect` option of `createActor`. */
  readonly inspect = (event: InspectionEvent): void => {
    if (event.type === '@xstate.microstep') this.microstep(event as unknown as MicrostepLike);
    else if (event.type === '@xstate.snapshot' && this.current === '') {
      const to = valueString((event.snapshot as { value?: unknown }).value);
      if (!to) return;
      this.pending.push({ at: this.clock.now(), event: 'xstate.init', from: '', to });
      this.current = to;
    }
  };

  private microstep(step: MicrostepLike): void {
    const to = valueString(step.snapshot.value);
    const taken = step._transitions?.[0];
    // A transition that only ran actions (no target) leaves the state as it was: not a step.
    if (!taken || (to === this.current && !taken.target?.length)) return;
    const event = taken.eventType === '' ? 'always' : eventLabel(step.event.type, taken.source);
    const guard = guardName(taken.guard);
    const captured = event === 'done.analyse' ? step.snapshot.context?.newlyCaptured : undefined;
    this.pending.push({
      at: this.clock.now(),
      event,
      from: this.current,
      to,
      ...(guard ? { guard } : {}),
      ...(captured && captured.length > 0 ? { fields: [...captured] } : {}),
    });
    this.current = to;
  }

  /** The transitions since the last call (for the turn being saved). */
  take(): TransitionRecord[] {
    const out = this.pending;
    this.pending = [];
    return out;
  }
}

const recorders = new WeakMap<object, TransitionRecorder>();

/** A recorder for an actor about to be created (`attach` it once the actor exists). */
export function recorderFor(clock: Pick<Clock, 'now'>, snapshot: unknown): TransitionRecorder {
  return new TransitionRecorder(clock, valueString((snapshot as { value?: unknown } | undefined)?.value));
}

export function attachRecorder(actor: object, recorder: TransitionRecorder): void {
  recorders.set(actor, recorder);
}

/** The transitions an actor took since its last save (empty for an actor without a recorder). */
export function takeTransitions(actor: object): TransitionRecord[] {
  return recorders.get(actor)?.take() ?? [];
}
