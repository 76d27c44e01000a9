import type { InspectionEvent, Observer } from 'xstate';
import { conversationMachine } from '../../machines/conversation-machine.ts';
import { SKILL_LOADERS } from '../../skills/registry.ts';
import { LmdbDeduper } from '../adapters/lmdb-dedupe.ts';
import type { LmdbStore } from '../adapters/lmdb-store.ts';
import { SharedTimers } from '../adapters/nats/shared-timers.ts';
import { OramaKnowledgeBase } from '../adapters/orama-knowledge.ts';
import type { AuditLog } from '../audit/audit-log.ts';
import type { TenantConfig } from '../config/tenant.ts';
import type { Config } from '../config/schema.ts';
import type { Handoff } from '../handoff/index.ts';
import type { Logger } from '../logger.ts';
import { HistoryManager } from '../memory/history-manager.ts';
import { queueInsights } from '../memory/intelligence.ts';
import type { Bus } from '../ports/bus.ts';
import type { OutboxAdmin } from '../ports/outbox.ts';
import type { Clock } from '../ports/clock.ts';
import { PRIORITY, type InboundMessage } from '../protocol/index.ts';
import { DurableTimers, type TimerEntry } from '../runtime/durable-timers.ts';
import { conversationEffects } from '../runtime/effects.ts';
import type { KeyPoolApi } from '../runtime/key-pool-actor.ts';
import type { LeadDelivery } from '../runtime/lead-delivery.ts';
import type { Metrics } from '../runtime/metrics.ts';
import { DEFAULT_SKILL_POLICY, SkillManager } from '../runtime/skill-manager.ts';
import { ConversationSupervisor } from '../runtime/supervisor.ts';
import type { ClusterLayer } from './cluster.ts';
import type { Part } from './lifecycle.ts';
import type { Memory } from './memory.ts';
import type { Models } from './model.ts';
import type { createSecurity } from './security.ts';
import { supervisorHooks } from './supervisor-hooks.ts';

export interface ConversationDeps {
  store: LmdbStore;
  cluster: ClusterLayer;
  bus: Bus;
  metrics: Metrics;
  tenants: ReadonlyMap<string, TenantConfig>;
  models: Models;
  pool: KeyPoolApi | undefined;
  delivery: LeadDelivery;
  /** The CRM outbox for operators (absent without a CRM webhook). */
  crmOutbox?: OutboxAdmin;
  memory: Memory;
  security: ReturnType<typeof createSecurity>;
  handoff: Handoff;
  audit: AuditLog;
  clock: Clock;
  log: Logger;
  /** The Stately inspector's observer (`LEADBOT_INSPECT=1`). */
  inspect?: Observer<InspectionEvent>;
}

/** Conversation actors and what they run on: the machine with its effects, timers, de-duplication. */
export interface Conversations extends Part {
  supervisor: ConversationSupervisor;
  skills: SkillManager;
  timers: DurableTimers | SharedTimers;
  dedupe?: LmdbDeduper;
}

/** The machine with its effects: model, history, skills, the CRM and the team's alerts. */
function machineFor(config: Readonly<Config>, deps: ConversationDeps, skills: SkillManager) {
  const { metrics, audit, models, memory, delivery, cluster } = deps;
  const effects = conversationEffects({
    alerts: deps.handoff.alerts,
    store: cluster.leadStore,
    history: new HistoryManager({
      store: cluster.turnStore,
      maxMessages: config.conversation.historyWindow,
      tokenBudget: config.conversation.historyTokenBudget,
      summaries: memory.summaries,
    }),
    tenants: deps.tenants,
    model: models.model,
    fallbackModel: models.builtin,
    skills,
    services: { knowledge: new OramaKnowledgeBase(deps.tenants), crm: delivery },
    delivery,
    clock: deps.clock,
    log: deps.log,
    settings: {
      modelTimeoutMs: config.conversation.modelTimeoutMs,
      temperature: config.model.temperature,
      maxTokens: config.model.maxTokens,
      maxToolSteps: config.llm.maxToolSteps,
      emojiChannels: config.model.emojiChannels,
    },
    onLeadStored: (lead) =>
      metrics.leadsStored.inc({ qualification: lead.qualification, status: lead.status }),
    onFallback: (reason) => metrics.fallbacks.inc({ reason }),
    canary: models.canary,
    onReplyRefused: (conversationId, refusal) => {
      metrics.threats.inc({ verdict: `reply_${refusal}` });
      const tenantId = conversationId.split(':')[0]!;
      const leak = refusal.endsWith('prompt_leak') || refusal === 'internal_terms';
      audit.append(
        leak
          ? { type: 'prompt.leak', person: conversationId, tenantId, data: { leak: refusal } }
          : { type: 'reply.refused', person: conversationId, tenantId, data: { refusal } },
      );
    },
  });
  const base = config.conversation.deliveryBackoffMs;
  return conversationMachine.provide({
    actors: effects,
    delays: {
      deliveryBackoff: ({ context }) =>
        Math.min(base * 2 ** Math.max(0, context.deliveryAttempts - 1), 30_000),
    },
  });
}

