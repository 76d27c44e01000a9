import type { ConversationRecord } from '../../ports/store.ts';
import type { Language } from '../../protocol/index.ts';
import type { ConversationActor } from './types.ts';

/** A stored conversation's top-level state and language (`triage` / `es` when there is none). */
export function describeRecord(record: ConversationRecord | undefined): {
  state: string;
  language: Language;
  /** Some message was understood already: the language is the conversation's, not a default. */
  spoken: boolean;
} {
  const snapshot = record?.snapshot as
    { value?: unknown; context?: { language?: unknown; turn?: unknown } } | undefined;
  const turn = snapshot?.context?.turn;
  return {
    state: snapshot?.value ? phaseOf(snapshot as { value: unknown }) : 'triage',
    language: snapshot?.context?.language === 'en' ? 'en' : 'es',
    spoken: typeof turn === 'number' && turn > 0,
  };
}

/** The top-level state name a person and the widget see. */
export function phaseOf(snapshot: { value: unknown }): string {
  const value = snapshot.value;
  if (typeof value === 'string') return value;
  return Object.keys(value as object)[0] ?? 'triage';
}

/** Failures are the supervisor's to handle (it restarts the actor): never an uncaught error. */
export function observeFailures(actor: ConversationActor): void {
  actor.subscribe({ error: () => {} });
}

/** A turn took longer than its deadline (a slow provider); it is answered with an apology, not retried. */
export class TurnTimeoutError extends Error {
  constructor(ms: number) {
    super(`the turn took longer than ${ms} ms`);
    this.name = 'TurnTimeoutError';
  }
}
