import type { TenantConfig } from '../config/tenant.ts';
import { ClientError, LeadbotError, OverloadedError } from '../errors.ts';
import type { Admission } from '../ports/admission.ts';
import type { Bus } from '../ports/bus.ts';
import type { Clock } from '../ports/clock.ts';
import type { Deduper } from '../ports/dedupe.ts';
import type { ChannelName, InboundMessage } from '../protocol/index.ts';
import { InboundMessageSchema, PRIORITY } from '../protocol/index.ts';

/** What every channel needs to hand a person's message to the runtime. */
export interface Intake {
  bus: Bus;
  clock: Clock;
  tenants: ReadonlyMap<string, TenantConfig>;
  defaultTenant: string;
  maxInputChars: number;
  /** Refuses messages while the node is saturated (event loop, heap, a tenant over its share). */
  admission?: Admission;
  /** Drops retried deliveries of the same provider message id. */
  dedupe?: Deduper;
  /** Counts accepted / refused messages. */
  onAccepted?: (channel: ChannelName) => void;
  onRejected?: (code: string) => void;
  onDuplicate?: (channel: ChannelName) => void;
}

/** Ids that channels pass in from the outside (session, sender…). */
export const EXTERNAL_ID = /^[\p{L}\p{N}_.:@+=-]{1,128}$/u;

/** One conversation per tenant, channel and person. */
export function conversationIdFor(tenantId: string, channel: ChannelName, userId: string): string {
  return `${tenantId}:${channel}:${userId}`;
}

/** Resolves a tenant id (default when absent); unknown ids are a 404-class client error. */
export function resolveTenant(intake: Intake, tenantId: string | undefined): TenantConfig {
  const id = tenantId ?? intake.defaultTenant;
  const tenant = intake.tenants.get(id);
  if (!tenant) {
    throw new ClientError(
      'unknown_tenant',
      `Unknown tenant '${id.slice(0, 64)}'. Configured tenants: ${[...intake.tenants.keys()].join(', ')}.`,
      {
        status: 404,
      },
    );
  }
  return tenant;
}

/** Checks a message text: not empty, not binary junk, not longer than allowed. */
export function checkText(intake: Intake, text: string): string {
  // eslint-disable-next-line no-control-regex -- control characters are what we strip
  const cleaned = text.replace(/\u0000/g, '').replace(/[\u0001-\u0008\u000B\u000C\u000E-\u001F\u007F]/g, ' ');
  if (cleaned.trim() === '') throw new ClientError('empty_message', 'The message is empty. Write some text.');
  if (cleaned.length > intake.maxInputChars) {
    throw new ClientError(
      'message_too_long',
      `The message has ${cleaned.length} characters; the limit is ${intake.maxInputChars}. Send a shorter message.`,
      {
        status: 413,
      },
    );
  }
  return cleaned.trim();
}

export interface SubmitArgs {
  id: string;
  tenantId: string;
  channel: ChannelName;
  userId: string;
  text: string;
  source?: string;
  profile?: InboundMessage['profile'];
}

/**
 * Validates and publishes one message; rejects with a `ClientError` the channel shows to the client.
 * A message id already seen in this conversation (a retried delivery) is acknowledged and dropped:
 * `duplicate` is true and nothing is published.
 */
export async function submit(
  intake: Intake,
  args: SubmitArgs,
): Promise<{ message: InboundMessage; duplicate: boolean }> {
  // Saturated: refused first and cheaply (no parsing), before anything is recorded, so the
  // sender's retry goes through later.
  const key = `${conversationIdFor(args.tenantId, args.channel, args.userId)}|${args.id}`;
  try {
    const verdict = intake.admission?.check(args.tenantId, intake.clock.now(), key);
    if (verdict && !verdict.ok) throw overloaded(verdict.retryAfterS);
    const text = checkText(intake, args.text);
    const message = InboundMessageSchema.parse({
      type: 'user.message',
      id: args.id,
      tenantId: args.tenantId,
      channel: args.channel,
      conversationId: conversationIdFor(args.tenantId, args.channel, args.userId),
      userId: args.userId,
      text,
      receivedAt: intake.clock.now(),
      priority: PRIORITY.normal,
      ...(args.source ? { source: args.source } : {}),
      ...(args.profile ? { profile: args.profile } : {}),
    });
    if (intake.dedupe?.checkAndRecord(message.conversationId, message.id, message.receivedAt)) {
      intake.admission?.done(key, false);
      intake.onDuplicate?.(args.channel);
      return { message, duplicate: true };
    }
    try {
      await intake.bus.publish(message);
    } catch (error) {
      // Not queued: a retry of this id must go through.
      intake.dedupe?.forget(message.conversationId, message.id);
      throw error;
    }
    intake.onAccepted?.(args.channel);
    return { message, duplicate: false };
  } catch (error) {
    // Refused after admission (bad text, not queued): no longer in flight.
    if (!(error instanceof OverloadedError)) intake.admission?.done(key, false);
    intake.onRejected?.(error instanceof LeadbotError ? error.code : 'internal_error');
    throw error;
  }
}

/** The refusal, without a stack trace (nobody reads it, and a saturated node makes many). */
function overloaded(retryAfterS: number): OverloadedError {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  try {
    return new OverloadedError(retryAfterS);
  } finally {
    Error.stackTraceLimit = limit;
  }
}
