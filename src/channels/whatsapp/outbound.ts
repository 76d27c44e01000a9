import { setTimeout as sleepFor } from 'node:timers/promises';
import { errorMessage } from '../../errors.ts';
import { newId } from '../../ids.ts';
import type { Logger } from '../../logger.ts';
import type { Clock } from '../../ports/clock.ts';
import type { OutboundEvent } from '../../protocol/index.ts';
import { whatsAppMessages } from './format.ts';
import type { WhatsAppPerson } from './parse.ts';
import { WINDOW_CLOSED_CODE, type GraphSender } from './sender.ts';
import type { ServiceWindow } from './window.ts';

/** An approved message template, sent when a reply falls outside the 24-hour window. */
export interface WindowTemplate {
  name: string;
  language: string;
}

/** How a person is addressed in a send: `to` (phone digits) or `recipient` (business-scoped user id). */
export type Recipient = { to: string } | { recipient: string };

export interface WhatsAppOutboundOptions {
  sender: Pick<GraphSender, 'post'>;
  window: ServiceWindow;
  clock: Clock;
  log: Logger;
  template?: WindowTemplate;
}

interface Known {
  phone?: string;
  bsuid?: string;
  /** The last inbound wamid (typing indicators and read receipts refer to it). */
  lastMessageId: string;
  at: number;
}

const PHONE_DIGITS = /^\d{5,20}$/;
/** Forget people who have not written for this long (sends then fall back to the conversation key). */
const FORGET_AFTER_MS = 48 * 60 * 60 * 1000;
const PRUNE_EVERY = 500;

/**
 * Sends the channel's `bot.message` events through the Graph API: one queue per conversation keeps
 * replies in order without blocking the bus listener; the 24-hour customer-service window is checked
 * before every free-form reply (outside it: the configured template, or a warn line, never a
 * silent drop); replies are formatted for WhatsApp and split at 4096 characters.
 */
export class WhatsAppOutbound {
  private readonly people = new Map<string, Known>();
  private readonly queues = new Map<string, Promise<void>>();
  private readonly pending = new Set<Promise<void>>();
  /** Conversation → the last-inbound time the template was sent for (once per silence). */
  private readonly templateSentFor = new Map<string, number>();
  private readonly abort = new AbortController();
  private notes = 0;
  readonly counts = { sent: 0, failed: 0, templates: 0, withheld: 0 };

  constructor(private readonly options: WhatsAppOutboundOptions) {}

  /** Remembers how to reach the person who just wrote, and which message a typing indicator answers. */
  remember(conversationId: string, person: WhatsAppPerson, messageId: string): void {
    const now = this.options.clock.now();
    this.people.set(conversationId, {
      ...(person.phone ? { phone: person.phone.replace(/^\+/, '') } : {}),
      ...(person.bsuid ? { bsuid: person.bsuid } : {}),
      lastMessageId: messageId,
      at: now,
    });
    if (++this.notes % PRUNE_EVERY === 0) {
      for (const [id, known] of this.people) if (now - known.at > FORGET_AFTER_MS) this.people.delete(id);
    }
  }

  /** Bus listener: never blocks, never throws. */
  handle(event: OutboundEvent): void {
    if (event.channel !== 'whatsapp') return;
    if (event.type === 'bot.message') {
      this.enqueue(event.conversationId, () =>
        this.deliver(event.conversationId, event.userId, event.text, event.id),
      );
    } else if (event.type === 'turn.refused') {
      // Not kept (the disk is full): the person is asked to write again.
      const id = `wa_refused_${event.inReplyTo}`;
      this.enqueue(event.conversationId, () =>
        this.deliver(event.conversationId, event.userId, event.text, id),
      );
    } else if (event.type === 'bot.typing') {
      const known = this.people.get(event.conversationId);
      // Only for a message that came through this channel (timers have no wamid to mark as read).
      if (known?.lastMessageId === event.inReplyTo)
        this.enqueue(event.conversationId, () => this.typing(event.conversationId, event.inReplyTo));
    }
  }

  /** Sends a channel notice (e.g. "I can only read text") to a person who just wrote. */
  notify(conversationId: string, userId: string, text: string): void {
    this.enqueue(conversationId, () => this.deliver(conversationId, userId, text, newId('wa_notice_')));
  }

  /** Sends waiting or being retried. */
  get queued(): number {
    return this.pending.size;
  }

  /** Waits for queued sends (at most `timeoutMs`), then cancels what is left. */
  async close(timeoutMs: number): Promise<void> {
    const all = Promise.allSettled([...this.pending]);
    const timer = new AbortController();
    await Promise.race([
      all,
      sleepFor(timeoutMs, undefined, { signal: timer.signal }).catch(() => undefined),
    ]);
    timer.abort();
    if (this.pending.size > 0) {
      this.options.log.warn(
        { channel: 'whatsapp', pending: this.pending.size, timeoutMs },
        'WhatsApp sends still pending at shutdown were cancelled',
      );
      this.abort.abort();
      await all;
    }
  }

