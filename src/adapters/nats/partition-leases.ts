import type { KvWatchEntry } from '@nats-io/kv';
import type { QueuedIterator } from '@nats-io/transport-node';
import { errorMessage } from '../../errors.ts';
import { isCasConflict } from './kv-store.ts';
import {
  LeaseValueSchema,
  WorkerValueSchema,
  parseJson,
  type Owned,
  type PartitionLeasesOptions,
} from './lease-types.ts';
import { partitionKey, partitionOf, workerKey } from './subjects.ts';

export type { ClusterLogger, PartitionLeaseHooks, PartitionLeasesOptions } from './lease-types.ts';

/**
 * Ownership of inbound partitions through leases in NATS KV. A lease is the key `partition.<n>`;
 * it is taken with `create` (only when absent or deleted) and renewed with `update` on the last
 * revision (compare-and-set), so at most one node holds it. The bucket's TTL removes a lease that
 * is not renewed (its node died), after which another node creates it again. The creating revision
 * is the fence: strictly larger for every later owner.
 *
 * Balance: every worker heartbeats `worker.<instance>`; each aims at ceil(partitions / live
 * workers) partitions, takes free ones while under and hands the extra ones over (gracefully)
 * while over.
 */
export class PartitionLeases {
  private readonly owned = new Map<number, Owned>();
  /** Workers whose heartbeat was seen, with the local time it was seen and their instance. */
  private readonly workers = new Map<string, { at: number; instance: string }>();
  /** Instances known to have lost their NATS connection (`markDead`): their leases may be taken. */
  private readonly dead = new Set<string>();
  /** The link to NATS is down: no fence is valid until a renewal round succeeded again. */
  private suspended = false;
  private linkUp = true;
  /** Partitions whose lease was seen written by another instance, and when (local time). */
  private readonly taken = new Map<number, { instance: string; at: number }>();
  private timer: NodeJS.Timeout | undefined;
  private watcher: QueuedIterator<KvWatchEntry> | undefined;
  private ticking: Promise<void> | undefined;
  /** Another round was asked for while one ran. */
  private again = false;
  private stopped = false;
  private readonly releases = new Set<Promise<void>>();
  private readonly margin: number;

  constructor(private readonly options: PartitionLeasesOptions) {
    this.margin = Math.min(options.renewEveryMs, options.ttlMs / 4);
  }

  /** Starts watching the bucket, heartbeating and balancing. */
  async start(): Promise<void> {
    await this.watch();
    await this.tick();
    this.timer = setInterval(() => void this.tick(), this.options.renewEveryMs);
  }

  /** The fence of a partition this node owns with a lease still valid, else undefined. */
  fence(partition: number): number | undefined {
    const owned = this.owned.get(partition);
    if (!owned || this.suspended || this.options.clock.now() >= owned.validUntil) return undefined;
    return owned.fence;
  }

  /** The fence of a partition this node still holds, even while the link is down (undefined once lost). */
  heldFence(partition: number): number | undefined {
    return this.owned.get(partition)?.fence;
  }

  /**
   * The fence once the lease may be used: at once when it may, after the link came back and the
   * lease was renewed when it was down, or undefined once the lease is lost or ran out.
   */
  async usableFence(partition: number): Promise<number | undefined> {
    for (;;) {
      const owned = this.owned.get(partition);
      if (!owned || this.stopped || this.options.clock.now() >= owned.validUntil) return undefined;
      const fence = this.fence(partition);
      if (fence !== undefined) return fence;
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  }

  fenceFor = (conversationId: string) => this.fence(partitionOf(conversationId, this.options.partitions));

  /** Partitions owned now, with their fences. */
  ownedPartitions(): { partition: number; fence: number; state: Owned['state'] }[] {
    return [...this.owned].map(([partition, o]) => ({ partition, fence: o.fence, state: o.state }));
  }

  /** Live workers as far as this node can tell (itself included). */
  liveWorkers(): number {
    const since = this.options.clock.now() - this.options.ttlMs;
    let n = 0;
    for (const [key, { at }] of this.workers) if (at > since || key === this.selfKey) n++;
    return Math.max(1, n);
  }

  /** Other instances that hold leases or heartbeat: the ones worth probing (`WorkerPresence`). */
  peers(): string[] {
    const peers = new Set<string>();
    for (const { instance } of this.workers.values()) peers.add(instance);
    for (const { instance } of this.taken.values()) peers.add(instance);
    peers.delete(this.options.instance);
    return [...peers];
  }

  /**
   * `instance` lost its connection (it died): it stops counting as a live worker and its
   * partitions are taken over now (compare-and-set on its lease: a new, larger fence), not when
   * their TTL runs out. A heartbeat or renewal from it later makes it live again.
   */
  markDead(instance: string): void {
    if (instance === this.options.instance || this.stopped) return;
    this.dead.add(instance);
    this.workers.delete(workerKey(instance));
    this.options.kv.delete(workerKey(instance)).catch(() => undefined);
    for (const [partition, seen] of this.taken) if (seen.instance === instance) this.taken.delete(partition);
    this.requestTick();
  }

  /**
   * The link went down (false) or came back (true). While down no fence is valid (the node could be
   * replaced any moment); once back, fences are valid again after a renewal round kept the leases.
   */
  setLinked(linked: boolean): void {
    this.linkUp = linked;
    if (!linked) this.suspended = true;
    else this.requestTick();
  }

  /** Hands every partition over and removes the heartbeat (graceful stop). */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    await this.ticking;
    const active = [...this.owned].filter(([, o]) => o.state === 'active').map(([p]) => p);
    await Promise.all([...active.map((p) => this.release(p)), ...this.releases]);
    try {
      await this.options.kv.delete(this.selfKey);
    } catch (error) {
      this.options.log.debug({ err: errorMessage(error) }, 'could not remove the worker heartbeat');
    }
    this.watcher?.stop();
  }

