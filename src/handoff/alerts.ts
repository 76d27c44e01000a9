import type { AlertTargets, HandoffEnv, TenantHandoff } from '../config/handoff.ts';
import type { TenantConfig } from '../config/tenant.ts';
import type { Logger } from '../logger.ts';
import type { AlertInput, AlertOutput, TeamAlerts } from '../ports/alerts.ts';
import type { Clock } from '../ports/clock.ts';
import type { Outbox, OutboxEntry, OutboxKind } from '../ports/outbox.ts';
import {
  classify,
  describeFetchError,
  type DeliveryOutcome,
  validateWebhookUrl,
} from '../runtime/outbox-dispatcher.ts';
import { slackMessage, teamsMessage, type HandoffAlert } from './alert-format.ts';
import { backAt } from './business-hours.ts';
import { SlackApiError, type SlackApi } from './slack-api.ts';

/** What an alert entry in the outbox holds: never a URL or token (those are read when sending). */
export interface AlertPayload {
  target: 'slack' | 'teams' | 'slack_app';
  alert: HandoffAlert;
}

export interface AlertsDeps {
  outbox: Outbox;
  /** Wakes the alert dispatcher after an enqueue. */
  notify: () => void;
  tenants: ReadonlyMap<string, TenantConfig>;
  env: HandoffEnv;
  clock: Clock;
  log: Logger;
  /** Link to the conversation in the console (needs `channels.publicUrl`). */
  consoleUrl?: (conversationId: string) => string | undefined;
  slack?: SlackApi | undefined;
  /** A Slack app alert was posted: its thread now belongs to the conversation. */
  onSlackPosted?: (alert: HandoffAlert, posted: { channel: string; ts: string }) => Promise<void>;
  /** How long an alert may take to be accepted before the prospect is told only what is sure. */
  acceptWithinMs?: number;
}

const KIND: Record<AlertPayload['target'], OutboxKind> = {
  slack: 'alert.slack',
  teams: 'alert.teams',
  slack_app: 'alert.slack_app',
};

/**
 * Human handoff alerts through the durable outbox (retried with back-off, idempotent per
 * conversation, level and target, kept across restarts). The prospect is told a person was alerted
 * only once at least one target accepted the alert.
 */
export class HandoffAlerts implements TeamAlerts {
  constructor(private readonly deps: AlertsDeps) {}

  /** The tenant's targets for a level (its own config first, then the env shortcut). */
  targets(tenantId: string, level: 1 | 2): AlertTargets {
    const own: TenantHandoff | undefined = this.deps.tenants.get(tenantId)?.handoff;
    const env = this.deps.env;
    const base: AlertTargets = {
      ...pick(own?.slackWebhookUrl ?? env.slackWebhookUrl, 'slackWebhookUrl'),
      ...pick(own?.teamsWebhookUrl ?? env.teamsWebhookUrl, 'teamsWebhookUrl'),
      ...pick(env.slackBotToken ? (own?.slackChannel ?? env.slackChannel) : undefined, 'slackChannel'),
    };
    if (level === 1 || !own?.escalation) return base;
    const up = own.escalation;
    return {
      ...pick(up.slackWebhookUrl ?? base.slackWebhookUrl, 'slackWebhookUrl'),
      ...pick(up.teamsWebhookUrl ?? base.teamsWebhookUrl, 'teamsWebhookUrl'),
      ...pick(env.slackBotToken ? (up.slackChannel ?? base.slackChannel) : undefined, 'slackChannel'),
    };
  }

  async alert(input: AlertInput): Promise<AlertOutput> {
    const tenant = this.deps.tenants.get(input.tenantId);
    const now = this.deps.clock.now();
    const promise: AlertOutput = {
      alerted: false,
      contactVia: input.lead.email?.value ? 'email' : input.lead.phone?.value ? 'phone' : 'chat',
    };
    const hours = tenant?.handoff?.businessHours;
    const back = hours ? backAt(hours, now, input.language) : undefined;
    if (back) promise.backAt = back;
    if (input.level === 2) promise.expectedMinutes = tenant?.handoff?.expectedMinutes ?? 30;
    const targets = this.targets(input.tenantId, input.level);
    const wanted: AlertPayload['target'][] = [];
    if (targets.slackWebhookUrl) wanted.push('slack');
    if (targets.teamsWebhookUrl) wanted.push('teams');
    if (targets.slackChannel) wanted.push('slack_app');
    if (wanted.length === 0) return promise;
    const alert = this.describe(input, tenant, now);
    const ids: string[] = [];
    for (const target of wanted) {
      const id = `alert:${input.conversationId}:${input.episode}:${input.level}:${target}`;
      await this.deps.outbox.enqueue({
        id,
        tenantId: input.tenantId,
        kind: KIND[target],
        payload: { target, alert },
      });
      ids.push(id);
    }
    this.deps.notify();
    promise.alerted = await this.accepted(ids);
    this.deps.log.info(
      {
        conversationId: input.conversationId,
        level: input.level,
        targets: wanted,
        accepted: promise.alerted,
      },
      'team alerted about a conversation that needs a person',
    );
    return promise;
  }

