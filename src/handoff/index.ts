import type { FastifyInstance } from 'fastify';
import { LmdbOutbox } from '../adapters/lmdb-outbox.ts';
import type { OutboxStatus } from '../ports/outbox.ts';
import type { LmdbStore } from '../adapters/lmdb-store.ts';
import type { AuditLog } from '../audit/audit-log.ts';
import type { Config } from '../config/schema.ts';
import type { TenantConfig } from '../config/tenant.ts';
import type { Logger } from '../logger.ts';
import type { TeamAlerts } from '../ports/alerts.ts';
import type { Bus } from '../ports/bus.ts';
import type { Clock } from '../ports/clock.ts';
import type { Store } from '../ports/store.ts';
import type { OutboundEvent } from '../protocol/index.ts';
import type { HumanAction } from '../runtime/human-commands.ts';
import { OutboxDispatcher } from '../runtime/outbox-dispatcher.ts';
import { HandoffAlerts } from './alerts.ts';
import { registerConsole } from './console.ts';
import { registerOperatorApi } from './operator-api.ts';
import { registerStateApi } from './state-api.ts';
import { OperatorAuth } from './operators.ts';
import { HandoffRegistry, type QueueItem } from './registry.ts';
import { SlackApi } from './slack-api.ts';
import { SlackApp, type SlackThreadRow } from './slack-app.ts';

export interface HandoffDeps {
  /** The node's LMDB environment (queue, alert outbox, Slack threads). */
  store: LmdbStore;
  /** Conversations and history (replicated in cluster mode). */
  turnStore: Store;
  /** Leads (shared in cluster mode). */
  leadStore: Store;
  bus: Bus;
  tenants: ReadonlyMap<string, TenantConfig>;
  clock: Clock;
  log: Logger;
  audit: AuditLog;
  admin: { token: string };
}

export interface Handoff {
  /** The conversation machine's `alertTeam` effect. */
  alerts: TeamAlerts;
  /** The supervisor's audit hook for operators' actions. */
  onHuman: (action: HumanAction) => void;
  /** Every event this node publishes (the supervisor's hook): Slack thread copies start here. */
  published(event: OutboundEvent): void;
  /** A person was erased: the in-memory queue forgets their conversations. */
  forget(conversationIds: readonly string[]): void;
  /** The team-alert outbox (Slack, Teams): counts, oldest undelivered, whether the targets answer. */
  alertsStatus(): Promise<OutboxStatus>;
  /** Adds the operator API, the console and (when configured) the Slack app routes. */
  attach(app: FastifyInstance): void;
  close(): Promise<void>;
}

const AUDIT_TYPE = {
  'human.takeover': 'handoff.takeover',
  'human.message': 'handoff.operator_message',
  'human.release': 'handoff.released',
  'human.close': 'handoff.closed',
  'human.lead': 'handoff.lead_edited',
} as const;

type HandoffEnv = Config['handoff'];

/** The Slack Web API client (with a bot token) and the Slack app (with a signing secret too). */
function slackOf(
  env: HandoffEnv,
  deps: HandoffDeps,
  log: Logger,
): { slack: SlackApi | undefined; slackApp: SlackApp | undefined } {
  const slack = env.slackBotToken
    ? new SlackApi({ token: env.slackBotToken, ...(env.slackApiBase ? { apiBase: env.slackApiBase } : {}) })
    : undefined;
  const slackApp =
    slack && env.slackSigningSecret
      ? new SlackApp({
          api: slack,
          signingSecret: env.slackSigningSecret,
          bus: deps.bus,
          store: deps.turnStore,
          threads: deps.store.database<SlackThreadRow, string>('handoff_slack_threads'),
          clock: deps.clock,
          log,
        })
      : undefined;
  return { slack, slackApp };
}

