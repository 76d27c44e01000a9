import type { BotMessage } from '../../protocol/index.ts';

interface Wait {
  /** The webhook stopped waiting: replies go out through the REST API instead. */
  late: boolean;
  held: BotMessage[];
  timer?: NodeJS.Timeout;
}

/** How long a late turn is remembered when its `turn.completed` never comes. */
const FORGET_LATE_MS = 10 * 60_000;

/**
 * In TwiML mode the webhook answers with the turn's replies, so the outbound listener must not also
 * send them through the REST API. This tracks which inbound messages have a webhook waiting, and holds
 * their replies until the webhook either uses them or gives up (a timeout: they are then released to be
 * sent through REST, as are later replies of that turn).
 */
export class TwimlWaits {
  private readonly waits = new Map<string, Wait>();

  /** A webhook starts waiting for the replies to `inboundId`. */
  begin(inboundId: string): void {
    this.waits.set(inboundId, { late: false, held: [] });
  }

  /** True when a waiting webhook takes this reply (the caller must not send it). */
  hold(event: BotMessage): boolean {
    const wait = this.waits.get(event.inReplyTo);
    if (!wait || wait.late) return false;
    wait.held.push(event);
    return true;
  }

  /** The webhook answered with the replies (or the message was a duplicate / refused). */
  finish(inboundId: string): void {
    const wait = this.waits.get(inboundId);
    if (wait?.timer) clearTimeout(wait.timer);
    this.waits.delete(inboundId);
  }

  /** The webhook gave up waiting: returns the replies held so far, which the caller sends through REST. */
  expire(inboundId: string): BotMessage[] {
    const wait = this.waits.get(inboundId);
    if (!wait || wait.late) return [];
    wait.late = true;
    const held = wait.held;
    wait.held = [];
    wait.timer = setTimeout(() => this.waits.delete(inboundId), FORGET_LATE_MS);
    wait.timer.unref();
    return held;
  }

  /** The turn is over: a late wait is no longer needed. */
  completed(inboundId: string): void {
    if (this.waits.get(inboundId)?.late) this.finish(inboundId);
  }

  get size(): number {
    return this.waits.size;
  }

  clear(): void {
    for (const id of [...this.waits.keys()]) this.finish(id);
  }
}
