import { createActor, waitFor, type Actor, type SnapshotFrom } from 'xstate';
import {
  MACHINE_VERSION,
  type ConversationEmitted,
  type ConversationInput,
  type ConversationEvent,
  type ConversationMachine,
} from '../../machines/conversation-machine.ts';
import { detectLanguage } from '../nlu/language.ts';
import { campaignSource } from '../config/campaigns.ts';
import type { TenantConfig } from '../config/tenant.ts';
import { errorMessage } from '../errors.ts';
import { newId } from '../ids.ts';
import type { Logger } from '../logger.ts';
import type { Bus, Delivery } from '../ports/bus.ts';
import { StaleOwnerError } from '../cluster/conversation-replica.ts';
import type { Clock } from '../ports/clock.ts';
import type { ConversationRecord, HistoryEntry, Store } from '../ports/store.ts';
import type { InboundMessage, Language, OutboundEvent, ReplyIntent } from '../protocol/index.ts';
import type { TimerEntry, TimerKind } from './durable-timers.ts';
import { HumanDesk, isHumanKind, route, type HumanAction } from './human-commands.ts';
import type { FloodControl, FloodOutcome } from '../security/flood-control.ts';

type ConversationActor = Actor<ConversationMachine>;
type ConversationSnapshot = SnapshotFrom<ConversationMachine>;

/**
 * A conversation in memory. Between turns it is dormant: only its persisted snapshot is held (about
 * 2 KB, against about 8 KB for a started XState actor) and the actor is recreated from it, without a
 * store read, when the next message or timer arrives. Passivation drops the entry altogether.
 */
interface LiveConversation {
  /** Present while a turn or timer runs. */
  actor?: ConversationActor;
  /** Cluster mode: the ownership fence the state in memory was read under. */
  fence?: number;
  route: { tenantId: string; channel: InboundMessage['channel']; userId: string };
  /** The snapshot persisted after the last turn (dormant between turns). */
  snapshot?: unknown;
  lastActive: number;
  /** A turn is running or being persisted: never passivate now. */
  busy: boolean;
}

