import type { ProviderLimits } from '../ports/chat-model.ts';
import type { Lease, LeaseUsage } from './key-state.ts';

/** Where an `ActorLease` sends its end: the actor's mailbox. */
export interface LeaseMailbox {
  leaseEnded(lease: ActorLease, usage: LeaseUsage | undefined): void;
  leaseRateLimited(lease: ActorLease, retryAfterMs: number | undefined): void;
  leaseFailed(lease: ActorLease): void;
  leaseObserved(lease: ActorLease, limits: ProviderLimits): void;
}

/**
 * The lease `KeyPoolActor` hands out: its end is an event in the actor's mailbox. It wraps the
 * core's lease (`inner`), which a restart replaces with one on the same key from the new core.
 */
export class ActorLease implements Lease {
  #open = true;

  constructor(
    readonly mailbox: LeaseMailbox,
    readonly conversationId: string,
    /** The token estimate it was granted with (re-charged if the core restarts). */
    readonly tokens: number,
    public inner: Lease,
  ) {}

  get keyId(): string {
    return this.inner.keyId;
  }

  get secret(): string {
    return this.inner.secret;
  }

  release(usage?: LeaseUsage): void {
    if (!this.#open) return;
    this.#open = false;
    this.mailbox.leaseEnded(this, usage);
  }

  rateLimited(retryAfterMs?: number): void {
    if (!this.#open) return;
    this.#open = false;
    this.mailbox.leaseRateLimited(this, retryAfterMs);
  }

  failed(): void {
    if (!this.#open) return;
    this.#open = false;
    this.mailbox.leaseFailed(this);
  }

  observe(limits: ProviderLimits): void {
    if (this.#open) this.mailbox.leaseObserved(this, limits);
  }

  toJSON(): { keyId: string } {
    return { keyId: this.keyId };
  }

  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return `Lease { keyId: '${this.keyId}' }`;
  }
}