  /** Sends one alert entry (the dispatcher's `send`). */
  async send(entry: OutboxEntry): Promise<DeliveryOutcome> {
    const { target, alert } = entry.payload as AlertPayload;
    const targets = this.targets(entry.tenantId, alert.level);
    if (target === 'slack_app') return this.postToSlackApp(alert, targets.slackChannel);
    const url = target === 'slack' ? targets.slackWebhookUrl : targets.teamsWebhookUrl;
    if (!url) return { result: 'dead', error: `no ${target} webhook is configured any more` };
    validateWebhookUrl(url);
    const body = target === 'slack' ? slackMessage(alert) : teamsMessage(alert);
    try {
      const response = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
        redirect: 'manual',
        signal: AbortSignal.timeout(10_000),
      });
      await response.body?.cancel().catch(() => undefined);
      return classify(response, this.deps.clock.now());
    } catch (error) {
      return { result: 'retry', error: describeFetchError(error, 10_000) };
    }
  }

  private async postToSlackApp(alert: HandoffAlert, channel: string | undefined): Promise<DeliveryOutcome> {
    if (!this.deps.slack || !channel)
      return { result: 'dead', error: 'the Slack app is not configured any more' };
    try {
      const posted = await this.deps.slack.postMessage({
        channel,
        ...slackMessage(alert, { buttons: true }),
      });
      await this.deps.onSlackPosted?.(alert, posted);
      return { result: 'delivered', status: 200 };
    } catch (error) {
      if (error instanceof SlackApiError)
        return error.retryable
          ? {
              result: 'retry',
              error: `slack ${error.code}`,
              ...(error.retryAfterMs ? { retryAfterMs: error.retryAfterMs } : {}),
            }
          : { result: 'dead', error: `slack ${error.code}` };
      return { result: 'retry', error: 'slack request failed' };
    }
  }

  /** Waits (briefly) until one of the entries was delivered. */
  private async accepted(ids: string[]): Promise<boolean> {
    const until = Date.now() + (this.deps.acceptWithinMs ?? 3000);
    for (;;) {
      for (const id of ids) if ((await this.deps.outbox.get(id))?.status === 'delivered') return true;
      if (Date.now() >= until) return false;
      await new Promise((resolve) => setTimeout(resolve, 40));
    }
  }

  private describe(input: AlertInput, tenant: TenantConfig | undefined, now: number): HandoffAlert {
    const lead = input.lead;
    const consoleUrl = this.deps.consoleUrl?.(input.conversationId);
    return {
      conversationId: input.conversationId,
      tenantId: input.tenantId,
      companyName: tenant?.companyName ?? input.tenantId,
      channel: input.channel,
      ...optional('name', lead.name?.value),
      ...optional('company', lead.company?.value),
      ...optional('email', lead.email?.value),
      ...optional('phone', lead.phone?.value ?? lead.username),
      urgency: input.urgency,
      qualification: input.qualification === 'warm_lead' ? 'hot_lead' : input.qualification,
      interestArea: input.interestArea,
      ...optional('problem', lead.problem?.value),
      ...optional('reference', input.reference),
      waitingSeconds: Math.max(0, Math.round((now - input.startedAt) / 1000)),
      ...optional('consoleUrl', consoleUrl),
      reason: input.reason,
      level: input.level,
      // The team reads alerts in the tenant's language, whatever the prospect writes in.
      language: tenant?.defaultLanguage ?? 'es',
    };
  }
}

function pick<K extends keyof AlertTargets>(value: string | undefined, key: K): Partial<AlertTargets> {
  return value ? { [key]: value } : {};
}

function optional<K extends string>(key: K, value: string | undefined): Partial<Record<K, string>> {
  return value ? ({ [key]: value } as Record<K, string>) : {};
}