export interface RestartIntensity {
  maxRestarts: number;
  withinMs: number;
  /** First back-off before a restart; doubles for each further restart in the window. */
  backoffMs: number;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export interface SupervisorOptions {
  /** The machine with its effects provided. */
  machine: ConversationMachine;
  store: Store;
  bus: Bus;
  tenants: ReadonlyMap<string, TenantConfig>;
  clock: Clock;
  log: Logger;
  /** Longest a turn may take before it is abandoned with an apology. */
  turnTimeoutMs: number;
  /** Idle actors are stopped after this long (their state is already persisted). */
  idleTimeoutMs: number;
  maxDeliveryAttempts: number;
  /** Handled message ids become durable here, right after their turn is persisted. */
  dedupe?: { confirm(conversationId: string, messageId: string, now: number): void };
  /** Durable timers (session expiry of an unfinished capture). */
  timers?: {
    schedule(entry: TimerEntry): void;
    cancel(conversationId: string, kind: TimerKind): void;
    complete(conversationId: string, kind: TimerKind, dueAt: number): void;
  };
  /** Silence after which an unfinished capture is kept as a partial lead. */
  sessionTimeoutMs?: number;
  /** Silence in a capture after which one follow-up nudge is sent (0 = none). */
  followUpAfterMs?: number;
  /** A human handoff nobody took over within this time is escalated (0 = no deadline). */
  handoffDeadlineMs?: number;
  /**
   * ThreatDetector: every person's message is inspected before any model sees it. A blocked message
   * is answered with a short refusal and never reaches the actor (the history keeps a marker, not
   * the text); flagged ones go on and are reported.
   */
  guard?: (
    text: string,
  ) =>
    | { verdict: 'allow' | 'flag' | 'block'; score: number; reasons: string[]; lang: string }
    | Promise<{ verdict: 'allow' | 'flag' | 'block'; score: number; reasons: string[]; lang: string }>;
  onGuard?: (
    message: InboundMessage,
    verdict: { verdict: 'flag' | 'block'; score: number; reasons: string[] },
  ) => void;
  /** Flood control (per person and per tenant rates, mutes after repeated attacks). */
  flood?: FloodControl;
  /** `muteStarted`: this message's block muted the person (else: a message refused by a limit or mute). */
  onFlood?: (message: InboundMessage, outcome: Exclude<FloodOutcome, 'ok'>, muteStarted: boolean) => void;
  /** A conversation was passivated after going idle (the node may schedule idle work for it). */
  onPassivated?: (info: {
    conversationId: string;
    tenantId: string;
    channel: InboundMessage['channel'];
    userId: string;
  }) => void;
  /** Runs an `insights.due` message, in the conversation's order. */
  onIdleWork?: (message: InboundMessage) => Promise<void>;
  /** A handoff deadline passed (ops alert: metric, audit). */
  onHandoffOverdue?: (message: InboundMessage) => void;
  /** An event this node published (after the bus took it). */
  onPublished?: (event: OutboundEvent) => void;
  /** A person of the team took over, wrote, gave back, closed or corrected a lead (audit). */
  onHuman?: (action: HumanAction) => void;
  /** OTP-style restart intensity: more than `maxRestarts` within `withinMs` escalates. */
  restartIntensity?: RestartIntensity;
  onRestart?: (conversationId: string) => void;
  /**
   * An actor became ready: spawned fresh, rehydrated from its snapshot, or restarted after a failure
   * (`ms` = crash to ready, the deliberate back-off excluded). For metrics and benchmarks.
   */
  onActorReady?: (info: {
    conversationId: string;
    how: 'spawned' | 'rehydrated' | 'woken' | 'restarted';
    ms: number;
  }) => void;
  /** Past the restart intensity: the conversation is marked failed; ops are told (metric, audit). */
  onEscalate?: (info: { message: InboundMessage; error: string; restarts: number }) => void;
  /** Metrics hooks. */
  onTurn?: (info: {
    conversationId: string;
    channel: string;
    state: string;
    ms: number;
    replies: number;
    failed: boolean;
    /** What the replies of this turn did (e.g. `confirm_human_handoff`). */
    intents: ReplyIntent[];
    /** The conversation's user turns so far and its language. */
    turn: number;
    language: Language;
  }) => void;
}

/** What a refused message gets instead of an answer (`undefined`: no reply); the conversation goes on. */
const REFUSALS: Record<RefusalKind, Record<Language, string | undefined>> = {
  blocked: {
    es: 'Solo puedo ayudarle con consultas sobre nuestros productos y servicios. ¿En qué le puedo ayudar?',
    en: 'I can only help with questions about our products and services. How can I help you?',
  },
  user_limited: {
    es: 'Recibimos muchos mensajes suyos en poco tiempo. Espere un momento, por favor, y escríbanos de nuevo.',
    en: 'We received many messages from you in a short time. Please wait a moment and write again.',
  },
  tenant_limited: {
    es: 'En este momento recibimos muchos mensajes. Escríbanos de nuevo en un minuto, por favor.',
    en: 'We are receiving a lot of messages right now. Please write again in a minute.',
  },
  muted: { es: undefined, en: undefined },
};
type RefusalKind = 'blocked' | 'user_limited' | 'tenant_limited' | 'muted';
/** History marker kept instead of a refused message's text. */
const REFUSAL_MARKER: Record<RefusalKind, string> = {
  blocked: '[blocked]',
  user_limited: '[rate limited]',
  tenant_limited: '[rate limited]',
  muted: '[muted]',
};

const APOLOGY: Record<Language, string> = {
  es: 'Disculpe, tuvimos un problema técnico al procesar su mensaje. ¿Podría escribirlo de nuevo en un momento?',
  en: 'Sorry, we had a technical problem handling your message. Could you send it again in a moment?',
};

/**
 * Owns the live conversation actors: spawns or rehydrates one per conversation, feeds it one message
 * at a time (the bus guarantees that), persists its snapshot and history after every turn before any
 * reply leaves, and replaces an actor that failed with a fresh one from its last snapshot.
 */
export class ConversationSupervisor {
  private readonly live = new Map<string, LiveConversation>();
  /** Cluster mode: the fence of the message being handled per conversation (read by `actorFor`). */
  private readonly fences = new Map<string, number | undefined>();
  /** Recent restart times per conversation (only conversations that failed lately). */
  private readonly restarts = new Map<string, number[]>();
  private sweepTimer: NodeJS.Timeout | undefined;

  /** Operators' commands (take over, write, give back…), in the conversation's order. */
  private readonly desk: HumanDesk;

  constructor(private readonly options: SupervisorOptions) {
    this.desk = new HumanDesk({
      store: options.store,
      clock: options.clock,
      publish: (event) => this.publish(event),
      applyEvent: (message, log, event, lines) => this.applyEvent(message, log, event, lines),
      phaseOf,
      reset: (conversationId) => this.stopActor(conversationId),
      schedule: (message, state, turn) => this.scheduleTimers(message, state, turn, []),
      onHuman: options.onHuman,
    });
  }

  start(): void {
    const every = Math.max(1000, Math.min(60_000, this.options.idleTimeoutMs / 2));
    this.sweepTimer = setInterval(() => this.passivateIdle(), every);
    this.sweepTimer.unref();
  }

