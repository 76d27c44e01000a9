import {
  alertInput,
  type ConversationContext,
  type ConversationEvent,
} from '../../machines/conversation-machine.ts';
import { StaleOwnerError } from '../cluster/conversation-replica.ts';
import { errorMessage } from '../errors.ts';
import type { Logger } from '../logger.ts';
import type { Clock } from '../ports/clock.ts';
import type { HistoryEntry, Store } from '../ports/store.ts';
import type { HandoffInfo, HumanKind, InboundMessage, OutboundEvent } from '../protocol/index.ts';
import { HUMAN_KINDS } from '../protocol/index.ts';

/** WhatsApp Cloud's customer service window: free-form messages only within 24 h of the person's last one. */
const WHATSAPP_WINDOW_MS = 24 * 60 * 60 * 1000;

export const isHumanKind = (kind: string | undefined): kind is HumanKind =>
  (HUMAN_KINDS as readonly string[]).includes(kind ?? '');

/** What a person of the team did to a conversation (for the audit log). */
export interface HumanAction {
  kind: HumanKind;
  conversationId: string;
  tenantId: string;
  operator: string;
  /** The owner before the command (a reassignment when it differs from `operator`). */
  previousOwner: string | null;
  /** Lead fields an operator changed (names only). */
  fields?: string[];
}

/** The supervisor's side the desk works through (the conversation's order is the supervisor's). */
export interface DeskHost {
  store: Store;
  clock: Clock;
  publish(event: OutboundEvent): Promise<void>;
  /** Sends `event` to the actor (none: only `lines` are stored), persists, rests the actor. */
  applyEvent(
    message: InboundMessage,
    log: Logger,
    event: ConversationEvent | undefined,
    lines?: HistoryEntry[],
  ): Promise<{ snapshot: { value: unknown; context: ConversationContext }; state: string }>;
  phaseOf(snapshot: { value: unknown }): string;
  /** Drops the conversation's in-memory state (after a failure). */
  reset(conversationId: string): void;
  /** Sets the timers the state now needs (a conversation given back in the middle of a capture). */
  schedule(message: InboundMessage, state: string, turn: number): void;
  onHuman?: ((action: HumanAction) => void) | undefined;
}

type Refusal = { code: string; message: string };

const REFUSE = {
  notFound: { code: 'not_found', message: 'no conversation with this id' },
  notTakenOver: {
    code: 'not_taken_over',
    message: 'nobody has taken this conversation over: take it over before writing to the prospect',
  },
  notOwner: (owner: string) => ({ code: 'not_owner', message: `${owner} is handling this conversation` }),
  conflict: (owner: string) => ({
    code: 'conflict',
    message: `${owner} is already handling this conversation`,
  }),
  badCommand: { code: 'bad_command', message: 'the command has no operator' },
  failed: { code: 'failed', message: 'the command could not be applied; try again' },
} satisfies Record<string, Refusal | ((owner: string) => Refusal)>;

/** The queue's view of a conversation that needs (or has) a person; `undefined` when it needs none. */
export function handoffInfo(context: ConversationContext, since: number): HandoffInfo | undefined {
  const handoff = context.handoff;
  if (!handoff) return undefined;
  const alert = alertInput(context, handoff.level);
  return {
    reason: handoff.level === 2 ? 'escalation' : handoff.reason,
    since,
    owner: handoff.owner ?? null,
    reference: context.reference ?? null,
    urgency_level: alert.urgency,
    qualification: alert.qualification,
    name: context.lead.name?.value ?? null,
    company: context.lead.company?.value ?? null,
    level: handoff.level,
    alerted: handoff.alerted,
  };
}

/**
 * Operators' commands (take over, write, give back, close, correct the lead), applied in the
 * conversation's order like any message: on whichever node owns the conversation, after the
 * person's earlier messages, persisted before they are answered (`operator.result`).
 */
export class HumanDesk {
  constructor(private readonly host: DeskHost) {}

