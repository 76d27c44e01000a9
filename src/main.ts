/**
 * Composition root: the only file that wires concrete adapters together. `npm start` runs this file;
 * the CLI and the tests call `startLeadbot`.
 */
import { realpathSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import type { FastifyInstance } from 'fastify';
import { conversationMachine } from '../machines/conversation-machine.ts';
import { LmdbStore } from './adapters/lmdb-store.ts';
import { AuditLog, type AuditCheckpoint } from './audit/audit-log.ts';
import { auditHeadKey, openAuditHeads } from './adapters/nats/audit-heads.ts';
import { startNatsCluster, type NatsCluster } from './adapters/nats/cluster.ts';
import { redactUrl } from './adapters/nats/connection.ts';
import { openLeadBucket, SharedLeadStore } from './adapters/nats/shared-leads.ts';
import { ClusterBudget, type SharedKeyLimits } from './cluster/cluster-budget.ts';
import { SharedTimers } from './adapters/nats/shared-timers.ts';
import { ErasureMarkers, erasureKey } from './adapters/nats/erasures.ts';
import { ConversationReplica } from './cluster/conversation-replica.ts';
import { MetricsPublisher } from './cluster/metrics-publisher.ts';
import { ReplicatedStore } from './cluster/replicated-store.ts';
import { ContactData } from './privacy/contacts.ts';
import type { MessagingChannel } from './channels/messaging.ts';
import { createMessagingChannels } from './channels/registry.ts';
import { registerRestChannel, repliesFromHistory } from './channels/rest.ts';
import { WebChannel } from './channels/web.ts';
import type { Intake } from './channels/intake.ts';
import { loadConfig, loadTenants } from './config/load.ts';
import type { Config } from './config/schema.ts';
import { LeadbotError, errorMessage } from './errors.ts';
import { resolveAdminToken } from './http/auth.ts';
import { createHttpServer } from './http/server.ts';
import { createLogger, logKeyFor, type Logger } from './logger.ts';
import { BuiltinModel } from './models/builtin/index.ts';
import { warmUpModels } from './nlu/models.ts';
import type { Bus } from './ports/bus.ts';
import type { ChatModel, LeasePool } from './ports/chat-model.ts';
import { systemClock, type Clock } from './ports/clock.ts';
import type { Store } from './ports/store.ts';
import { LmdbDeduper } from './adapters/lmdb-dedupe.ts';
import { LmdbOutbox } from './adapters/lmdb-outbox.ts';
import { OpenAIChatModel } from './adapters/openai-model.ts';
import { KeyPool, parseKeySpecs } from './runtime/key-pool.ts';
import { OramaKnowledgeBase } from './adapters/orama-knowledge.ts';
import { conversationEffects } from './runtime/effects.ts';
import { createHandoff } from './handoff/index.ts';
import { LeadDelivery } from './runtime/lead-delivery.ts';
import { leadReference } from './runtime/lead-payload.ts';
import { OutboxDispatcher } from './runtime/outbox-dispatcher.ts';
import { DEFAULT_SKILL_POLICY, SkillManager } from './runtime/skill-manager.ts';
import { DurableTimers, type TimerEntry } from './runtime/durable-timers.ts';
import { PRIORITY, type InboundMessage } from './protocol/index.ts';
import { HistoryManager } from './memory/history-manager.ts';
import { MemoryConsolidator, type SummaryStore } from './memory/consolidator.ts';
import { IntelligenceExtractor, queueInsights } from './memory/intelligence.ts';
import { ThreatDetector, type ThreatJudge } from './security/detector.ts';
import { FloodControl } from './security/flood-control.ts';
import { newCanary } from './security/canary.ts';
import { SKILL_LOADERS, TOOL_NAMES } from '../skills/registry.ts';
import { LmdbSummaryStore } from './adapters/lmdb-summaries.ts';
import { InProcessBus } from './runtime/in-process-bus.ts';
import { Metrics } from './runtime/metrics.ts';
import { ConversationSupervisor } from './runtime/supervisor.ts';

export interface StartOptions {
  /** Serve HTTP (widget, REST, metrics). Off for the embedded CLI chat. */
  http?: boolean;
  logger?: Logger;
  clock?: Clock;
}

/** A running leadbot node. */
export interface Leadbot {
  config: Readonly<Config>;
  /** `http://host:port` when HTTP is on. */
  url?: string;
  app?: FastifyInstance;
  bus: Bus;
  store: Store;
  intake: Intake;
  supervisor: ConversationSupervisor;
  skills: SkillManager;
  /** Hash-chained audit log (escalations, handoffs, blocks, admin actions). */
  audit: AuditLog;
  /** Rolling summaries of long conversations. */
  memory: { consolidator: MemoryConsolidator; summaries: SummaryStore; intelligence: IntelligenceExtractor };
  /** Present when LLM keys are configured. */
  pool?: KeyPool;
  adminToken: string;
  /** Stops intake, drains in-flight turns, persists, closes the store (reverse start order). */
  close(): Promise<void>;
}

/** Cluster mode: a privacy erasure every node applies to its own local copies. */
const ERASE_SUBJECT = 'leadbot.privacy.erase';

/** States after which a conversation needs no LLM key any more. */
const ENDED_STATES = new Set(['closed', 'spam', 'failed']);

/** The key pool from `LEADBOT_LLM_KEYS`, or undefined when no key is set (built-in model). */
/** Late-bound pool hooks: cluster mode releases a conversation's shared hold when the pool unpins it. */
interface KeyHooks {
  onRelease?: (conversationId: string, keyId: string) => void;
}

function createKeyPool(
  config: Readonly<Config>,
  clock: Clock,
  log: Logger,
  hooks: KeyHooks,
): { pool: KeyPool; limits: Record<string, SharedKeyLimits>; groupOf: Record<string, string> } | undefined {
  if (!config.secrets.llmKeys) return undefined;
  const specs = parseKeySpecs(config.secrets.llmKeys, {
    rpm: config.llm.rpm,
    maxConversations: config.llm.maxConversationsPerKey,
    ...(config.llm.tpm ? { tpm: config.llm.tpm } : {}),
  }).map((spec) => {
    const group = config.llm.keyGroups[spec.id];
    const limits = config.llm.keyLimits[spec.id];
    return {
      ...spec,
      ...(group ? { group } : {}),
      ...(limits?.rpm ? { rpm: limits.rpm } : {}),
      ...(limits?.tpm ? { tpm: limits.tpm } : {}),
      ...(limits?.maxConversations ? { maxConversations: limits.maxConversations } : {}),
    };
  });
  const groups: Record<string, { rpm?: number; tpm?: number }> = {};
  for (const [name, limits] of Object.entries(config.llm.groups)) {
    groups[name] = { ...(limits.rpm ? { rpm: limits.rpm } : {}), ...(limits.tpm ? { tpm: limits.tpm } : {}) };
  }
  const limits: Record<string, SharedKeyLimits> = Object.fromEntries(
    specs.map((spec) => [spec.id, { rpm: spec.rpm, tpm: spec.tpm, maxConversations: spec.maxConversations }]),
  );
  for (const [name, group] of Object.entries(groups))
    limits[`group.${name}`] = { rpm: group.rpm, tpm: group.tpm };
  const pool = new KeyPool({
    keys: specs,
    onRelease: (conversationId, keyId) => hooks.onRelease?.(conversationId, keyId),
    groups,
    clock,
    log: log.child({ component: 'key-pool' }),
    idleMs: config.llm.idleReleaseMs,
    deadlineMs: config.llm.queueDeadlineMs,
    alertWindowMs: config.llm.alertWindowMs,
  });
  const groupOf = Object.fromEntries(specs.flatMap((spec) => (spec.group ? [[spec.id, spec.group]] : [])));
  return { pool, limits, groupOf };
}

/**
 * The model adapter's view of the pool. In cluster mode every lease is also charged to the key's
 * cluster-wide budget (and its group's) before the request is sent, so N nodes never spend N times a
 * key's limit: a key whose shared budget is spent is cooled locally until the window frees.
 */
function leasePool(
  pool: KeyPool,
  log: Logger,
  shared?: { budget: ClusterBudget; groupOf: Record<string, string> },
  hooks: KeyHooks = {},
): LeasePool {
  /** Conversation → [key it is held on cluster-wide, when the hold was last refreshed]. */
  const held = new Map<string, [string, number]>();
  if (shared)
    hooks.onRelease = (conversationId, keyId) => {
      if (held.get(conversationId)?.[0] !== keyId) return;
      held.delete(conversationId);
      void shared.budget
        .releaseConversation(keyId, conversationId)
        .catch((error: unknown) =>
          log.debug({ err: errorMessage(error) }, 'shared conversation release failed'),
        );
    };
  /**
   * Active conversations per key are counted cluster-wide: a conversation holds its key in the shared
   * budget (refreshed every few minutes, released when the pool unpins it). The cap is soft: a key at
   * its cluster-wide `maxConversations` is logged; the request and token budgets are the hard limits.
   */
  const hold = async (budget: ClusterBudget, keyId: string, conversationId: string) => {
    const now = Date.now();
    const current = held.get(conversationId);
    if (current?.[0] === keyId && now - current[1] < 5 * 60_000) return;
    if (current && current[0] !== keyId)
      await budget.releaseConversation(current[0], conversationId).catch(() => undefined);
    held.set(conversationId, [keyId, now]);
    if (!(await budget.holdConversation(keyId, conversationId)))
      log.warn(
        { keyId },
        'LLM key is at its cluster-wide conversation cap; sharing it anyway (requests stay within budget)',
      );
  };
  return {
    async acquire(conversationId, options) {
      for (;;) {
        const lease = await pool.acquire(conversationId, options);
        if (!lease) return undefined;
        const chargedAt = Date.now();
        if (shared) {
          const charge = { requests: 1, tokens: options.estimatedTokens };
          const group = shared.groupOf[lease.keyId];
          const admitted = await shared.budget
            .tryConsume(lease.keyId, charge)
            .then(async (ok) => ok && (!group || (await shared.budget.tryConsume(`group.${group}`, charge))))
            .catch((error: unknown) => {
              log.warn(
                { keyId: lease.keyId, err: errorMessage(error) },
                'shared key budget unreachable; the local budget applies',
              );
              return true;
            });
          if (admitted)
            void hold(shared.budget, lease.keyId, conversationId).catch((error: unknown) =>
              log.debug({ err: errorMessage(error) }, 'shared conversation hold failed'),
            );
          if (!admitted) {
            // Cool the key until both its own and its group's shared windows free.
            const retryAt = Math.max(
              shared.budget.retryAt(lease.keyId, options.estimatedTokens),
              group ? shared.budget.retryAt(`group.${group}`, options.estimatedTokens) : 0,
            );
            lease.rateLimited(Math.max(1000, retryAt - Date.now()));
            if (options.signal?.aborted) return undefined;
            continue;
          }
        }
        return {
          keyId: lease.keyId,
          secret: lease.secret,
          release: (usage) => {
            lease.release(usage);
            if (shared && usage)
              void shared.budget
                .adjustTokens(lease.keyId, chargedAt, usage.totalTokens - options.estimatedTokens)
                .catch((error: unknown) =>
                  log.debug({ err: errorMessage(error) }, 'token correction failed'),
                );
          },
          rateLimited: (ms) => lease.rateLimited(ms),
          failed: () => lease.failed(),
          succeeded: () => pool.reportSuccess(lease.keyId),
        };
      }
    },
  };
}

/**
 * Starts a node. When any part fails to start (a channel with a bad setting, a port in use…), what
 * was already started is closed again before the error is thrown: no open store, no stray timers.
 */
export async function startLeadbot(config: Readonly<Config>, options: StartOptions = {}): Promise<Leadbot> {
  const undo: (() => unknown)[] = [];
  try {
    return await start(config, options, undo);
  } catch (error) {
    for (const step of undo.reverse()) {
      try {
        await step();
      } catch {
        // Best effort: the start-up error is the one to report.
      }
    }
    throw error;
  }
}

async function start(
  config: Readonly<Config>,
  options: StartOptions,
  undo: (() => unknown)[],
): Promise<Leadbot> {
  const log =
    options.logger ??
    createLogger({
      level: config.log.level,
      content: config.log.content,
      pretty: config.log.pretty,
      nodeId: config.nodeId,
      idKey: logKeyFor(config.dataDir),
    });
  const clock = options.clock ?? systemClock;
  for (const warning of config.warnings) log.warn(warning);
  const tenants = loadTenants(config.tenantsDir);
  const store = LmdbStore.open(config.dataDir);
  undo.push(() => store.close());
  const admin = resolveAdminToken(config.secrets.adminToken, config.dataDir);
  /** Cluster mode: each audit checkpoint is also published to NATS, out of this node's reach. */
  let publishHead: ((checkpoint: AuditCheckpoint) => void) | undefined;
  const audit = new AuditLog(store, config.dataDir, {
    onCheckpoint: (checkpoint) => publishHead?.(checkpoint),
  });
  const contacts = new ContactData(store, audit);
  const builtin = new BuiltinModel();
  // The NLU's classifiers train once per process (a few hundred ms): now, not on the first prospect.
  warmUpModels();
  const canary = newCanary();
  const keyHooks: KeyHooks = {};
  const keys = createKeyPool(config, clock, log, keyHooks);
  const pool = keys?.pool;
  undo.push(() => pool?.close());
  // Cluster mode: the bus, the conversation replica and the shared key budget live on NATS.
  const cluster: NatsCluster | undefined = config.cluster.natsUrl
    ? await startNatsCluster({
        url: config.cluster.natsUrl,
        nodeId: config.nodeId,
        log: log.child({ component: 'cluster' }),
        concurrency: config.bus.concurrency,
        coalesceMs: config.bus.coalesceMs,
        partitions: config.cluster.partitions,
        leaseTtlMs: config.cluster.leaseTtlMs,
        ackWaitMs: config.cluster.ackWaitMs,
        replicas: config.cluster.replicas,
        conversationTtlMs: config.retention.conversationTtlMs,
        onHandlerError: (error, message) =>
          log.error({ conversationId: message.conversationId, err: errorMessage(error) }, 'handler failed'),
      })
    : undefined;
  undo.push(() => cluster?.close());
  const role = cluster ? config.cluster.role : 'all';
  const erasures = cluster
    ? await ErasureMarkers.open(cluster.nc, log.child({ component: 'privacy' }), config.cluster.replicas)
    : undefined;
  undo.push(() => erasures?.close());
  if (cluster) {
    const heads = await openAuditHeads(cluster.nc, config.cluster.replicas);
    publishHead = (checkpoint) =>
      void heads
        .put(auditHeadKey(config.nodeId), JSON.stringify(checkpoint))
        .catch((error: unknown) =>
          log.warn({ err: errorMessage(error) }, 'audit head not published to NATS'),
        );
  }
  // Leads are shared through NATS KV too, so every node lists and updates the same leads.
  const sharedLeads = cluster
    ? new SharedLeadStore(store, await openLeadBucket(cluster.nc, config.cluster.replicas))
    : undefined;
  const leadStore: Store = sharedLeads ?? store;
  const replica = cluster
    ? new ConversationReplica({
        store: cluster.conversationStore,
        historyLines: Math.max(50, config.conversation.historyWindow),
      })
    : undefined;
  // A worker's conversation writes go to the shared replica under its fence, then to LMDB; reads take
  // the newer of the two, so a conversation continues on whichever node owns it now.
  const turnStore: Store = cluster
    ? new ReplicatedStore({
        local: leadStore,
        replica: replica!,
        fence: (conversationId) => cluster.bus.currentFence(conversationId),
        erased: (conversationId, updatedAt) => erasures?.erased(conversationId, updatedAt) ?? false,
        onErased: (conversationId) => {
          contacts.erase({ id: conversationId }, [], [conversationId]);
        },
      })
    : store;
  const budget =
    cluster && keys ? new ClusterBudget({ store: cluster.budgetStore, limits: keys.limits }) : undefined;
  const model: ChatModel = pool
    ? new OpenAIChatModel({
        baseURL: config.llm.baseUrl,
        model: config.llm.model!,
        pool: leasePool(pool, log, budget && keys ? { budget, groupOf: keys.groupOf } : undefined, keyHooks),
        log: log.child({ component: 'llm' }),
        thinking: config.llm.thinking,
        timeoutMs: config.conversation.modelTimeoutMs,
        canary,
      })
    : builtin;

  const bus: Bus =
    cluster?.bus ??
    new InProcessBus({
      concurrency: config.bus.concurrency,
      maxQueuedPerConversation: config.bus.maxQueuedPerConversation,
      coalesceMs: config.bus.coalesceMs,
      onHandlerError: (error, message) =>
        log.error({ conversationId: message.conversationId, err: errorMessage(error) }, 'handler failed'),
    });
  // Metrics reads live figures lazily, so it can exist before the supervisor it reports on.
  const metrics = new Metrics({
    nodeId: config.nodeId,
    model: model.name,
    liveConversations: () => supervisor.liveCount,
    runningActors: () => supervisor.runningActors,
    bus: () => bus.stats(),
    ...(pool ? { pool: () => pool.report() } : {}),
  });
  const referencePrefix = (tenantId: string) =>
    (tenants.get(tenantId)?.companyName ?? 'LB')
      .replace(/[^A-Za-z]/g, '')
      .slice(0, 2)
      .toUpperCase() || 'LB';
  let dispatcher: OutboxDispatcher | undefined;
  const outbox = config.crm.webhookUrl ? new LmdbOutbox({ store, clock }) : undefined;
  const delivery: LeadDelivery = new LeadDelivery({
    store: leadStore,
    recoverFrom: store,
    log,
    ...(outbox ? { outbox, notify: () => dispatcher?.notify() } : {}),
    reference: (lead) => leadReference(lead.lead_id, referencePrefix(lead.tenant_id)),
  });
  if (outbox && config.crm.webhookUrl && config.secrets.crmWebhookSecret) {
    dispatcher = new OutboxDispatcher({
      outbox,
      clock,
      log: log.child({ component: 'outbox' }),
      webhook: {
        url: config.crm.webhookUrl,
        secret: config.secrets.crmWebhookSecret,
        timeoutMs: config.crm.timeoutMs,
      },
      maxAttempts: config.crm.maxAttempts,
      baseBackoffMs: config.crm.baseBackoffMs,
      maxBackoffMs: config.crm.maxBackoffMs,
      onDelivered: (entry) => delivery.markDelivered(entry),
    });
    await delivery.recover();
    void dispatcher.start();
    undo.push(() => dispatcher?.close());
  }
  const summaries = new LmdbSummaryStore(store);
  const consolidator = new MemoryConsolidator({
    store: turnStore,
    summaries,
    log: log.child({ component: 'memory' }),
    // The LLM writes summaries when one is configured; the extractive summary otherwise or on failure.
    ...(pool && model.summarise ? { summarise: model.summarise.bind(model) } : {}),
    keepRecentTurns: config.memory.keepRecentTurns,
    everyTurns: config.memory.consolidateEveryTurns,
    timeoutMs: config.memory.summaryTimeoutMs,
    now: () => clock.now(),
  });
  const intelligence = new IntelligenceExtractor({
    store: turnStore,
    lmdb: store,
    tenants,
    log: log.child({ component: 'insights' }),
    now: () => clock.now(),
    deliver: (lead, previous) => delivery.deliver(lead, previous),
  });
  const detector = new ThreatDetector({ toolNames: TOOL_NAMES });
  const flood = new FloodControl(config.security);
  // Uncertain verdicts get a second opinion from the LLM (through the key pool) when one is configured.
  const judgeWith = pool && config.security.llmJudge ? model.judge?.bind(model) : undefined;
  const judge: ThreatJudge | undefined = judgeWith
    ? {
        judge: (text, lang, signal) =>
          judgeWith(text, lang, signal ?? AbortSignal.timeout(config.security.judgeTimeoutMs)),
      }
    : undefined;
  const knowledge = new OramaKnowledgeBase(tenants);
  const skills = new SkillManager(DEFAULT_SKILL_POLICY, SKILL_LOADERS, config.security.allowedTools);
  const handoff = createHandoff(config, {
    store,
    turnStore,
    leadStore,
    bus,
    tenants,
    clock,
    log,
    audit,
    admin,
  });
  undo.push(() => handoff.close());
  contacts.onErased = (ids) => handoff.forget(ids);
  const effects = conversationEffects({
    alerts: handoff.alerts,
    store: leadStore,
    history: new HistoryManager({
      store: turnStore,
      maxMessages: config.conversation.historyWindow,
      tokenBudget: config.conversation.historyTokenBudget,
      summaries,
    }),
    tenants,
    model,
    fallbackModel: builtin,
    skills,
    services: { knowledge, crm: delivery },
    delivery,
    clock,
    log,
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
    canary,
    onPromptLeak: (conversationId, leak) => {
      metrics.threats.inc({ verdict: 'prompt_leak' });
      audit.append({
        type: 'prompt.leak',
        person: conversationId,
        tenantId: conversationId.split(':')[0]!,
        data: { leak },
      });
    },
  });
  const base = config.conversation.deliveryBackoffMs;
  const machine = conversationMachine.provide({
    actors: effects,
    delays: {
      deliveryBackoff: ({ context }) =>
        Math.min(base * 2 ** Math.max(0, context.deliveryAttempts - 1), 30_000),
    },
  });
  const dedupe =
    config.conversation.dedupeWindowMs > 0
      ? new LmdbDeduper(store, config.conversation.dedupeWindowMs)
      : undefined;
  // Timers fire through the bus, so they are serialised with the person's own messages.
  const fireTimer = (entry: TimerEntry) =>
    bus.publish({
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
  // One node: timers in LMDB, done once their turn persisted. Cluster: timers in NATS KV, so a worker
  // that dies takes none with it; any worker fires a due one (the partition owner handles it).
  const timers: DurableTimers | SharedTimers = cluster
    ? await SharedTimers.open(cluster.nc, {
        clock,
        log: log.child({ component: 'timers' }),
        replicas: config.cluster.replicas,
        fire: fireTimer,
      })
    : new DurableTimers(store, clock, log.child({ component: 'timers' }), fireTimer);
  const supervisor = new ConversationSupervisor({
    onHuman: handoff.onHuman,
    onPublished: (event) => handoff.published(event),
    machine,
    store: turnStore,
    bus,
    tenants,
    clock,
    log,
    timers,
    ...(dedupe ? { dedupe } : {}),
    sessionTimeoutMs: config.conversation.sessionTimeoutMs,
    followUpAfterMs: config.conversation.followUpAfterMs,
    handoffDeadlineMs: config.conversation.handoffDeadlineMs,
    guard: (text) =>
      judge
        ? detector.inspectWithJudge(text, judge, {
            signal: AbortSignal.timeout(config.security.judgeTimeoutMs),
          })
        : detector.inspect(text),
    flood,
    onFlood: (message, outcome, muteStarted) => {
      if (!muteStarted) metrics.rejected.inc({ code: outcome });
      if (muteStarted)
        audit.append({
          type: 'user.muted',
          person: message.conversationId,
          tenantId: message.tenantId,
          data: { channel: message.channel, muteMs: config.security.muteMs },
        });
    },
    onGuard: (message, { verdict, score, reasons }) => {
      metrics.threats.inc({ verdict });
      audit.append({
        type: verdict === 'block' ? 'message.blocked' : 'message.flagged',
        person: message.conversationId,
        tenantId: message.tenantId,
        data: { channel: message.channel, score, reasons: reasons.slice(0, 5).join(' ') },
      });
    },
    ...(config.memory.insights ? { onPassivated: queueInsights(bus, clock, log) } : {}),
    onIdleWork: async (message) => {
      await intelligence.run(message.conversationId, message.tenantId);
    },
    onHandoffOverdue: (message) => {
      metrics.handoffsOverdue.inc();
      audit.append({
        type: 'handoff.overdue',
        person: message.conversationId,
        tenantId: message.tenantId,
        data: { channel: message.channel, deadlineMs: config.conversation.handoffDeadlineMs },
      });
    },
    // One deadline per turn, inside the REST channel's wait, so every turn is answered in time.
    turnTimeoutMs: Math.max(1000, config.server.restReplyTimeoutMs - 1000 - config.bus.coalesceMs),
    idleTimeoutMs: config.supervisor.idleTimeoutMs,
    restartIntensity: {
      maxRestarts: config.supervisor.maxRestarts,
      withinMs: config.supervisor.withinMs,
      backoffMs: config.supervisor.backoffMs,
    },
    onRestart: () => metrics.restarts.inc(),
    onActorReady: ({ how, ms }) => metrics.actorReadySeconds.observe({ how }, ms / 1000),
    onEscalate: ({ message, restarts }) => {
      metrics.escalations.inc();
      audit.append({
        type: 'conversation.escalated',
        person: message.conversationId,
        tenantId: message.tenantId,
        data: { channel: message.channel, messageId: message.id, restarts },
      });
    },
    maxDeliveryAttempts: config.conversation.deliveryAttempts,
    onTurn: ({ conversationId, channel, state, ms, replies, failed, intents, turn, language }) => {
      metrics.turnSeconds.observe({ channel }, ms / 1000);
      if (!failed) void consolidator.maybeConsolidate(conversationId, turn, language);
      if (intents.includes('confirm_human_handoff'))
        audit.append({
          type: 'handoff.requested',
          person: conversationId,
          tenantId: conversationId.split(':')[0]!,
          data: { channel },
        });
      metrics.repliesSent.inc({ channel }, replies);
      if (failed) metrics.turnFailures.inc();
      // A conversation that ended gives its key back at once; others keep it until idle.
      if (pool && ENDED_STATES.has(state)) pool.release(conversationId, 'ended');
    },
  });
  // Roles: a gateway runs channels and HTTP only; a worker runs conversations only.
  if (role !== 'gateway') {
    bus.consume((message, delivery) => supervisor.handle(message, delivery));
    supervisor.start();
    await timers.start();
  }
  const publisher = cluster
    ? new MetricsPublisher({
        link: cluster.metricsLink,
        nodeId: config.nodeId,
        role,
        report: () => metrics.report(),
        cluster: () => cluster.bus.clusterStats(),
        everyMs: config.cluster.metricsEveryMs,
        log: log.child({ component: 'metrics' }),
      })
    : undefined;
  publisher?.start();
  undo.push(() => publisher?.close());
  undo.push(
    () => supervisor.stop(),
    () => timers.close(),
    () => bus.close(),
  );

  const pruneTimer = setInterval(() => {
    try {
      dedupe?.prune(clock.now());
      flood.prune(clock.now());
    } catch (error) {
      log.error({ err: errorMessage(error) }, 'pruning old message ids failed; it runs again later');
    }
  }, 10 * 60_000);
  pruneTimer.unref();
  const ttl = config.retention.conversationTtlMs;
  const retain = async () => {
    if (ttl <= 0) return;
    try {
      const purged = await store.purgeConversationsBefore(clock.now() - ttl);
      if (purged > 0) log.info({ purged, ttlMs: ttl }, 'retention: deleted old conversations (leads kept)');
    } catch (error) {
      log.error({ err: errorMessage(error) }, 'retention sweep failed; it runs again later');
    }
  };
  await retain();
  const retentionTimer = setInterval(() => void retain(), config.retention.sweepEveryMs);
  retentionTimer.unref();
  undo.push(
    () => clearInterval(pruneTimer),
    () => clearInterval(retentionTimer),
  );
  // A gateway's de-duplication learns that a message was handled from the worker's turn.completed.
  if (cluster && role !== 'worker' && dedupe)
    bus.subscribeOutbound((event) => {
      if (event.type === 'turn.completed') dedupe.confirm(event.conversationId, event.inReplyTo, clock.now());
    });
  /** Cluster mode: every node's leads (shared), for privacy requests that must find all of them. */
  const everyLead = async () => (sharedLeads ? await sharedLeads.listLeads() : []);
  /**
   * A person's conversations and leads: local, shared leads, and (cluster mode) a conversation id
   * whose state only the shared replica holds (no lead yet, handled on a worker).
   */
  const clusterFind = async (query: { id: string; tenantId?: string }) => {
    const shared = await everyLead();
    const found = contacts.find(query, shared);
    const inTenant = !query.tenantId || query.id.startsWith(`${query.tenantId}:`);
    if (replica && inTenant && !found.conversationIds.includes(query.id) && (await replica.load(query.id)))
      return { ...contacts.find(query, shared, [query.id]), shared };
    return { ...found, shared };
  };
  if (erasures) {
    // Erasures this node missed while it was down: its local copies older than the marker go.
    const local = new Map(contacts.localConversations().map((c) => [erasureKey(c.conversationId), c]));
    await erasures.start((key, at) => {
      const copy = local.get(key);
      if (!copy || copy.updatedAt > at) return;
      local.delete(key);
      supervisor.evict(copy.conversationId);
      const erased = contacts.erase({ id: copy.conversationId }, [], [copy.conversationId]);
      log.info({ ...erased }, 'privacy erasure missed while away applied here');
    });
  }
  if (cluster) {
    // Another node erased a person: drop them from memory and erase the local copies here too.
    cluster.nc.subscribe(ERASE_SUBJECT, {
      callback: (error, msg) => {
        if (error) return;
        try {
          const request = JSON.parse(msg.string()) as {
            query: { id: string; tenantId?: string };
            conversationIds: string[];
            from: string;
          };
          if (request.from === config.nodeId) return;
          for (const id of request.conversationIds) supervisor.evict(id);
          const erased = contacts.erase(request.query, [], request.conversationIds);
          log.info(
            { from: request.from, ...erased },
            'privacy erasure requested by another node applied here',
          );
        } catch (cause) {
          log.error({ err: errorMessage(cause) }, 'could not apply an erasure from another node');
        }
      },
    });
  }
  const intake: Intake = {
    ...(dedupe ? { dedupe } : {}),
    onDuplicate: () => metrics.rejected.inc({ code: 'duplicate' }),
    bus,
    clock,
    tenants,
    defaultTenant: config.defaultTenant,
    maxInputChars: config.conversation.maxInputChars,
    onAccepted: (channel) => metrics.messagesReceived.inc({ channel }),
    onRejected: (code) => metrics.rejected.inc({ code }),
  };

  let app: FastifyInstance | undefined;
  let web: WebChannel | undefined;
  let url: string | undefined;
  let channels: MessagingChannel[] = [];
  if (options.http !== false) {
    app = await createHttpServer({
      log,
      store: leadStore,
      metrics,
      tenants,
      defaultTenant: config.defaultTenant,
      adminToken: admin.token,
      bodyLimitBytes: config.server.bodyLimitBytes,
      wsMaxPayloadBytes: config.server.wsMaxPayloadBytes,
      contacts: {
        found: async (query) => (await clusterFind(query)).conversationIds.length > 0,
        export: async (query) => {
          const { conversationIds, shared } = await clusterFind(query);
          const exported = contacts.export(query, clock.now(), shared, conversationIds);
          // Cluster mode: state handled on workers comes from the shared replica.
          for (const id of conversationIds) {
            if (!replica || exported.conversations.some((c) => c.record.conversationId === id)) continue;
            const remote = await replica.load(id);
            if (remote) exported.conversations.push({ record: remote.conversation, history: remote.history });
          }
          return exported;
        },
        erase: async (query) => {
          const { conversationIds, leads, shared } = await clusterFind(query);
          for (const id of conversationIds) supervisor.evict(id);
          if (cluster) {
            // A durable marker first (a node that is down applies it when it is back), then the shared
            // copies go, and every connected node erases its own local copies now.
            for (const id of conversationIds) await erasures?.mark(id, clock.now());
            for (const id of conversationIds) {
              await replica?.remove(id);
              if (timers instanceof SharedTimers) await timers.forget(id);
            }
            for (const lead of leads) await sharedLeads?.removeLead(lead.tenant_id, lead.lead_id);
            cluster.nc.publish(
              ERASE_SUBJECT,
              JSON.stringify({ query, conversationIds, from: config.nodeId }),
            );
          }
          const result = contacts.erase(query, shared, conversationIds);
          // What went from the shared copies counts too (this node may hold no local copy).
          return {
            ...result,
            conversations: Math.max(result.conversations, conversationIds.length),
            leads: Math.max(result.leads, leads.length),
          };
        },
      },
      health: () => ({
        node_id: config.nodeId,
        model: model.name,
        llm_keys: pool?.keyIds.length ?? 0,
        bus: cluster ? `nats (${role})` : 'in-process',
        ...(cluster ? { cluster: cluster.bus.clusterStats() } : {}),
        live_conversations: supervisor.liveCount,
        websockets: web?.connections ?? 0,
        channels: Object.fromEntries(channels.map((c) => [c.name, c.status()])),
        tenants: [...tenants.keys()],
      }),
    });
    undo.push(() => app?.close());
    if (role !== 'worker') {
      handoff.attach(app);
      web = new WebChannel(intake, {
        log,
        ...(cluster
          ? {
              link: {
                status: () => cluster.bus.status,
                onStatus: (listener: (status: 'connected' | 'reconnecting' | 'disconnected') => void) =>
                  cluster.bus.onStatus(listener),
              },
            }
          : {}),
        ...(pool
          ? { onDisconnect: (conversationId: string) => void pool.release(conversationId, 'disconnected') }
          : {}),
      });
      web.register(app);
      undo.push(() => web?.close());
      registerRestChannel(app, intake, {
        replyTimeoutMs: config.server.restReplyTimeoutMs,
        repliesTo: repliesFromHistory(turnStore),
      });
      channels = createMessagingChannels({ config, intake, log, clock, store: leadStore, app });
    }
    undo.push(async () => {
      for (const channel of channels) await channel.close();
    });
    await app.listen({ host: config.server.host, port: config.server.port });
    for (const channel of channels) await channel.start();
    const address = app.server.address();
    const port = typeof address === 'object' && address ? address.port : config.server.port;
    url = `http://${config.server.host.includes(':') ? `[${config.server.host}]` : config.server.host}:${port}`;
    log.info(
      {
        url,
        dataDir: config.dataDir,
        tenants: [...tenants.keys()],
        model: model.name,
        llm: pool
          ? `${config.llm.baseUrl} with ${pool.keyIds.length} key(s): ${pool.keyIds.join(', ')}`
          : 'no LEADBOT_LLM_KEYS: built-in model',
        crm: config.crm.webhookUrl
          ? new URL(config.crm.webhookUrl).origin
          : 'no webhook: leads are stored and listed at /api/leads',
        bus: cluster ? `nats ${redactUrl(config.cluster.natsUrl!)} (role ${role})` : 'in-process',
        adminToken: admin.file ? `in ${admin.file}` : 'from LEADBOT_ADMIN_TOKEN',
      },
      'leadbot listening',
    );
    if (admin.generated)
      log.warn(
        { file: admin.file },
        'LEADBOT_ADMIN_TOKEN is not set: generated an admin token for /api/*; read it from the file',
      );
  }

  let closing: Promise<void> | undefined;
  const close = () =>
    (closing ??= (async () => {
      log.info('shutting down: intake stops, in-flight turns finish, state is persisted');
      // New messages are refused (shutting_down) while in-flight turns finish and their replies
      // still reach open sockets; only then do the sockets close.
      await publisher?.close();
      timers.close();
      await bus.drain();
      clearInterval(pruneTimer);
      clearInterval(retentionTimer);
      web?.close();
      for (const channel of channels) await channel.close();
      await app?.close();
      supervisor.stop();
      await consolidator.idle();
      await dispatcher?.close();
      await pool?.close();
      audit.checkpoint();
      await cluster?.close();
      await store.close();
      log.info('stopped');
    })());

  const node: Leadbot = {
    config,
    bus,
    store,
    intake,
    supervisor,
    skills,
    audit,
    memory: { consolidator, summaries, intelligence },
    adminToken: admin.token,
    close,
  };
  if (pool) node.pool = pool;
  if (url) node.url = url;
  if (app) node.app = app;
  return node;
}

/** `npm start`: load config, start, stop cleanly on SIGINT/SIGTERM. */
async function main(): Promise<void> {
  let config: Readonly<Config>;
  try {
    config = loadConfig();
  } catch (error) {
    process.stderr.write(`leadbot: ${errorMessage(error)}\n`);
    process.exit(78);
  }
  let node: Leadbot;
  try {
    node = await startLeadbot(config);
  } catch (error) {
    const code = error instanceof LeadbotError ? ` [${error.code}]` : '';
    process.stderr.write(`leadbot: could not start${code}: ${errorMessage(error)}\n`);
    process.exit(error instanceof LeadbotError && error.code === 'config_invalid' ? 78 : 1);
  }
  let signals = 0;
  const stop = (signal: NodeJS.Signals) => {
    if (++signals > 1) {
      process.stderr.write(`leadbot: second ${signal}, exiting now\n`);
      process.exit(130);
    }
    node.close().then(
      () => process.exit(0),
      (error: unknown) => {
        process.stderr.write(`leadbot: shutdown failed: ${errorMessage(error)}\n`);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

const entry = process.argv[1];
if (entry && import.meta.url === pathToFileURL(realpathSync(entry)).href) {
  void main();
}