  /** Conversations in memory, dormant or running (for metrics). */
  get liveCount(): number {
    return this.live.size;
  }

  /** Started XState actors: conversations whose turn or timer is running right now. */
  get runningActors(): number {
    let n = 0;
    for (const entry of this.live.values()) if (entry.actor) n++;
    return n;
  }

  /** Bus handler: one inbound message, one turn. Never rejects. */
  async handle(message: InboundMessage, delivery?: Delivery): Promise<void> {
    try {
      await this.handleMessage(message, delivery);
    } finally {
      // A fence is kept only for conversations in memory (memory follows the active set).
      if (delivery && !this.live.has(message.conversationId)) this.fences.delete(message.conversationId);
    }
  }

  private async handleMessage(message: InboundMessage, delivery?: Delivery): Promise<void> {
    const log = this.options.log.child({ conversationId: message.conversationId, messageId: message.id });
    // Cluster mode: state kept in memory under an older ownership may be stale (another node may have
    // handled the conversation since): it is dropped and read again from the store.
    const held = this.live.get(message.conversationId);
    if (delivery && held && held.fence !== delivery.fence) this.stopActor(message.conversationId);
    if (delivery) this.fences.set(message.conversationId, delivery.fence);
    // Cluster mode: a message may come again (a redelivery after a node died, or a client's retry that
    // reached another gateway): a turn already persisted is never run twice.
    if (delivery && !message.system && (await this.replayIfHandled(message, log))) return;
    if (message.system === 'insights.due') return this.handleIdleWork(message, log);
    if (isHumanKind(message.system)) return this.desk.handle(message, log);
    if (message.system) return this.handleTimer(message, log);
    const started = this.options.clock.now();
    const flood = this.options.flood?.check(message.conversationId, message.tenantId, started) ?? 'ok';
    if (flood !== 'ok') {
      this.options.onFlood?.(message, flood, false);
      log.warn({ outcome: flood }, 'message refused by flood control');
      const tell = flood !== 'muted' && this.options.flood!.shouldTell(message.conversationId, started);
      return this.refuse(message, 'other', log, tell ? flood : 'muted', REFUSAL_MARKER[flood]);
    }
    const verdict = await this.options.guard?.(message.text);
    if (verdict && verdict.verdict !== 'allow') {
      this.options.onGuard?.(message, {
        verdict: verdict.verdict,
        score: verdict.score,
        reasons: verdict.reasons,
      });
      log.warn(
        { verdict: verdict.verdict, score: verdict.score, reasons: verdict.reasons.slice(0, 5) },
        'suspicious message',
      );
      if (verdict.verdict === 'block') {
        if (this.options.flood?.noteBlocked(message.conversationId, started)) {
          log.warn('repeated attacks: this person is muted for a while');
          this.options.onFlood?.(message, 'muted', true);
        }
        return this.refuse(message, verdict.lang, log, 'blocked');
      }
    }
    let typed = false;
    let handled: ConversationSnapshot | undefined;
    let replies: OutboundEvent[] = [];
    let state = 'failed';
    let failed = false;
    let turn = 0;
    let language: Language = 'es';
    let intents: ReplyIntent[] = [];
    // OTP-style: a failed actor restarts from its last snapshot and the same message is retried,
    // with back-off, until the restart intensity (N restarts within T) is exceeded.
    let crashedAt: number | undefined;
    for (;;) {
      try {
        const actor = await this.actorFor(message, log, crashedAt);
        crashedAt = undefined;
        // While a person of the team owns the chat the bot shows nothing, not even typing.
        if (!typed && phaseOf(actor.getSnapshot()) !== 'human')
          await this.publish({ type: 'bot.typing', ...this.route(message) });
        typed = true;
        const entry = this.live.get(message.conversationId);
        if (entry) entry.busy = true;
        const result = await this.runTurn(actor, message);
        state = result.state;
        replies = result.replies;
        turn = result.turn;
        intents = result.intents;
        language = result.language;
        handled = result.snapshot;
        break;
      } catch (error) {
        const failedAt = performance.now();
        this.stopActor(message.conversationId);
        if (error instanceof StaleOwnerError) {
          // Another node owns the conversation now and answers this message; nothing is sent from here.
          log.warn('lost the conversation to another node mid-turn; the new owner answers it');
          return;
        }
        // A turn past its deadline is not retried: that would only make the person wait longer.
        const timedOut = error instanceof TurnTimeoutError;
        const restarts = timedOut ? Number.POSITIVE_INFINITY : this.noteRestart(message.conversationId);
        if (!timedOut) this.options.onRestart?.(message.conversationId);
        if (restarts <= this.intensity.maxRestarts) {
          log.warn(
            { err: errorMessage(error), restarts },
            'conversation actor failed; restarting from its last snapshot',
          );
          const backoff = this.intensity.backoffMs * 2 ** (restarts - 1);
          const before = performance.now();
          await sleep(backoff);
          // Crash-to-ready excludes the deliberate back-off.
          crashedAt = failedAt + (performance.now() - before);
          continue;
        }
        failed = true;
        if (timedOut) {
          log.warn(
            { err: errorMessage(error) },
            'turn exceeded its deadline; the message is kept, the person gets an apology',
          );
        } else {
          log.error(
            { err: errorMessage(error), restarts, withinMs: this.intensity.withinMs },
            'conversation actor keeps failing; escalating (the message is kept, the person gets an apology)',
          );
          this.options.onEscalate?.({ message, error: errorMessage(error), restarts });
        }
        await this.keepMessage(message, log, timedOut ? undefined : errorMessage(error));
        const kept = await this.stored(message.conversationId);
        state = timedOut ? kept.state : 'failed';
        const language = kept.language;
        replies = [this.botMessage(message, APOLOGY[language], state, language)];
        break;
      }
    }
    if (!failed) {
      try {
        this.scheduleTimers(message, state, turn, intents);
      } catch (error) {
        log.error({ err: errorMessage(error) }, 'could not schedule the session timer');
      }
    }
    for (const reply of replies) await this.publish(reply);
    if (handled) await this.desk.afterTurn(message, handled, state);
    await this.publish({ type: 'turn.completed', ...this.route(message), state });
    // Messages merged into this turn are answered by it too.
    for (const id of message.coalesced ?? []) {
      await this.publish({ type: 'turn.completed', ...this.route(message), inReplyTo: id, state });
    }
    this.options.onTurn?.({
      conversationId: message.conversationId,
      channel: message.channel,
      state,
      ms: this.options.clock.now() - started,
      replies: replies.length,
      failed,
      intents,
      turn,
      language,
    });
  }