  async handle(message: InboundMessage, log: Logger): Promise<void> {
    const kind = message.system as HumanKind;
    let state = 'unknown';
    try {
      state = await this.run(kind, message, log);
    } catch (error) {
      // Another node owns the conversation now: it applies the command (redelivered there) and answers.
      if (error instanceof StaleOwnerError) return;
      // What is in memory may be ahead of the store: the next message reads the store again.
      this.host.reset(message.conversationId);
      log.error({ err: errorMessage(error), kind }, 'operator command failed');
      await this.result(message, REFUSE.failed, null, state);
    }
    await this.host.publish({ type: 'turn.completed', ...route(message), state });
  }

  /** After a person's turn or a timer: the queue, the console and Slack learn what changed. */
  async afterTurn(
    message: InboundMessage,
    snapshot: { context: ConversationContext },
    state: string,
  ): Promise<void> {
    const info = handoffInfo(snapshot.context, this.host.clock.now());
    if (!message.system && (info || state === 'human'))
      await this.host.publish({
        type: 'prospect.message',
        ...route(message),
        text: message.text,
        at: message.receivedAt,
      });
    if (info) await this.host.publish({ type: 'handoff.updated', ...route(message), handoff: info, state });
  }

  private async run(kind: HumanKind, message: InboundMessage, log: Logger): Promise<string> {
    const operator = message.operator;
    const record = await this.host.store.getConversation(message.conversationId);
    const snapshot = record?.snapshot as { value?: unknown; context?: ConversationContext } | undefined;
    if (!snapshot?.context) {
      await this.result(message, REFUSE.notFound, null, 'unknown');
      return 'unknown';
    }
    const state = this.host.phaseOf({ value: snapshot.value });
    const owner = state === 'human' ? (snapshot.context.handoff?.owner ?? null) : null;
    if (!operator) {
      await this.result(message, REFUSE.badCommand, owner, state);
      return state;
    }
    if (kind === 'human.takeover') return this.takeover(message, log, owner, state);
    if (!owner) {
      await this.result(message, REFUSE.notTakenOver, null, state);
      return state;
    }
    if (owner !== operator.name && !operator.force) {
      await this.result(message, REFUSE.notOwner(owner), owner, state);
      return state;
    }
    if (kind === 'human.message') return this.write(message, log, snapshot.context);
    return this.command(kind, message, log, owner);
  }

  private async takeover(
    message: InboundMessage,
    log: Logger,
    owner: string | null,
    state: string,
  ): Promise<string> {
    const operator = message.operator!;
    if (owner && owner !== operator.name && !operator.force) {
      await this.result(message, REFUSE.conflict(owner), owner, state);
      return state;
    }
    if (owner === operator.name) {
      await this.result(message, undefined, owner, state);
      return state;
    }
    const applied = await this.host.applyEvent(message, log, {
      type: 'human.takeover',
      operator: operator.name,
    });
    await this.host.publish({ type: 'agent.joined', ...route(message), name: operator.name });
    const info = handoffInfo(applied.snapshot.context, this.host.clock.now());
    await this.host.publish({
      type: 'handoff.updated',
      ...route(message),
      handoff: info ?? null,
      state: applied.state,
    });
    this.note(message, 'human.takeover', owner);
    log.info({ reassigned: owner !== null }, 'an operator took the conversation over');
    await this.result(message, undefined, operator.name, applied.state);
    return applied.state;
  }

