import { errorMessage } from '../errors.ts';
import type { Logger } from '../logger.ts';

/**
 * One subsystem of a node, as the composition root sees it: started in the order it was added,
 * closed in the reverse order (fastify's `onClose`, nats.js `drain()`), so what starts last stops first.
 */
export interface Part {
  readonly name: string;
  start?(): unknown;
  close?(): unknown;
}

/**
 * The node's declared start list. `start` runs each part in order; when one fails, the parts already
 * started are closed again (reverse order) before the error is rethrown: no open store, no stray timers.
 * `close` runs once, in reverse order, and keeps going when a part fails to close (logged).
 */
export class Lifecycle {
  private readonly started: Part[] = [];
  private closing: Promise<void> | undefined;

  constructor(private readonly log: Logger) {}

  /** Starts a part now and puts it on the list; returns it, so wiring reads top to bottom. */
  async add<T extends Part>(part: T): Promise<T> {
    this.started.push(part);
    await part.start?.();
    return part;
  }

  /** Closes every started part, last first. Idempotent: a second call waits for the first. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      for (const part of [...this.started].reverse()) {
        try {
          await part.close?.();
        } catch (error) {
          this.log.error({ part: part.name, err: errorMessage(error) }, 'a part failed to close; going on');
        }
      }
    })();
    return this.closing;
  }
}