/**
 * Timers fire through the bus, so they are serialised with the person's own messages. One node: timers
 * in LMDB, done once their turn persisted. Cluster: timers in NATS KV, so a worker that dies takes none
 * with it; any worker fires a due one (the partition owner handles it).
 */
async function timersFor(config: Readonly<Config>, deps: ConversationDeps) {
  const fire = (entry: TimerEntry) =>
    deps.bus.publish({
      type: 'user.message',
      id: `timer:${entry.kind}:${entry.dueAt}`,
      ...(entry.turn !== undefined ? { systemTurn: entry.turn } : {}),
      tenantId: entry.tenantId,
      channel: entry.channel as InboundMessage['channel'],
      conversationId: entry.conversationId,
      userId: entry.userId,
      text: '',
      // A timer's message is "received" when it came due (the supervisor checks it is still current).
      receivedAt: entry.dueAt,
      priority: PRIORITY.low,
      system: entry.kind,
    });
  const log = deps.log.child({ component: 'timers' });
  const nats = deps.cluster.nats;
  return nats
    ? await SharedTimers.open(nats.nc, { clock: deps.clock, log, replicas: config.cluster.replicas, fire })
    : new DurableTimers(deps.store, deps.clock, log, fire);
}

function supervisorOptions(config: Readonly<Config>, deps: ConversationDeps) {
  return {
    sessionTimeoutMs: config.conversation.sessionTimeoutMs,
    followUpAfterMs: config.conversation.followUpAfterMs,
    handoffDeadlineMs: config.conversation.handoffDeadlineMs,
    // One deadline per turn, inside the REST channel's wait, so every turn is answered in time.
    turnTimeoutMs: Math.max(1000, config.server.restReplyTimeoutMs - 1000 - config.bus.coalesceMs),
    idleTimeoutMs: config.supervisor.idleTimeoutMs,
    restartIntensity: {
      maxRestarts: config.supervisor.maxRestarts,
      withinMs: config.supervisor.withinMs,
      backoffMs: config.supervisor.backoffMs,
    },
    maxDeliveryAttempts: config.conversation.deliveryAttempts,
    ...(config.memory.insights ? { onPassivated: queueInsights(deps.bus, deps.clock, deps.log) } : {}),
    onIdleWork: async (message: InboundMessage) => {
      await deps.memory.intelligence.run(message.conversationId, message.tenantId);
    },
  };
}

/** Builds the supervisor and its actors' world; closing stops the actors (after intake has drained). */
export async function createConversations(
  config: Readonly<Config>,
  deps: ConversationDeps,
): Promise<Conversations> {
  const skills = new SkillManager(DEFAULT_SKILL_POLICY, SKILL_LOADERS, config.security.allowedTools);
  const window = config.conversation.dedupeWindowMs;
  const dedupe = window > 0 ? new LmdbDeduper(deps.store, window) : undefined;
  const timers = await timersFor(config, deps);
  const supervisor = new ConversationSupervisor({
    onHuman: deps.handoff.onHuman,
    onPublished: (event) => deps.handoff.published(event),
    machine: machineFor(config, deps, skills),
    store: deps.cluster.turnStore,
    bus: deps.bus,
    tenants: deps.tenants,
    clock: deps.clock,
    log: deps.log,
    timers,
    ...(dedupe ? { dedupe } : {}),
    ...(deps.inspect ? { inspect: deps.inspect } : {}),
    guard: deps.security.guard,
    flood: deps.security.flood,
    ...supervisorOptions(config, deps),
    ...supervisorHooks(config, { ...deps, consolidator: deps.memory.consolidator }),
  });
  return {
    name: 'conversations',
    supervisor,
    skills,
    timers,
    ...(dedupe ? { dedupe } : {}),
    close: () => supervisor.stop(),
  };
}