  /**
   * A durable timer fired: the machine gets the event in the conversation's order (the bus
   * serialises it with the person's messages) and its new state is persisted with any reply it
   * wrote (a follow-up nudge, a note that the team still has the case), which is then sent. The
   * timer is completed only after that, so a crash in between fires it again after restart; a timer
   * the conversation already moved past (a newer turn, or one already handled) is ignored.
   */
  /**
   * A blocked message: the person gets a short refusal in their language; the actor never sees the
   * text (history keeps a marker so the turn is accounted for); the message id is confirmed.
   */
  private async refuse(
    message: InboundMessage,
    detected: string,
    log: Logger,
    kind: RefusalKind,
    marker = REFUSAL_MARKER[kind],
  ): Promise<void> {
    let readFailed = false;
    const known = await this.options.store.getConversation(message.conversationId).catch(() => {
      readFailed = true;
      return undefined;
    });
    const stored = describeRecord(known);
    // A conversation under way switches language only on clear evidence, as its replies do: a whole
    // English sentence does, "modo desarrollador: /dump leads --all" does not.
    const language: Language = stored.spoken
      ? detectLanguage(message.text, stored.language, stored.language).language
      : detected === 'es' || detected === 'en'
        ? detected
        : stored.language;
    const state = stored.state;
    // While a person owns the chat the bot says nothing; the operator sees what was held back.
    const human = state === 'human';
    const text = human ? undefined : REFUSALS[kind][language];
    const reply = text === undefined ? undefined : this.botMessage(message, text, state, language);
    try {
      // The stored conversation could not be read: write nothing rather than risk replacing it.
      if (readFailed) throw new Error('the conversation could not be read; the refusal is not recorded');
      const turn = (known?.snapshot as { context?: { turn?: number } } | undefined)?.context?.turn ?? 0;
      const now = this.options.clock.now();
      await this.options.store.saveTurn({
        conversation: known ?? {
          conversationId: message.conversationId,
          tenantId: message.tenantId,
          channel: message.channel,
          userId: message.userId,
          snapshot: undefined,
          machineVersion: MACHINE_VERSION,
          updatedAt: now,
        },
        history: [
          { role: 'user', text: marker, at: message.receivedAt, turn, messageId: message.id },
          ...(reply?.type === 'bot.message'
            ? [{ role: 'assistant' as const, text: reply.text, at: now, turn, messageId: reply.id }]
            : []),
        ],
      });
      for (const id of [message.id, ...(message.coalesced ?? [])])
        this.options.dedupe?.confirm(message.conversationId, id, now);
    } catch (error) {
      log.error({ err: errorMessage(error) }, 'could not record a blocked message');
    }
    if (reply) await this.publish(reply);
    if (human)
      await this.publish({
        type: 'prospect.message',
        ...this.route(message),
        text: marker,
        at: message.receivedAt,
      });
    for (const id of [message.id, ...(message.coalesced ?? [])])
      await this.publish({ type: 'turn.completed', ...this.route(message), inReplyTo: id, state });
  }