  /** Stops every timer without touching NATS (the process is going away, or the link is gone). */
  kill(): void {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    for (const o of this.owned.values()) if (o.expiry) clearTimeout(o.expiry);
    this.owned.clear();
    this.watcher?.stop();
  }

  private get selfKey(): string {
    return workerKey(this.options.instance);
  }

  private async watch(): Promise<void> {
    const watcher = await this.options.kv.watch({ key: '>' });
    this.watcher = watcher;
    void (async () => {
      for await (const entry of watcher) this.observe(entry);
    })()
      .catch((error: unknown) => {
        this.options.log.warn({ err: errorMessage(error) }, 'lease watch failed; restarting it');
      })
      .finally(() => {
        if (this.stopped || this.watcher !== watcher) return;
        // The watch ended on its own (e.g. the bucket was recreated): start another.
        setTimeout(() => {
          if (this.stopped) return;
          this.watch().catch((error: unknown) =>
            this.options.log.warn({ err: errorMessage(error) }, 'could not restart the lease watch'),
          );
        }, this.options.renewEveryMs).unref();
      });
  }

  private observe(entry: KvWatchEntry): void {
    const now = this.options.clock.now();
    const live = entry.operation === 'PUT';
    if (entry.key.startsWith('worker.')) {
      const known = this.workers.has(entry.key);
      const worker = live ? WorkerValueSchema.safeParse(parseJson(entry)) : undefined;
      if (worker?.success) {
        this.dead.delete(worker.data.instance);
        this.workers.set(entry.key, { at: now, instance: worker.data.instance });
      } else this.workers.delete(entry.key);
      // A worker joined or left: rebalance now rather than at the next period.
      if (known !== this.workers.has(entry.key)) this.requestTick();
      return;
    }
    if (!entry.key.startsWith('partition.')) return;
    const partition = Number(entry.key.slice('partition.'.length));
    const value = live ? LeaseValueSchema.safeParse(parseJson(entry)) : undefined;
    if (value?.success && value.data.instance !== this.options.instance) {
      this.dead.delete(value.data.instance);
      this.taken.set(partition, { instance: value.data.instance, at: now });
    } else {
      this.taken.delete(partition);
      // A partition was handed over: take it now if this node is under its share.
      if (!live) this.requestTick();
    }
  }

  /** Runs a round soon; one requested during a round runs right after it. */
  private requestTick(): void {
    if (this.stopped || !this.timer) return;
    if (this.ticking) {
      this.again = true;
      return;
    }
    setTimeout(() => void this.tick(), 0);
  }

  private tick(): Promise<void> {
    if (this.ticking || this.stopped) return this.ticking ?? Promise.resolve();
    this.ticking = (async () => {
      try {
        await this.heartbeat();
        const renewed = await Promise.all([...this.owned.keys()].map((p) => this.renew(p)));
        // Back from a link loss: fences count again once every lease kept was renewed on the server.
        if (this.suspended && this.linkUp && renewed.every(Boolean)) this.suspended = false;
        if (!this.stopped) await this.balance();
      } catch (error) {
        this.options.log.warn({ err: errorMessage(error) }, 'partition lease round failed; retrying');
      } finally {
        this.ticking = undefined;
        if (this.again) {
          this.again = false;
          this.requestTick();
        }
      }
    })();
    return this.ticking;
  }

  private async heartbeat(): Promise<void> {
    const { nodeId, instance } = this.options;
    this.workers.set(this.selfKey, { at: this.options.clock.now(), instance });
    await this.options.kv.put(this.selfKey, JSON.stringify({ nodeId, instance }));
  }

  private value(fence: number): string {
    return JSON.stringify({ nodeId: this.options.nodeId, instance: this.options.instance, fence });
  }

  private arm(partition: number, owned: Owned, sentAt: number): void {
    owned.validUntil = sentAt + this.options.ttlMs - this.margin;
    if (owned.expiry) clearTimeout(owned.expiry);
    owned.expiry = setTimeout(
      () => this.lose(partition, owned, 'expired'),
      Math.max(0, owned.validUntil - this.options.clock.now()),
    );
  }

  private lose(partition: number, owned: Owned, reason: 'expired' | 'taken'): void {
    if (this.owned.get(partition) !== owned) return;
    if (owned.expiry) clearTimeout(owned.expiry);
    this.owned.delete(partition);
    this.options.log.warn({ partition, fence: owned.fence, reason }, 'partition lease lost');
    this.options.hooks.lost(partition, reason);
  }

