import { errorMessage } from '../errors.ts';
import type { Logger } from '../logger.ts';
import type { Clock } from '../ports/clock.ts';
import type { OrderedTable, TimerEntry, TimerKind, TimerStore } from '../ports/timers.ts';

/** The timer types live in src/ports/timers.ts; re-exported for existing importers. */
export type { TimerEntry, TimerKind, TimerStore };

type DueKey = [number, string, TimerKind];
type OwnKey = [string, TimerKind];

/**
 * Timers that survive restarts: kept in a `TimerStore` port (LMDB in production: `timers` by due
 * time, `timer_of` per conversation), one per conversation and kind (scheduling again replaces it).
 * A single process timer is armed for the earliest due entry; at start, entries that came due while
 * the process was down fire at once. A fired entry stays in the store until its handler calls
 * `complete` (after the conversation persisted the outcome), so a crash between firing and handling
 * fires it again after restart; handlers recognise a timer that was already handled (the
 * conversation moved on) and ignore it.
 */
export class DurableTimers {
  private readonly due: OrderedTable<TimerEntry, DueKey>;
  private readonly own: OrderedTable<number, OwnKey>;
  private timer: NodeJS.Timeout | undefined;
  private armedAt = Infinity;
  private closed = false;
  /** Due times written but not committed yet, per `conversationId|kind` (`undefined`: removed). */
  private readonly writing = new Map<string, { dueAt: number | undefined; writes: number }>();
  /** Entries handed to `fire` and not completed yet (`dueAt|conversationId|kind`). */
  private readonly firing = new Set<string>();

  constructor(
    private readonly store: TimerStore,
    private readonly clock: Clock,
    private readonly log: Logger,
    /** Called for each due entry (publishes it to the conversation, in order with its messages). */
    private readonly fire: (entry: TimerEntry) => Promise<void>,
  ) {
    this.due = store.database<TimerEntry, DueKey>('timers');
    this.own = store.database<number, OwnKey>('timer_of');
  }

  start(): void {
    this.arm();
  }

  /**
   * Sets (or moves) the conversation's timer of this kind. The write joins the batched commit of
   * this moment (the turn's own data goes in the same way): no fsync on the event loop per timer.
   */
  schedule(entry: TimerEntry): void {
    this.write(entry.conversationId, entry.kind, entry.dueAt, () => {
      const previous = this.own.get([entry.conversationId, entry.kind]);
      if (previous !== undefined) this.due.removeSync([previous, entry.conversationId, entry.kind]);
      this.due.putSync([entry.dueAt, entry.conversationId, entry.kind], entry);
      this.own.putSync([entry.conversationId, entry.kind], entry.dueAt);
    });
  }

  cancel(conversationId: string, kind: TimerKind): void {
    const previous = this.dueAtOf(conversationId, kind);
    if (previous === undefined) return;
    const firing = firingKey(previous, conversationId, kind);
    this.write(
      conversationId,
      kind,
      undefined,
      () => {
        const stored = this.own.get([conversationId, kind]);
        if (stored === undefined) return;
        this.due.removeSync([stored, conversationId, kind]);
        this.own.removeSync([conversationId, kind]);
      },
      () => this.firing.delete(firing),
    );
  }

  /**
   * The handler is done with the entry that came due at `dueAt`: it is removed, unless the timer was
   * scheduled again meanwhile (a newer entry replaced it).
   */
  complete(conversationId: string, kind: TimerKind, dueAt: number): void {
    const current = this.dueAtOf(conversationId, kind);
    // The entry stays "being handled" until its removal is committed, so it cannot fire again meanwhile.
    const firing = firingKey(dueAt, conversationId, kind);
    this.write(
      conversationId,
      kind,
      current === dueAt ? undefined : current,
      () => {
        this.due.removeSync([dueAt, conversationId, kind]);
        if (this.own.get([conversationId, kind]) === dueAt) this.own.removeSync([conversationId, kind]);
      },
      () => this.firing.delete(firing),
    );
  }

  /**
   * Queues one batched write that leaves the conversation's `kind` due at `dueAt` (`undefined`: none);
   * reads see it at once, and once committed the timer re-arms when it is earlier than the armed one.
   */
  private write(
    conversationId: string,
    kind: TimerKind,
    dueAt: number | undefined,
    fn: () => void,
    committed?: () => void,
  ): void {
    const key = `${conversationId}|${kind}`;
    const pending = this.writing.get(key);
    this.writing.set(key, { dueAt, writes: (pending?.writes ?? 0) + 1 });
    const settle = (): void => {
      const now = this.writing.get(key);
      if (now && --now.writes === 0) this.writing.delete(key);
      committed?.();
      if (dueAt !== undefined && dueAt < this.armedAt) this.arm();
    };
    this.store.transaction(fn).then(settle, (error: unknown) => {
      settle();
      this.log.error({ err: errorMessage(error) }, 'could not store a timer change');
    });
  }

  /** When the entry of this conversation and kind is due, if one is scheduled. */
  dueAtOf(conversationId: string, kind: TimerKind): number | undefined {
    const pending = this.writing.get(`${conversationId}|${kind}`);
    return pending ? pending.dueAt : this.own.get([conversationId, kind]);
  }

  /** Entries due at `now`, oldest first, that are not being handled already (they stay stored). */
  private takeDue(now: number): TimerEntry[] {
    const taken: TimerEntry[] = [];
    for (const { key, value } of this.due.getRange({ start: [0], end: [now + 1] })) {
      if (key[0] > now) break;
      const id = firingKey(...key);
      if (this.firing.has(id)) continue;
      this.firing.add(id);
      taken.push(value);
    }
    return taken;
  }

  private nextDueAt(): number {
    for (const key of this.due.getKeys()) if (!this.firing.has(firingKey(...key))) return key[0];
    return Infinity;
  }

  private arm(): void {
    if (this.closed) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    const at = this.nextDueAt();
    this.armedAt = at;
    if (at === Infinity) return;
    const delay = Math.min(Math.max(0, at - this.clock.now()), 2 ** 31 - 1);
    this.timer = setTimeout(() => void this.run(), delay);
    this.timer.unref();
  }

  private async run(): Promise<void> {
    this.timer = undefined;
    this.armedAt = Infinity;
    try {
      for (const entry of this.takeDue(this.clock.now())) {
        try {
          await this.fire(entry);
        } catch (error) {
          // Not handed over (queue full, shutting down): keep it and try again shortly.
          this.log.warn(
            { conversationId: entry.conversationId, kind: entry.kind, err: errorMessage(error) },
            'timer could not fire; retrying',
          );
          this.firing.delete(firingKey(entry.dueAt, entry.conversationId, entry.kind));
          if (!this.closed) this.schedule({ ...entry, dueAt: this.clock.now() + 5000 });
        }
      }
    } catch (error) {
      this.log.error({ err: errorMessage(error) }, 'timer store failed; retrying in a minute');
      this.armedAt = this.clock.now() + 60_000;
      this.timer = setTimeout(() => void this.run(), 60_000);
      this.timer.unref();
      return;
    }
    this.arm();
  }

  close(): void {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
  }
}

function firingKey(dueAt: number, conversationId: string, kind: TimerKind): string {
  return `${dueAt}|${conversationId}|${kind}`;
}