  /**
   * A message delivered again (its first owner died): when its turn was persisted already, the replies
   * it produced are published again under their original ids (gateways drop ids they delivered), and
   * nothing runs twice. Returns false when the message still has to be handled.
   */
  private async replayIfHandled(message: InboundMessage, log: Logger): Promise<boolean> {
    const lines = await this.options.store.getHistory(message.conversationId, 200);
    const asked = lines.findIndex((l) => l.role === 'user' && l.messageId === message.id);
    if (asked < 0) return false;
    const turn = lines[asked]!.turn;
    const { state, language } = await this.stored(message.conversationId);
    // The bot's replies to it (an operator's lines of the same turn were not answers to this message).
    const replies = lines.slice(asked + 1).filter((l) => l.role === 'assistant' && l.turn === turn && !l.by);
    log.info(
      { replies: replies.length },
      'redelivered message was handled before; its replies are re-sent, not recomputed',
    );
    for (const line of replies)
      await this.publish({
        type: 'bot.message',
        id: line.messageId,
        ...this.route(message),
        text: line.text,
        state,
        language,
      });
    for (const id of [message.id, ...(message.coalesced ?? [])]) {
      await this.publish({ type: 'turn.completed', ...this.route(message), inReplyTo: id, state });
      this.options.dedupe?.confirm(message.conversationId, id, this.options.clock.now());
    }
    return true;
  }

  /** Work for a conversation that went idle (insight extraction), in the conversation's order. */
  private async handleIdleWork(message: InboundMessage, log: Logger): Promise<void> {
    try {
      await this.options.onIdleWork?.(message);
    } catch (error) {
      log.warn({ err: errorMessage(error), kind: message.system }, 'idle work failed');
    }
  }

  private async handleTimer(message: InboundMessage, log: Logger): Promise<void> {
    const kind = message.system as TimerKind;
    const dueAt = message.receivedAt;
    try {
      const record = await this.options.store.getConversation(message.conversationId);
      if (!record || this.isStale(message, record)) {
        log.debug({ kind }, 'stale timer ignored');
        this.options.timers?.complete(message.conversationId, kind, dueAt);
        return;
      }
      const { snapshot, replies, state } = await this.applyEvent(message, log, { type: kind });
      for (const reply of replies) await this.publish(reply);
      await this.desk.afterTurn(message, snapshot, state);
      if (kind === 'session.expired')
        log.info({ kind }, 'session expired; what was captured is kept as a partial lead');
      else if (kind === 'handoff.deadline' && (state === 'human' || !snapshot.context.handoff))
        log.info({ kind, state }, 'handoff deadline passed after a person took the case (or it was closed)');
      else if (kind === 'handoff.deadline') {
        log.warn(
          { kind, state },
          'handoff deadline passed: nobody from the team has taken this case over yet',
        );
        this.options.onHandoffOverdue?.(message);
      } else log.info({ kind, nudged: replies.length > 0 }, 'follow-up due');
    } catch (error) {
      this.stopActor(message.conversationId);
      // Another node owns the conversation now: the timer's message is redelivered there.
      if (error instanceof StaleOwnerError) return;
      log.error({ err: errorMessage(error), kind }, 'timer event failed; it fires again in a minute');
      // Not lost: the timer is set again (a failing store or model gets a minute to recover).
      this.options.timers?.complete(message.conversationId, kind, dueAt);
      this.options.timers?.schedule({
        conversationId: message.conversationId,
        tenantId: message.tenantId,
        channel: message.channel,
        userId: message.userId,
        kind,
        dueAt: this.options.clock.now() + 60_000,
        ...(message.systemTurn !== undefined ? { turn: message.systemTurn } : {}),
      });
      return;
    }
    // Handled (or stale): done with it.
    this.options.timers?.complete(message.conversationId, kind, dueAt);
  }