/** Team alerts through the durable `alerts` outbox, sent (and retried) by its dispatcher. */
function alertPipeline(
  env: HandoffEnv,
  deps: HandoffDeps,
  log: Logger,
  slack: { slack: SlackApi | undefined; slackApp: SlackApp | undefined },
  publicUrl: string | undefined,
): { alerts: HandoffAlerts; dispatcher: OutboxDispatcher; outbox: LmdbOutbox } {
  const { slackApp } = slack;
  const outbox = new LmdbOutbox({ store: deps.store, clock: deps.clock, name: 'alerts' });
  const alerts = new HandoffAlerts({
    outbox,
    notify: () => dispatcher.notify(),
    tenants: deps.tenants,
    env,
    clock: deps.clock,
    log,
    slack: slack.slack,
    ...(publicUrl ? { consoleUrl: (id: string) => `${publicUrl}/console#c=${encodeURIComponent(id)}` } : {}),
    ...(slackApp ? { onSlackPosted: (alert, posted) => slackApp.remember(alert, posted) } : {}),
  });
  const dispatcher = new OutboxDispatcher({
    outbox,
    clock: deps.clock,
    log,
    send: (entry) => alerts.send(entry),
    maxAttempts: 8,
    baseBackoffMs: 1000,
    maxBackoffMs: 5 * 60_000,
  });
  return { alerts, dispatcher, outbox };
}

/** Says at start-up where alerts go (or that cases only wait in the console). */
function logAlertTargets(
  env: HandoffEnv,
  tenants: ReadonlyMap<string, TenantConfig>,
  slackApp: SlackApp | undefined,
  log: Logger,
): void {
  const own = [...tenants.values()].filter((t) => t.handoff).map((t) => t.id);
  const targets = [
    env.slackWebhookUrl && 'Slack webhook',
    env.teamsWebhookUrl && 'Teams webhook',
    slackApp && `Slack app (${env.slackChannel ?? 'channel per tenant'})`,
  ].filter(Boolean);
  log.info(
    {
      alerts: targets.length ? targets.join(', ') : 'none from the environment',
      tenantsWithOwnTargets: own,
      operators: env.operators.map((o) => o.name),
    },
    targets.length || own.length
      ? 'human handoff: alerts configured; operators work in /console'
      : 'human handoff: no alert target (set LEADBOT_SLACK_WEBHOOK_URL or LEADBOT_TEAMS_WEBHOOK_URL); cases wait in /console and prospects are told how they will be contacted',
  );
}

/** Records an operator's action in the audit log. */
function auditHuman(audit: AuditLog, action: HumanAction): ReturnType<AuditLog['append']> {
  return audit.append({
    type: AUDIT_TYPE[action.kind],
    person: action.conversationId,
    tenantId: action.tenantId,
    data: {
      // Operators are staff, named for accountability; the prospect stays a pseudonym.
      operator: action.operator,
      previousOwner: action.previousOwner,
      reassigned: action.previousOwner !== null && action.previousOwner !== action.operator,
      ...(action.fields ? { fields: action.fields.join(' ') } : {}),
    },
  });
}

/**
 * Human handoff: alerts to Slack / Teams / a Slack app through a durable outbox, the queue, the
 * operator API and console, and the audit of what operators do.
 */
export function createHandoff(config: Config, deps: HandoffDeps): Handoff {
  const env = config.handoff;
  const log = deps.log.child({ module: 'handoff' });
  const slack = slackOf(env, deps, log);
  const { slackApp } = slack;
  const publicUrl = config.channels.publicUrl?.replace(/\/+$/, '');
  const { alerts, dispatcher, outbox } = alertPipeline(env, deps, log, slack, publicUrl);
  void dispatcher.start();
  const registry = new HandoffRegistry(deps.store.database<QueueItem, string>('handoff_queue'), deps.clock);
  const unsubscribe = deps.bus.subscribeOutbound((event) => {
    registry.observe(event);
    slackApp?.observe(event);
  });
  const auth = new OperatorAuth(deps.admin.token, env.operators, Date.now, deps.tenants);
  logAlertTargets(env, deps.tenants, slackApp, log);
  return {
    alerts,
    onHuman: (action) => auditHuman(deps.audit, action),
    forget: (ids) => registry.forget(ids),
    async alertsStatus() {
      const oldestPendingAt = outbox.oldestPendingAt();
      return {
        ...(await outbox.stats()),
        ...(oldestPendingAt ? { oldestPendingAt } : {}),
        ...dispatcher.state(),
      };
    },
    published: (event) => slackApp?.published(event),
    attach(app) {
      const api = {
        auth,
        bus: deps.bus,
        store: deps.turnStore,
        leads: deps.leadStore,
        registry,
        clock: deps.clock,
      };
      registerOperatorApi(app, api);
      registerStateApi(app, api);
      registerConsole(app, { auth, registry, secureCookies: publicUrl?.startsWith('https:') ?? false });
      slackApp?.register(app);
    },
    async close() {
      unsubscribe();
      await dispatcher.close();
    },
  };
}
