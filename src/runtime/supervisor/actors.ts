import { createActor, type InspectionEvent } from 'xstate';
import { MACHINE_VERSION, type ConversationInput } from '../../../machines/conversation-machine.ts';
import { campaignSource } from '../../config/campaigns.ts';
import { errorMessage } from '../../errors.ts';
import type { Logger } from '../../logger.ts';
import type { ConversationRecord } from '../../ports/store.ts';
import type { InboundMessage } from '../../protocol/index.ts';
import { observeFailures } from './state.ts';
import { attachRecorder, recorderFor, type TransitionRecorder } from './transitions.ts';
import type { SupervisorContext } from './context.ts';
import type {
  ConversationActor,
  ConversationSnapshot,
  LiveConversation,
  SupervisorOptions,
} from './types.ts';

type ReadyHow = 'spawned' | 'rehydrated' | 'woken' | 'restarted';

/**
 * The conversation's running actor, or a new one made ready for this message: woken from the
 * snapshot a dormant conversation holds, rehydrated from the store, or spawned fresh when there is no
 * usable snapshot. `crashedAt` marks a restart after a failure (crash-to-ready is reported from it).
 */
export async function actorFor(
  ctx: SupervisorContext,
  message: InboundMessage,
  log: Logger,
  crashedAt?: number,
): Promise<ConversationActor> {
  const { options, registry } = ctx;
  const existing = registry.get(message.conversationId);
  if (existing?.actor) return existing.actor;
  const started = crashedAt ?? performance.now();
  const input = conversationInput(options, message);
  // A dormant conversation wakes from the snapshot it holds; otherwise it is read from the store.
  const record =
    existing?.snapshot !== undefined
      ? { snapshot: existing.snapshot, machineVersion: MACHINE_VERSION }
      : await options.store.getConversation(message.conversationId);
  const restored = restore(options, record, input, log, existing?.snapshot === undefined);
  const actor = restored ?? spawn(options, input);
  const fence = registry.fenceOf(message.conversationId);
  registry.set(message.conversationId, {
    actor,
    lastActive: options.clock.now(),
    busy: false,
    ...(fence !== undefined ? { fence } : {}),
    route: { tenantId: message.tenantId, channel: message.channel, userId: message.userId },
  });
  options.onActorReady?.({
    conversationId: message.conversationId,
    how: readiness(crashedAt, restored !== undefined && existing?.snapshot === undefined, existing),
    ms: performance.now() - started,
  });
  return actor;
}

/** How the actor became ready, for metrics. */
function readiness(
  crashedAt: number | undefined,
  rehydrated: boolean,
  existing: LiveConversation | undefined,
): ReadyHow {
  if (crashedAt !== undefined) return 'restarted';
  if (rehydrated) return 'rehydrated';
  return existing?.snapshot !== undefined ? 'woken' : 'spawned';
}

/** The machine's input for this conversation: its tenant's defaults, campaign source and the person. */
function conversationInput(
  options: Pick<SupervisorOptions, 'tenants' | 'maxDeliveryAttempts'>,
  message: InboundMessage,
): ConversationInput {
  const tenant = options.tenants.get(message.tenantId);
  const input: ConversationInput = {
    conversationId: message.conversationId,
    tenantId: message.tenantId,
    channel: message.channel,
    userId: message.userId,
    defaultLanguage: tenant?.defaultLanguage ?? 'es',
    startedAt: message.receivedAt,
    maxDeliveryAttempts: options.maxDeliveryAttempts,
  };
  const source = message.source ?? (tenant ? campaignSource(tenant, message.text) : undefined);
  if (source) input.source = source;
  if (tenant?.handoff?.liveFollowUp) input.liveFollowUp = true;
  const username = message.profile?.username
    ? `@${message.profile.username.replace(/^@/, '')}`
    : message.profile?.phone;
  if (username) input.username = username;
  return input;
}

/**
 * An actor started from the record's snapshot, at rest; `undefined` (logged) when there is no
 * record, it was written by another machine version, or its snapshot cannot be restored.
 */
function restore(
  options: Pick<SupervisorOptions, 'machine' | 'clock' | 'inspect'>,
  record: Pick<ConversationRecord, 'snapshot' | 'machineVersion'> | undefined,
  input: ConversationInput,
  log: Logger,
  fromStore: boolean,
): ConversationActor | undefined {
  if (!record) return undefined;
  if (record.machineVersion !== MACHINE_VERSION) {
    log.warn(
      { stored: record.machineVersion, current: MACHINE_VERSION },
      'snapshot from another machine version; the conversation starts over',
    );
    return undefined;
  }
  let actor: ConversationActor | undefined;
  try {
    const recorder = recorderFor(options.clock, record.snapshot);
    actor = createActor(options.machine, {
      snapshot: record.snapshot as ConversationSnapshot,
      input,
      logger: () => {},
      inspect: inspectorOf(options, recorder),
    });
    attachRecorder(actor, recorder);
    // A snapshot that cannot be restored leaves the actor in `error` before it starts; starting
    // it would report the error as uncaught and bring the process down.
    if (actor.getSnapshot().status !== 'active') throw new Error('snapshot could not be restored');
    observeFailures(actor);
    actor.start();
    if (actor.getSnapshot().status !== 'active' || !actor.getSnapshot().hasTag('awaiting-input'))
      throw new Error('snapshot is not at rest');
    if (fromStore) log.debug('conversation rehydrated');
    return actor;
  } catch (error) {
    actor?.stop();
    log.warn({ err: errorMessage(error) }, 'stored snapshot unusable; the conversation starts over');
    return undefined;
  }
}

/** The transition log's recorder, and the developer's inspector when one is attached. */
function inspectorOf(options: Pick<SupervisorOptions, 'inspect'>, recorder: TransitionRecorder) {
  const extra = options.inspect;
  if (!extra) return recorder.inspect;
  return (event: InspectionEvent) => {
    recorder.inspect(event);
    extra.next?.(event);
  };
}

/** A fresh actor: the conversation starts over. */
function spawn(
  options: Pick<SupervisorOptions, 'machine' | 'clock' | 'inspect'>,
  input: ConversationInput,
): ConversationActor {
  const recorder = recorderFor(options.clock, undefined);
  const actor = createActor(options.machine, {
    input,
    logger: () => {},
    inspect: inspectorOf(options, recorder),
  });
  attachRecorder(actor, recorder);
  observeFailures(actor);
  actor.start();
  return actor;
}