  /**
   * Sends `event` (if any) to the conversation's actor, waits until it rests, and persists its
   * snapshot with `lines` and the replies it wrote (one transaction). Timers and operators' commands.
   */
  private async applyEvent(
    message: InboundMessage,
    log: Logger,
    event: ConversationEvent | undefined,
    lines: HistoryEntry[] = [],
  ): Promise<{ snapshot: ConversationSnapshot; replies: OutboundEvent[]; state: string }> {
    const actor = await this.actorFor(message, log);
    const entry = this.live.get(message.conversationId);
    if (entry) entry.busy = true;
    const emitted: ConversationEmitted[] = [];
    const subscription = actor.on('reply', (e) => emitted.push(e));
    let snapshot: ConversationSnapshot;
    try {
      if (event) actor.send(event);
      snapshot = await waitFor(actor, (s) => s.hasTag('awaiting-input') || s.status !== 'active', {
        timeout: this.options.turnTimeoutMs,
      });
    } finally {
      subscription.unsubscribe();
    }
    if (snapshot.status !== 'active')
      throw new Error(`conversation actor stopped with status ${snapshot.status}`);
    const state = phaseOf(snapshot);
    const replies = emitted.map((e) => this.botMessage(message, e.text, state, snapshot.context.language));
    const now = this.options.clock.now();
    const turn = snapshot.context.turn;
    const said = replies.flatMap((reply) =>
      reply.type === 'bot.message'
        ? [{ role: 'assistant' as const, text: reply.text, at: now, turn, messageId: reply.id }]
        : [],
    );
    await this.saveSnapshot(actor, message, [...lines, ...said]);
    if (entry) {
      entry.busy = false;
      entry.lastActive = now;
    }
    this.rest(message.conversationId, actor);
    return { snapshot, replies, state };
  }

  /** A timer set after an earlier turn than the conversation's last one no longer applies. */
  private isStale(message: InboundMessage, record: ConversationRecord): boolean {
    // A handoff deadline holds whatever the person writes meanwhile; the machine ignores it elsewhere.
    if (message.system === 'handoff.deadline') return false;
    const turn = (record.snapshot as { context?: { turn?: unknown } } | undefined)?.context?.turn;
    if (message.systemTurn !== undefined && typeof turn === 'number') return turn !== message.systemTurn;
    // Entries from before timers carried their turn: compare with the last write instead.
    const setAt = message.receivedAt - (this.options.sessionTimeoutMs ?? 30 * 60_000);
    return record.updatedAt > setAt + 1000;
  }

  /**
   * After a turn: an unfinished capture gets a follow-up nudge and a session timer; a case just
   * handed to a human gets a handoff deadline; a conversation that ended needs none.
   */
  private scheduleTimers(message: InboundMessage, state: string, turn: number, intents: ReplyIntent[]): void {
    const timers = this.options.timers;
    if (!timers) return;
    const now = this.options.clock.now();
    const base = {
      conversationId: message.conversationId,
      tenantId: message.tenantId,
      channel: message.channel,
      userId: message.userId,
      turn,
    };
    const followUp = this.options.followUpAfterMs ?? 0;
    const session = this.options.sessionTimeoutMs ?? 30 * 60_000;
    if (state === 'capture') {
      timers.schedule({ ...base, kind: 'session.expired', dueAt: now + session });
      if (followUp > 0 && followUp < session)
        timers.schedule({ ...base, kind: 'followup.due', dueAt: now + followUp });
      else timers.cancel(message.conversationId, 'followup.due');
    } else {
      timers.cancel(message.conversationId, 'session.expired');
      timers.cancel(message.conversationId, 'followup.due');
    }
    const deadline = this.options.handoffDeadlineMs ?? 0;
    if (intents.includes('confirm_human_handoff') && deadline > 0)
      timers.schedule({ ...base, kind: 'handoff.deadline', dueAt: now + deadline });
    else if (state !== 'handoff') timers.cancel(message.conversationId, 'handoff.deadline');
  }

  private get intensity(): RestartIntensity {
    return this.options.restartIntensity ?? { maxRestarts: 3, withinMs: 10_000, backoffMs: 10 };
  }

  /** Records a restart; returns how many happened within the intensity window. */
  private noteRestart(conversationId: string): number {
    const now = this.options.clock.now();
    const recent = (this.restarts.get(conversationId) ?? []).filter((t) => now - t < this.intensity.withinMs);
    recent.push(now);
    this.restarts.set(conversationId, recent);
    return recent.length;
  }

  /**
   * After an escalation the person's message is still written to the history (with the last good
   * snapshot), so nothing they said is lost; an escalated conversation is marked failed with it.
   */
  private async keepMessage(message: InboundMessage, log: Logger, failure?: string): Promise<void> {
    try {
      const actor = await this.actorFor(message, log);
      await this.persist(actor, message, actor.getSnapshot(), [], failure);
    } catch (error) {
      log.error({ err: errorMessage(error) }, 'could not keep the message of a failing conversation');
      this.stopActor(message.conversationId);
    }
  }