  /** Renews one lease; true when the server confirmed it is still ours. */
  private async renew(partition: number): Promise<boolean> {
    const owned = this.owned.get(partition);
    if (!owned) return true;
    if (owned.renewing) return false;
    owned.renewing = true;
    const sentAt = this.options.clock.now();
    try {
      owned.revision = await this.options.kv.update(
        partitionKey(partition),
        this.value(owned.fence),
        owned.revision,
      );
      if (this.owned.get(partition) === owned) this.arm(partition, owned, sentAt);
      return true;
    } catch (error) {
      if (!isCasConflict(error)) {
        this.options.log.debug({ partition, err: errorMessage(error) }, 'lease renewal failed; retrying');
        return false;
      }
      // A renewal whose answer was lost still counts: adopt the entry if it is still ours.
      const entry = await this.options.kv.get(partitionKey(partition)).catch(() => null);
      const value = entry?.operation === 'PUT' ? LeaseValueSchema.safeParse(parseJson(entry)) : undefined;
      if (entry && value?.success && value.data.instance === this.options.instance) {
        owned.revision = entry.revision;
        return true;
      }
      this.lose(partition, owned, 'taken');
      return true;
    } finally {
      owned.renewing = false;
    }
  }

  private async balance(): Promise<void> {
    const target = Math.ceil(this.options.partitions / this.liveWorkers());
    const active = [...this.owned].filter(([, o]) => o.state === 'active').map(([p]) => p);
    if (active.length > target) {
      // Hand over the highest-numbered extras; they finish what they hold first.
      for (const partition of active.sort((a, b) => b - a).slice(0, active.length - target)) {
        const release = this.release(partition).finally(() => this.releases.delete(release));
        this.releases.add(release);
      }
      return;
    }
    let missing = target - active.length;
    if (missing <= 0) return;
    const now = this.options.clock.now();
    const start = partitionOf(this.options.instance, this.options.partitions);
    for (let i = 0; i < this.options.partitions && missing > 0 && !this.stopped; i++) {
      const partition = (start + i) % this.options.partitions;
      if (this.owned.has(partition)) continue;
      const seen = this.taken.get(partition);
      if (seen && now - seen.at < this.options.ttlMs) continue;
      if (await this.acquire(partition)) missing--;
    }
  }

  /** Takes a free partition (or one whose lease is still ours from before a link loss). */
  private async acquire(partition: number): Promise<boolean> {
    const { kv, log } = this.options;
    const key = partitionKey(partition);
    const sentAt = this.options.clock.now();
    let revision: number;
    try {
      const entry = await kv.get(key);
      if (!entry || entry.operation !== 'PUT') {
        revision = await kv.create(key, this.value(0));
      } else {
        // Ours from before a link loss, or a dead worker's: taken over on its exact revision.
        const value = LeaseValueSchema.safeParse(parseJson(entry));
        const holder = value.success ? value.data.instance : undefined;
        if (holder !== this.options.instance && !(holder && this.dead.has(holder))) return false;
        revision = await kv.update(key, this.value(0), entry.revision);
      }
    } catch (error) {
      if (!isCasConflict(error))
        log.debug({ partition, err: errorMessage(error) }, 'could not take a free partition');
      return false;
    }
    // Stopped meanwhile: the lease is left to expire rather than started.
    if (this.stopped) return false;
    const owned: Owned = {
      revision,
      fence: revision,
      validUntil: 0,
      state: 'active',
      expiry: undefined,
      renewing: false,
    };
    this.owned.set(partition, owned);
    this.arm(partition, owned, sentAt);
    try {
      await this.options.hooks.acquired(partition, revision);
      log.info({ partition, fence: revision }, 'partition acquired');
      return true;
    } catch (error) {
      log.warn(
        { partition, err: errorMessage(error) },
        'could not start consuming a partition; giving it back',
      );
      await this.giveBack(partition, owned);
      return false;
    }
  }

  /** Graceful hand-over: the worker finishes what it holds, then the lease is deleted. */
  private async release(partition: number): Promise<void> {
    const owned = this.owned.get(partition);
    if (!owned || owned.state !== 'active') return;
    owned.state = 'releasing';
    try {
      await this.options.hooks.releasing(partition);
    } catch (error) {
      this.options.log.warn({ partition, err: errorMessage(error) }, 'partition hand-over failed');
    }
    await this.giveBack(partition, owned);
    this.options.log.info({ partition, fence: owned.fence }, 'partition handed over');
  }

  private async giveBack(partition: number, owned: Owned): Promise<void> {
    if (this.owned.get(partition) !== owned) return;
    while (owned.renewing) await new Promise((resolve) => setTimeout(resolve, 5));
    if (owned.expiry) clearTimeout(owned.expiry);
    this.owned.delete(partition);
    try {
      await this.options.kv.delete(partitionKey(partition), { previousSeq: owned.revision });
    } catch (error) {
      // Not deleted: the TTL frees it instead.
      this.options.log.debug({ partition, err: errorMessage(error) }, 'could not delete a lease');
    }
  }
}
