import { RequestError, type NatsConnection, type Subscription } from '@nats-io/transport-node';
import { errorMessage } from '../../errors.ts';
import type { ClusterLogger } from './partition-leases.ts';
import { aliveSubject } from './subjects.ts';

export interface WorkerPresenceOptions {
  nc: NatsConnection;
  /** This process run's instance id (the one its leases carry). */
  instance: string;
  log: ClusterLogger;
  /** How often the other workers are asked whether they are there (default 500 ms). */
  probeEveryMs?: number | undefined;
  /** How long one probe waits for an answer (default 1 s). A timeout proves nothing. */
  probeTimeoutMs?: number;
  /** The other workers' instances worth asking about (those holding leases or heartbeating). */
  peers: () => Iterable<string>;
  /** `instance` has no connection to NATS any more: its leases may be taken over now. */
  dead: (instance: string) => void;
}

/**
 * Notices a worker's death from its connection, in about a second instead of a lease time.
 *
 * Every worker answers requests on `leadbot.alive.<instance>` through its own connection. When a
 * process dies (kill -9, OOM, a crash) the kernel closes its socket and nats-server drops its
 * subscriptions at once, so a request there gets "no responders" straight away. Two such answers
 * in a row (a quarter of a second apart at least) and the worker is reported dead.
 *
 * A worker that is alive but stuck (paused, a long GC) still has its subscription: its probe times
 * out, which proves nothing, and its leases run out only after their TTL, so a paused worker that
 * resumes never finds its partitions taken while it still believes it owns them.
 */
export class WorkerPresence {
  private subscription: Subscription | undefined;
  private timer: NodeJS.Timeout | undefined;
  /** Instances that gave "no responders" once, with when. */
  private readonly suspects = new Map<string, number>();
  private readonly probing = new Set<string>();
  private stopped = false;

  constructor(private readonly options: WorkerPresenceOptions) {}

  /** Answers probes (and makes sure the server has the subscription before anyone asks). */
  async start(): Promise<void> {
    const { nc, instance } = this.options;
    this.subscription = nc.subscribe(aliveSubject(instance), {
      callback: (_error, msg) => {
        try {
          msg.respond();
        } catch {
          // The connection is going away: nobody needs the answer.
        }
      },
    });
    await nc.flush();
    this.timer = setInterval(() => this.probeAll(), this.options.probeEveryMs ?? 500);
    this.timer.unref();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    try {
      this.subscription?.unsubscribe();
    } catch {
      // Already closed with the connection.
    }
  }

  private probeAll(): void {
    if (this.stopped || this.options.nc.isClosed()) return;
    const peers = new Set(this.options.peers());
    for (const instance of this.suspects.keys()) if (!peers.has(instance)) this.suspects.delete(instance);
    for (const instance of peers) {
      if (instance === this.options.instance || this.probing.has(instance)) continue;
      this.probing.add(instance);
      void this.probe(instance).finally(() => this.probing.delete(instance));
    }
  }

  private async probe(instance: string): Promise<void> {
    const { nc, log } = this.options;
    try {
      await nc.request(aliveSubject(instance), undefined, { timeout: this.options.probeTimeoutMs ?? 1_000 });
      this.suspects.delete(instance);
    } catch (error) {
      if (!(error instanceof RequestError) || !error.isNoResponders()) {
        // A timeout or a link problem of our own: it says nothing about the other worker.
        log.debug({ instance, err: errorMessage(error) }, 'worker probe without an answer');
        return;
      }
      const now = Date.now();
      const first = this.suspects.get(instance);
      if (first === undefined) {
        this.suspects.set(instance, now);
        return;
      }
      if (now - first < 250 || this.stopped) return;
      this.suspects.delete(instance);
      log.warn({ instance }, 'a worker lost its NATS connection; taking its partitions over');
      this.options.dead(instance);
    }
  }
}