  private async runTurn(
    actor: ConversationActor,
    message: InboundMessage,
  ): Promise<{
    state: string;
    replies: OutboundEvent[];
    turn: number;
    intents: ReplyIntent[];
    language: Language;
    snapshot: ConversationSnapshot;
  }> {
    const emitted: ConversationEmitted[] = [];
    const subscription = actor.on('reply', (event) => emitted.push(event));
    try {
      actor.send({ type: 'user.message.received', messageId: message.id, text: message.text });
      const snapshot = await waitFor(actor, (s) => s.hasTag('awaiting-input') || s.status !== 'active', {
        timeout: this.options.turnTimeoutMs,
      }).catch((error: unknown) => {
        if (error instanceof Error && error.message.startsWith('Timeout of'))
          throw new TurnTimeoutError(this.options.turnTimeoutMs);
        throw error;
      });
      if (snapshot.status !== 'active')
        throw new Error(`conversation actor stopped with status ${snapshot.status}`);
      const state = phaseOf(snapshot);
      const language = snapshot.context.language;
      const replies = emitted.map((e) => this.botMessage(message, e.text, state, language));
      await this.persist(actor, message, snapshot, replies);
      const entry = this.live.get(message.conversationId);
      if (entry) {
        entry.lastActive = this.options.clock.now();
        entry.busy = false;
      }
      this.rest(message.conversationId, actor);
      return {
        state,
        replies,
        turn: snapshot.context.turn,
        intents: emitted.map((e) => e.intent),
        language,
        snapshot,
      };
    } finally {
      subscription.unsubscribe();
    }
  }

  private async persist(
    actor: ConversationActor,
    message: InboundMessage,
    snapshot: ConversationSnapshot,
    replies: OutboundEvent[],
    failure?: string,
  ): Promise<void> {
    const now = this.options.clock.now();
    const turn = snapshot.context.turn;
    const history: HistoryEntry[] = [
      { role: 'user', text: message.text, at: message.receivedAt, turn, messageId: message.id },
    ];
    for (const reply of replies) {
      if (reply.type === 'bot.message')
        history.push({ role: 'assistant', text: reply.text, at: now, turn, messageId: reply.id });
    }
    await this.saveSnapshot(
      actor,
      message,
      history,
      failure === undefined ? undefined : { at: now, error: failure.slice(0, 300), messageId: message.id },
    );
    const handledAt = this.options.clock.now();
    for (const id of [message.id, ...(message.coalesced ?? [])])
      this.options.dedupe?.confirm(message.conversationId, id, handledAt);
  }

  /** The actor's snapshot and the given history lines, in one transaction. */
  private async saveSnapshot(
    actor: ConversationActor,
    message: InboundMessage,
    history: HistoryEntry[],
    failure?: ConversationRecord['failure'],
  ): Promise<void> {
    const now = this.options.clock.now();
    const conversation: ConversationRecord = {
      conversationId: message.conversationId,
      tenantId: message.tenantId,
      channel: message.channel,
      userId: message.userId,
      snapshot: actor.getPersistedSnapshot(),
      machineVersion: MACHINE_VERSION,
      updatedAt: now,
    };
    if (failure) conversation.failure = failure;
    await this.options.store.saveTurn({ conversation, history });
  }

  private async actorFor(
    message: InboundMessage,
    log: Logger,
    crashedAt?: number,
  ): Promise<ConversationActor> {
    const existing = this.live.get(message.conversationId);
    if (existing?.actor) return existing.actor;
    const started = crashedAt ?? performance.now();
    const tenant = this.options.tenants.get(message.tenantId);
    const input: ConversationInput = {
      conversationId: message.conversationId,
      tenantId: message.tenantId,
      channel: message.channel,
      userId: message.userId,
      defaultLanguage: tenant?.defaultLanguage ?? 'es',
      startedAt: message.receivedAt,
      maxDeliveryAttempts: this.options.maxDeliveryAttempts,
    };
    const source = message.source ?? (tenant ? campaignSource(tenant, message.text) : undefined);
    if (source) input.source = source;
    if (tenant?.handoff?.liveFollowUp) input.liveFollowUp = true;
    const username = message.profile?.username
      ? `@${message.profile.username.replace(/^@/, '')}`
      : message.profile?.phone;
    if (username) input.username = username;
    // A dormant conversation wakes from the snapshot it holds; otherwise it is read from the store.
    const record =
      existing?.snapshot !== undefined
        ? { snapshot: existing.snapshot, machineVersion: MACHINE_VERSION }
        : await this.options.store.getConversation(message.conversationId);
    let actor: ConversationActor | undefined;
    let rehydrated = false;
    if (record && record.machineVersion === MACHINE_VERSION) {
      try {
        actor = createActor(this.options.machine, {
          snapshot: record.snapshot as ConversationSnapshot,
          input,
          logger: () => {},
        });
        // A snapshot that cannot be restored leaves the actor in `error` before it starts; starting
        // it would report the error as uncaught and bring the process down.
        if (actor.getSnapshot().status !== 'active') throw new Error('snapshot could not be restored');
        observeFailures(actor);
        actor.start();
        if (actor.getSnapshot().status !== 'active' || !actor.getSnapshot().hasTag('awaiting-input'))
          throw new Error('snapshot is not at rest');
        rehydrated = existing?.snapshot === undefined;
        if (rehydrated) log.debug('conversation rehydrated');
      } catch (error) {
        actor?.stop();
        actor = undefined;
        rehydrated = false;
        log.warn({ err: errorMessage(error) }, 'stored snapshot unusable; the conversation starts over');
      }
    } else if (record) {
      log.warn(
        { stored: record.machineVersion, current: MACHINE_VERSION },
        'snapshot from another machine version; the conversation starts over',
      );
    }
    if (!actor) {
      actor = createActor(this.options.machine, { input, logger: () => {} });
      observeFailures(actor);
      actor.start();
    }
    const fence = this.fences.get(message.conversationId);
    this.live.set(message.conversationId, {
      actor,
      lastActive: this.options.clock.now(),
      busy: false,
      ...(fence !== undefined ? { fence } : {}),
      route: { tenantId: message.tenantId, channel: message.channel, userId: message.userId },
    });
    this.options.onActorReady?.({
      conversationId: message.conversationId,
      how:
        crashedAt !== undefined
          ? 'restarted'
          : rehydrated
            ? 'rehydrated'
            : existing?.snapshot !== undefined
              ? 'woken'
              : 'spawned',
      ms: performance.now() - started,
    });
    return actor;
  }