  private enqueue(conversationId: string, job: () => Promise<void>): void {
    const previous = this.queues.get(conversationId) ?? Promise.resolve();
    const next = previous.then(job).catch((error: unknown) => {
      this.counts.failed++;
      this.options.log.error(
        { channel: 'whatsapp', conversationId, err: errorMessage(error) },
        'WhatsApp send failed unexpectedly',
      );
    });
    this.queues.set(conversationId, next);
    this.pending.add(next);
    void next.finally(() => {
      this.pending.delete(next);
      if (this.queues.get(conversationId) === next) this.queues.delete(conversationId);
    });
  }

  /** Phone digits when known (Meta prefers them), else the business-scoped user id. */
  recipientFor(conversationId: string, userId: string): Recipient | undefined {
    const known = this.people.get(conversationId);
    if (known?.phone) return { to: known.phone };
    if (PHONE_DIGITS.test(userId)) return { to: userId };
    if (known?.bsuid) return { recipient: known.bsuid };
    if (!userId.startsWith('@')) return { recipient: userId };
    return undefined;
  }

  private async deliver(
    conversationId: string,
    userId: string,
    text: string,
    outboundId: string,
  ): Promise<void> {
    const log = this.options.log;
    const to = this.recipientFor(conversationId, userId);
    if (!to) {
      this.counts.failed++;
      log.error(
        { channel: 'whatsapp', conversationId, outboundId },
        'WhatsApp reply not sent: the person is known only by username (no phone number or business-scoped user id to send to)',
      );
      return;
    }
    const window = await this.options.window.check(conversationId);
    if (!window.open) return this.outsideWindow(conversationId, to, outboundId, window.lastInboundAt);
    const parts = whatsAppMessages(text);
    for (const [index, body] of parts.entries()) {
      const result = await this.options.sender.post(
        {
          messaging_product: 'whatsapp',
          recipient_type: 'individual',
          ...to,
          type: 'text',
          text: { body, preview_url: false },
        },
        { conversationId, kind: 'reply' },
        this.abort.signal,
      );
      if (result.ok) {
        this.counts.sent++;
        continue;
      }
      // Our clock said open, WhatsApp says closed (e.g. a delivery Meta retried late).
      if (result.code === WINDOW_CLOSED_CODE)
        return this.outsideWindow(conversationId, to, outboundId, window.lastInboundAt);
      this.counts.failed++;
      log.error(
        {
          channel: 'whatsapp',
          conversationId,
          outboundId,
          reason: result.reason,
          status: result.status,
          code: result.code,
          part: index + 1,
          parts: parts.length,
        },
        'WhatsApp reply not delivered',
      );
      return;
    }
  }

  private async outsideWindow(
    conversationId: string,
    to: Recipient,
    outboundId: string,
    lastInboundAt: number | undefined,
  ): Promise<void> {
    const log = this.options.log;
    const hoursSinceLastMessage =
      lastInboundAt === undefined
        ? undefined
        : Math.floor((this.options.clock.now() - lastInboundAt) / 3_600_000);
    const details = { channel: 'whatsapp', conversationId, outboundId, hoursSinceLastMessage };
    const template = this.options.template;
    if (!template) {
      this.counts.withheld++;
      log.warn(
        details,
        'WhatsApp 24-hour customer-service window is closed: reply NOT sent. To reach people after 24 h, approve a message template in WhatsApp Manager and set channels.whatsapp.windowTemplate {"name","language"} in the config file (LEADBOT_CONFIG).',
      );
      return;
    }
    const silence = lastInboundAt ?? -1;
    if (this.templateSentFor.get(conversationId) === silence) {
      this.counts.withheld++;
      log.info(
        { ...details, template: template.name },
        'WhatsApp window closed and the template was already sent since their last message: reply not sent (they answer the template to reopen the window)',
      );
      return;
    }
    const result = await this.options.sender.post(
      {
        messaging_product: 'whatsapp',
        recipient_type: 'individual',
        ...to,
        type: 'template',
        template: { name: template.name, language: { code: template.language } },
      },
      { conversationId, kind: 'template' },
      this.abort.signal,
    );
    if (result.ok) {
      this.counts.templates++;
      this.templateSentFor.set(conversationId, silence);
      log.info(
        { ...details, template: template.name },
        'WhatsApp window closed: sent the re-engagement template instead of the reply',
      );
      return;
    }
    this.counts.failed++;
    log.error(
      {
        ...details,
        template: template.name,
        reason: result.reason,
        status: result.status,
        code: result.code,
      },
      'WhatsApp window closed and the re-engagement template could not be sent: reply not delivered',
    );
  }

  /** Marks the person's message as read and shows "typing…" (best effort, one attempt). */
  private async typing(conversationId: string, messageId: string): Promise<void> {
    await this.options.sender.post(
      {
        messaging_product: 'whatsapp',
        status: 'read',
        message_id: messageId,
        typing_indicator: { type: 'text' },
      },
      { conversationId, kind: 'typing' },
      this.abort.signal,
      1,
    );
  }
}
