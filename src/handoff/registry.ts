import type { Database } from 'lmdb';
import { quiet } from '../util/lmdb-errors.ts';
import type { Clock } from '../ports/clock.ts';
import type { HandoffInfo, OutboundEvent } from '../protocol/index.ts';

/** A conversation in the console's queue (needs, or has, a person). */
export interface QueueItem extends Omit<HandoffInfo, 'urgency_level'> {
  conversationId: string;
  tenant: string;
  channel: string;
  userId: string;
  urgency_level: HandoffInfo['urgency_level'];
  state: string;
}

/** A conversation seen lately (the console can open any of them). */
export interface RecentItem {
  conversationId: string;
  tenant: string;
  channel: string;
  state: string;
  owner: string | null;
  name: string | null;
  updatedAt: number;
}

export type ConsoleMessage = {
  from: 'prospect' | 'bot' | 'operator';
  text: string;
  at: string;
  name?: string;
};

/** What the console is pushed live. */
export type ConsoleEvent =
  | { type: 'handoff'; tenant: string; item: QueueItem }
  | { type: 'removed'; tenant: string; conversationId: string }
  | { type: 'message'; tenant: string; conversationId: string; message: ConsoleMessage }
  | { type: 'state'; tenant: string; conversationId: string; state: string; owner: string | null };

const URGENCY_RANK = { Alto: 0, Medio: 1, Bajo: 2 } as const;
const RECENT_LIMIT = 500;

/**
 * The queue of conversations that need a person, kept from the outbound events every node sees
 * (so a gateway knows it even when the actors live on workers), persisted in LMDB so a restart
 * keeps it; and the live feed the console subscribes to.
 */
export class HandoffRegistry {
  private readonly queue = new Map<string, QueueItem>();
  private readonly recent = new Map<string, RecentItem>();
  private readonly listeners = new Set<(event: ConsoleEvent) => void>();

  constructor(
    private readonly db: Database<QueueItem, string>,
    private readonly clock: Clock,
  ) {
    for (const { key, value } of db.getRange()) this.queue.set(key, value);
  }

  /** Most urgent first, then longest waiting; `tenant` limits it to one tenant. */
  list(tenant?: string): (QueueItem & { waitingSeconds: number })[] {
    const now = this.clock.now();
    return [...this.queue.values()]
      .filter((item) => !tenant || item.tenant === tenant)
      .sort((a, b) => URGENCY_RANK[a.urgency_level] - URGENCY_RANK[b.urgency_level] || a.since - b.since)
      .map((item) => this.withWait(item, now));
  }

  /** A queue item with how long it has waited so far. */
  withWait(item: QueueItem, now = this.clock.now()): QueueItem & { waitingSeconds: number } {
    return { ...item, waitingSeconds: Math.max(0, Math.round((now - item.since) / 1000)) };
  }

  get(conversationId: string): QueueItem | undefined {
    return this.queue.get(conversationId);
  }

  recentList(tenant: string | undefined, limit: number): RecentItem[] {
    return [...this.recent.values()]
      .filter((item) => !tenant || item.tenant === tenant)
      .sort((a, b) => b.updatedAt - a.updatedAt)
      .slice(0, limit);
  }

  /** Erased conversations leave the queue and the recent list (their rows are gone from LMDB). */
  forget(conversationIds: readonly string[]): void {
    for (const id of conversationIds) {
      const item = this.queue.get(id);
      this.queue.delete(id);
      this.recent.delete(id);
      if (item) this.emit({ type: 'removed', tenant: item.tenant, conversationId: id });
    }
  }

  subscribe(listener: (event: ConsoleEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Outbound bus listener: never throws. */
  observe(event: OutboundEvent): void {
    const tenant = event.tenantId;
    const id = event.conversationId;
    if (event.type === 'handoff.updated') return this.update(event);
    if (event.type === 'prospect.message')
      this.emit({
        type: 'message',
        tenant,
        conversationId: id,
        message: line('prospect', event.text, event.at),
      });
    else if (event.type === 'bot.message')
      this.emit({
        type: 'message',
        tenant,
        conversationId: id,
        message: line(event.agent ? 'operator' : 'bot', plainText(event), this.clock.now(), event.agent),
      });
    else if (event.type === 'turn.completed') this.touch(event, event.state);
    else if (event.type === 'agent.joined' || event.type === 'agent.left')
      this.touch(
        event,
        event.type === 'agent.joined' ? 'human' : undefined,
        event.type === 'agent.joined' ? event.name : null,
      );
  }

  private update(event: Extract<OutboundEvent, { type: 'handoff.updated' }>): void {
    const id = event.conversationId;
    const before = this.queue.get(id);
    if (!event.handoff) {
      if (before) {
        this.queue.delete(id);
        quiet(this.db.remove(id));
        this.emit({ type: 'removed', tenant: event.tenantId, conversationId: id });
      }
      this.touch(event, event.state, null);
      return;
    }
    const item: QueueItem = {
      ...event.handoff,
      // The wait counts from when the conversation first needed a person.
      since: before ? Math.min(before.since, event.handoff.since) : event.handoff.since,
      conversationId: id,
      tenant: event.tenantId,
      channel: event.channel,
      userId: event.userId,
      state: event.state,
    };
    this.queue.set(id, item);
    quiet(this.db.put(id, item));
    this.emit({ type: 'handoff', tenant: event.tenantId, item });
    this.touch(event, event.state, item.owner, item.name);
  }

  private touch(
    event: { tenantId: string; channel: string; conversationId: string },
    state: string | undefined,
    owner?: string | null,
    name?: string | null,
  ): void {
    const id = event.conversationId;
    const old = this.recent.get(id);
    const next: RecentItem = {
      conversationId: id,
      tenant: event.tenantId,
      channel: event.channel,
      state: state ?? old?.state ?? 'unknown',
      owner: owner === undefined ? (old?.owner ?? null) : owner,
      name: name ?? old?.name ?? null,
      updatedAt: this.clock.now(),
    };
    this.recent.delete(id);
    this.recent.set(id, next);
    if (this.recent.size > RECENT_LIMIT) this.recent.delete(this.recent.keys().next().value!);
    if (!old || old.state !== next.state || old.owner !== next.owner)
      this.emit({
        type: 'state',
        tenant: event.tenantId,
        conversationId: id,
        state: next.state,
        owner: next.owner,
      });
  }

  private emit(event: ConsoleEvent): void {
    for (const listener of this.listeners) {
      try {
        listener(event);
      } catch {
        // A broken console connection must not stop the others.
      }
    }
  }
}

function line(from: ConsoleMessage['from'], text: string, at: number, name?: string): ConsoleMessage {
  return { from, text, at: new Date(at).toISOString(), ...(name ? { name } : {}) };
}

/** An operator's words without the "Name: " the channel shows (the console names them itself). */
function plainText(event: Extract<OutboundEvent, { type: 'bot.message' }>): string {
  const prefix = event.agent ? `${event.agent}: ` : '';
  return prefix && event.channel !== 'web' && event.text.startsWith(prefix)
    ? event.text.slice(prefix.length)
    : event.text;
}