  /**
   * The operator's reply: stored like any turn, sent through the prospect's channel. Its id comes
   * from the command's, so a command delivered twice (a worker died before acknowledging it, the
   * API was retried with the same Idempotency-Key) is sent once.
   */
  private async write(message: InboundMessage, log: Logger, context: ConversationContext): Promise<string> {
    const author = message.operator!.name;
    const id = `out_${message.id}`;
    const recent = await this.host.store.getHistory(message.conversationId, 50);
    if (recent.some((line) => line.messageId === id)) {
      log.info('operator message already sent (a repeated command)');
      await this.result(message, undefined, context.handoff?.owner ?? author, 'human');
      return 'human';
    }
    const text = message.text;
    const now = this.host.clock.now();
    const line: HistoryEntry = {
      role: 'assistant',
      text,
      at: now,
      turn: context.turn,
      messageId: id,
      by: author,
    };
    const applied = await this.host.applyEvent(message, log, undefined, [line]);
    const warning = await this.windowWarning(message, now);
    await this.host.publish({
      type: 'bot.message',
      id,
      ...route(message),
      // Channels without a sender name of their own show who writes.
      text: message.channel === 'web' ? text : `${author}: ${text}`,
      state: applied.state,
      language: context.language,
      agent: author,
    });
    this.note(message, 'human.message', context.handoff?.owner ?? null);
    await this.result(message, undefined, context.handoff?.owner ?? author, applied.state, warning);
    return applied.state;
  }

  private async command(
    kind: HumanKind,
    message: InboundMessage,
    log: Logger,
    owner: string,
  ): Promise<string> {
    const operator = message.operator!;
    const event: ConversationEvent =
      kind === 'human.lead'
        ? { type: 'human.lead', fields: operator.fields ?? {} }
        : kind === 'human.close'
          ? { type: 'human.close', operator: operator.name }
          : { type: 'human.release', operator: operator.name };
    const applied = await this.host.applyEvent(message, log, event);
    const stillOwned = applied.state === 'human';
    if (!stillOwned) this.host.schedule(message, applied.state, applied.snapshot.context.turn);
    if (!stillOwned) {
      await this.host.publish({ type: 'agent.left', ...route(message), name: owner });
      await this.host.publish({
        type: 'handoff.updated',
        ...route(message),
        handoff: null,
        state: applied.state,
      });
    }
    this.note(message, kind, owner, kind === 'human.lead' ? Object.keys(operator.fields ?? {}) : undefined);
    await this.result(message, undefined, stillOwned ? owner : null, applied.state);
    return applied.state;
  }

  /** WhatsApp (Cloud API or Twilio): past 24 h since the person last wrote, free text cannot reach them. */
  private async windowWarning(message: InboundMessage, now: number): Promise<Refusal | undefined> {
    if (message.channel !== 'whatsapp' && message.channel !== 'twilio') return undefined;
    const history = await this.host.store.getHistory(message.conversationId, 200);
    const last = history.findLast((line) => line.role === 'user')?.at;
    if (last !== undefined && now - last <= WHATSAPP_WINDOW_MS) return undefined;
    return {
      code: 'whatsapp_window_closed',
      message:
        message.channel === 'twilio'
          ? "The prospect's 24-hour WhatsApp window has closed: Twilio refuses free text (error 63016) until they write again. Your text is kept in the conversation but was not delivered."
          : "The prospect's 24-hour WhatsApp window has closed: WhatsApp delivers only the approved template (channels.whatsapp.windowTemplate) until they write again. Your text is kept in the conversation but was not delivered as written.",
    };
  }

  private note(
    message: InboundMessage,
    kind: HumanKind,
    previousOwner: string | null,
    fields?: string[],
  ): void {
    this.host.onHuman?.({
      kind,
      conversationId: message.conversationId,
      tenantId: message.tenantId,
      operator: message.operator!.name,
      previousOwner,
      ...(fields ? { fields } : {}),
    });
  }

  private result(
    message: InboundMessage,
    refusal: Refusal | undefined,
    owner: string | null,
    state: string,
    warning?: Refusal,
  ): Promise<void> {
    return this.host.publish({
      type: 'operator.result',
      ...route(message),
      ok: refusal === undefined,
      ...(refusal ? { code: refusal.code, message: refusal.message } : {}),
      owner,
      state,
      ...(warning ? { warning } : {}),
    });
  }
}

/** The outbound routing fields of an event about `message` (its conversation, person and id). */
export function route(message: InboundMessage) {
  return {
    tenantId: message.tenantId,
    channel: message.channel,
    conversationId: message.conversationId,
    userId: message.userId,
    inReplyTo: message.id,
  };
}
