import type { LmdbDeduper } from '../adapters/lmdb-dedupe.ts';
import type { Intake } from '../channels/intake.ts';
import type { TenantConfig } from '../config/tenant.ts';
import type { Config } from '../config/schema.ts';
import { errorMessage } from '../errors.ts';
import type { Logger } from '../logger.ts';
import type { Bus } from '../ports/bus.ts';
import type { Clock } from '../ports/clock.ts';
import { InProcessBus } from '../runtime/in-process-bus.ts';
import type { KeyPoolApi } from '../runtime/key-pool-actor.ts';
import { Metrics } from '../runtime/metrics.ts';
import { ResourceAdmission, processSampler } from '../runtime/resource-admission.ts';
import type { ConversationSupervisor } from '../runtime/supervisor.ts';
import type { ClusterLayer } from './cluster.ts';
import type { Part } from './lifecycle.ts';

/** The bus every channel publishes to: NATS JetStream in cluster mode, in-process on one node. */
export function createBus(config: Readonly<Config>, cluster: ClusterLayer, log: Logger): Part & { bus: Bus } {
  const bus =
    cluster.nats?.bus ??
    new InProcessBus({
      concurrency: config.bus.concurrency || Infinity,
      maxQueuedPerConversation: config.bus.maxQueuedPerConversation,
      coalesceMs: config.bus.coalesceMs,
      onHandlerError: (error, message) =>
        log.error({ conversationId: message.conversationId, err: errorMessage(error) }, 'handler failed'),
    });
  return { name: 'bus', bus, close: () => bus.close() };
}

/** Admission by event-loop lag, heap and tenant share (`bus.admission`), sampled once a second. */
export function createAdmission(
  config: Readonly<Config>,
  bus: Bus,
  disk?: { full(): boolean },
): Part & { admission: ResourceAdmission } {
  const sampler = processSampler();
  const admission = new ResourceAdmission(config.bus.admission, sampler.sample);
  if (disk) admission.setDisk(disk);
  admission.start();
  // A turn is in flight from admission until its completion event (what the channels wait for).
  const unsubscribe = bus.subscribeOutbound((event) => {
    if (event.type === 'turn.completed') admission.done(`${event.conversationId}|${event.inReplyTo}`);
  });
  return {
    name: 'admission',
    admission,
    close: () => {
      unsubscribe();
      admission.stop();
      sampler.stop();
      return Promise.resolve();
    },
  };
}

/** Metrics read live figures lazily, so they exist before the supervisor they report on. */
export function createMetrics(
  config: Readonly<Config>,
  deps: {
    model: string;
    bus: Bus;
    pool: KeyPoolApi | undefined;
    supervisor: () => ConversationSupervisor | undefined;
  },
): Metrics {
  const { pool } = deps;
  return new Metrics({
    nodeId: config.nodeId,
    model: deps.model,
    liveConversations: () => deps.supervisor()?.liveCount ?? 0,
    runningActors: () => deps.supervisor()?.runningActors ?? 0,
    bus: () => deps.bus.stats(),
    ...(pool ? { pool: () => pool.report() } : {}),
  });
}

/** What every channel hands a person's message to: the bus, limits, de-duplication and counters. */
export function intakeFor(
  config: Readonly<Config>,
  deps: {
    bus: Bus;
    clock: Clock;
    tenants: ReadonlyMap<string, TenantConfig>;
    dedupe?: LmdbDeduper;
    metrics: Metrics;
    admission?: ResourceAdmission;
  },
): Intake {
  const { metrics } = deps;
  if (deps.admission) metrics.setAdmission(deps.admission);
  return {
    ...(deps.admission ? { admission: deps.admission } : {}),
    ...(deps.dedupe ? { dedupe: deps.dedupe } : {}),
    onDuplicate: () => metrics.rejected.inc({ code: 'duplicate' }),
    bus: deps.bus,
    clock: deps.clock,
    tenants: deps.tenants,
    defaultTenant: config.defaultTenant,
    maxInputChars: config.conversation.maxInputChars,
    onAccepted: (channel) => metrics.messagesReceived.inc({ channel }),
    onRejected: (code) => metrics.rejected.inc({ code }),
  };
}
