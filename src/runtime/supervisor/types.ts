import type { Actor, InspectionEvent, Observer, SnapshotFrom } from 'xstate';
import type { ConversationMachine } from '../../../machines/conversation-machine.ts';
import type { TenantConfig } from '../../config/tenant.ts';
import type { Logger } from '../../logger.ts';
import type { Bus } from '../../ports/bus.ts';
import type { Clock } from '../../ports/clock.ts';
import type { Store } from '../../ports/store.ts';
import type { InboundMessage, Language, OutboundEvent, ReplyIntent } from '../../protocol/index.ts';
import type { FloodControl, FloodOutcome } from '../../security/flood-control.ts';
import type { TimerEntry, TimerKind } from '../durable-timers.ts';
import type { HumanAction } from '../human-commands.ts';

/** A started conversation actor (present only while a turn or timer runs). */
export type ConversationActor = Actor<ConversationMachine>;
/** What a conversation actor is at a point in time (its persisted form is what the store keeps). */
export type ConversationSnapshot = SnapshotFrom<ConversationMachine>;

/**
 * A conversation in memory. Between turns it is dormant: only its persisted snapshot is held (about
 * 2 KB, against about 8 KB for a started XState actor) and the actor is recreated from it, without a
 * store read, when the next message or timer arrives. Passivation drops the entry altogether.
 */
export interface LiveConversation {
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

/** How often a conversation may fail before it is escalated instead of restarted (OTP style). */
export interface RestartIntensity {
  maxRestarts: number;
  withinMs: number;
  /** First back-off before a restart; doubles for each further restart in the window. */
  backoffMs: number;
}

/** Everything the supervisor is given: its ports, its limits and the hooks ops and metrics use. */
export interface SupervisorOptions {
  /** The machine with its effects provided. */
  machine: ConversationMachine;
  /** An inspector every conversation actor reports to (the Stately inspector, development only). */
  inspect?: Observer<InspectionEvent>;
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
  dedupe?: {
    confirm(conversationId: string, messageId: string, now: number): void;
    /** A message that was not kept: no longer pending (a retry is processed again). */
    forget?(conversationId: string, messageId: string): void;
  };
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