  /** After a persisted turn or timer: the actor is stopped and the conversation kept dormant. */
  private rest(conversationId: string, actor: ConversationActor): void {
    const entry = this.live.get(conversationId);
    if (!entry || entry.actor !== actor) return;
    const snapshot = actor.getSnapshot();
    if (snapshot.status !== 'active' || !snapshot.hasTag('awaiting-input')) return;
    entry.snapshot = actor.getPersistedSnapshot();
    delete entry.actor;
    actor.stop();
  }

  /** The stored conversation's state and language (`triage` / `es` when there is none). */
  private async stored(conversationId: string): Promise<{ state: string; language: Language }> {
    return describeRecord(await this.options.store.getConversation(conversationId).catch(() => undefined));
  }

  private route(message: InboundMessage) {
    return route(message);
  }

  private botMessage(
    message: InboundMessage,
    text: string,
    state: string,
    language: Language,
  ): OutboundEvent {
    return { type: 'bot.message', id: newId('out_'), ...this.route(message), text, state, language };
  }

  private async publish(event: OutboundEvent): Promise<void> {
    try {
      await this.options.bus.publishOutbound(event);
      this.options.onPublished?.(event);
    } catch (error) {
      this.options.log.error(
        { conversationId: event.conversationId, err: errorMessage(error) },
        'could not publish outbound event',
      );
    }
  }

  private stopActor(conversationId: string): void {
    this.live.get(conversationId)?.actor?.stop();
    this.live.delete(conversationId);
  }

  /** Drops a conversation from memory (after its data was erased): nothing of it is written back. */
  evict(conversationId: string): void {
    this.stopActor(conversationId);
    this.fences.delete(conversationId);
    this.restarts.delete(conversationId);
  }

  /** Stops actors idle longer than the idle timeout; the next message rehydrates them. */
  passivateIdle(): number {
    const cutoff = this.options.clock.now() - this.options.idleTimeoutMs;
    let stopped = 0;
    for (const [id, entry] of this.live) {
      if (
        !entry.busy &&
        entry.lastActive <= cutoff &&
        (!entry.actor || entry.actor.getSnapshot().hasTag('awaiting-input'))
      ) {
        this.stopActor(id);
        this.fences.delete(id);
        stopped++;
        this.options.onPassivated?.({ conversationId: id, ...entry.route });
      }
    }
    for (const [id, times] of this.restarts) {
      if (times.every((t) => this.options.clock.now() - t >= this.intensity.withinMs))
        this.restarts.delete(id);
    }
    return stopped;
  }

  /** Stops every actor (their state was persisted after their last turn). */
  stop(): void {
    if (this.sweepTimer) clearInterval(this.sweepTimer);
    for (const id of [...this.live.keys()]) this.stopActor(id);
  }
}

/** A stored conversation's top-level state and language (`triage` / `es` when there is none). */
function describeRecord(record: ConversationRecord | undefined): {
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
function observeFailures(actor: ConversationActor): void {
  actor.subscribe({ error: () => {} });
}

/** A turn took longer than its deadline (a slow provider); it is answered with an apology, not retried. */
export class TurnTimeoutError extends Error {
  constructor(ms: number) {
    super(`the turn took longer than ${ms} ms`);
    this.name = 'TurnTimeoutError';
  }
}
