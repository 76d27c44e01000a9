import { z } from 'zod';
import { ConfigError } from '../errors.ts';

/** `HH:MM`, 24-hour clock. */
const Clock = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'HH:MM (24-hour)');

/** Opening hours of the team that takes human handoffs, in the tenant's own timezone. */
export const BusinessHoursSchema = z
  .object({
    /** IANA zone, e.g. `America/Mexico_City`. */
    timezone: z.string().refine(validZone, 'an IANA timezone such as America/Mexico_City'),
    /** ISO weekdays the team works: 1 = Monday … 7 = Sunday. */
    days: z.array(z.number().int().min(1).max(7)).min(1).default([1, 2, 3, 4, 5]),
    open: Clock.default('09:00'),
    close: Clock.default('18:00'),
  })
  .strict()
  .refine((h) => h.open < h.close, { message: 'open must be before close', path: ['close'] });
export type BusinessHours = z.infer<typeof BusinessHoursSchema>;

const WebhookUrl = z
  .url()
  .refine(httpsOrLoopback, 'https:// (plain http only to a loopback host, for tests)');

/** Where one level of alerts goes. */
const TargetsSchema = z
  .object({
    /** Slack incoming webhook (`https://hooks.slack.com/services/…`). */
    slackWebhookUrl: WebhookUrl.optional(),
    /** Microsoft Teams Workflows webhook (Adaptive Card). */
    teamsWebhookUrl: WebhookUrl.optional(),
    /** Slack app channel (needs `LEADBOT_SLACK_BOT_TOKEN`): the alert gets buttons and a thread. */
    slackChannel: z.string().min(1).optional(),
  })
  .strict();
export type AlertTargets = z.infer<typeof TargetsSchema>;

/** `handoff` in a tenant's `tenant.json`: its own alert targets and SLA. */
export const TenantHandoffSchema = TargetsSchema.extend({
  /** Second-level alert targets when nobody took the case within the deadline (default: the same). */
  escalation: TargetsSchema.optional(),
  /** Hot leads also go to a person (live sales follow-up), not only critical support. */
  liveFollowUp: z.boolean().default(false),
  businessHours: BusinessHoursSchema.optional(),
  /** What the prospect is told when a case is escalated ("within about N minutes"). */
  expectedMinutes: z.number().int().min(1).max(1440).default(30),
}).strict();
export type TenantHandoff = z.infer<typeof TenantHandoffSchema>;

/** An operator of the console / API: a name, a token, optionally one tenant. */
export interface OperatorToken {
  name: string;
  token: string;
  /** Only this tenant's conversations (unset: all tenants). */
  tenant?: string;
}

/** Env-only handoff settings (secrets never come from files that may be committed). */
export interface HandoffEnv {
  /** `LEADBOT_SLACK_WEBHOOK_URL`: single-tenant shortcut for every tenant without its own. */
  slackWebhookUrl?: string;
  /** `LEADBOT_TEAMS_WEBHOOK_URL`. */
  teamsWebhookUrl?: string;
  /** `LEADBOT_SLACK_BOT_TOKEN` (`xoxb-…`), `LEADBOT_SLACK_SIGNING_SECRET`, `LEADBOT_SLACK_CHANNEL`. */
  slackBotToken?: string;
  slackSigningSecret?: string;
  slackChannel?: string;
  /** `LEADBOT_SLACK_API_BASE` (tests point it at a fake Slack). */
  slackApiBase?: string;
  /** `LEADBOT_OPERATOR_TOKENS`: `Marta=tok1,Luis@acme=tok2` (`@tenant` scopes a token to one tenant). */
  operators: OperatorToken[];
}

/** Reads and checks the handoff environment; a bad value stops the start with a clear message. */
export function handoffFromEnv(env: Record<string, string | undefined>): HandoffEnv {
  const get = (name: string) => env[name]?.trim() || undefined;
  const out: HandoffEnv = { operators: parseOperators(get('LEADBOT_OPERATOR_TOKENS')) };
  for (const [key, name] of [
    ['slackWebhookUrl', 'LEADBOT_SLACK_WEBHOOK_URL'],
    ['teamsWebhookUrl', 'LEADBOT_TEAMS_WEBHOOK_URL'],
    ['slackApiBase', 'LEADBOT_SLACK_API_BASE'],
  ] as const) {
    const value = get(name);
    if (value === undefined) continue;
    if (!WebhookUrl.safeParse(value).success)
      throw new ConfigError(`${name} must be an https:// URL (plain http only to a loopback host).`);
    out[key] = value;
  }
  const token = get('LEADBOT_SLACK_BOT_TOKEN');
  const secret = get('LEADBOT_SLACK_SIGNING_SECRET');
  const channel = get('LEADBOT_SLACK_CHANNEL');
  if (token && !secret)
    throw new ConfigError(
      'LEADBOT_SLACK_BOT_TOKEN is set: set LEADBOT_SLACK_SIGNING_SECRET too (it signs Slack events).',
    );
  if (token) out.slackBotToken = token;
  if (secret) out.slackSigningSecret = secret;
  if (channel) out.slackChannel = channel;
  return out;
}

function parseOperators(value: string | undefined): OperatorToken[] {
  if (!value) return [];
  return value.split(',').map((pair, i) => {
    const at = pair.indexOf('=');
    const who = pair.slice(0, at).trim();
    const token = pair.slice(at + 1).trim();
    const [name, tenant] = who.split('@').map((s) => s.trim());
    if (at < 1 || !name || token.length < 16)
      throw new ConfigError(
        `LEADBOT_OPERATOR_TOKENS entry ${i + 1} must be name=token or name@tenant=token, with a token of 16+ characters.`,
      );
    return { name, token, ...(tenant ? { tenant } : {}) };
  });
}

function validZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

function httpsOrLoopback(value: string): boolean {
  const url = new URL(value);
  const loopback = /^(127\.\d+\.\d+\.\d+|localhost|\[::1\])$/.test(url.hostname);
  return url.protocol === 'https:' || (url.protocol === 'http:' && loopback);
}
