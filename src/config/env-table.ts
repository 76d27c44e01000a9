import { ConfigError } from '../errors.ts';
import type { Config } from './schema.ts';

/**
 * Every environment variable leadbot reads, with the setting it fills and how its text is parsed. The
 * loader reads settings and channel secrets from this table, and `npm run docs:config` documents it.
 */
function parseBool(name: string, value: string): boolean {
  if (/^(1|true|yes|on)$/i.test(value)) return true;
  if (/^(0|false|no|off)$/i.test(value)) return false;
  throw new ConfigError(`Environment variable ${name}="${value}" must be true or false.`);
}

function parseInteger(name: string, value: string): number {
  if (!/^\d+$/.test(value))
    throw new ConfigError(`Environment variable ${name}="${value}" must be a whole number.`);
  return Number(value);
}

/** How one environment variable's text becomes a setting's value (throws `ConfigError` when it cannot). */
type EnvParse = (name: string, value: string) => unknown;

export const asText: EnvParse = (_name, value) => value;

function asPort(name: string, value: string): number {
  if (!/^\d+$/.test(value))
    throw new ConfigError(`Environment variable ${name}="${value}" must be a port number (0-65535).`);
  return Number(value);
}

/** `LEADBOT_REPLY_EMOJIS`: comma-separated channel names; `none` (or nothing) for no channel. */
function asChannelList(_name: string, value: string): string[] {
  return value
    .split(',')
    .map((s) => s.trim().toLowerCase())
    .filter((s) => s !== '' && s !== 'none');
}

/** A comma-separated list, blanks dropped. */
function asList(_name: string, value: string): string[] {
  return value
    .split(',')
    .map((name) => name.trim())
    .filter(Boolean);
}

/** Where an environment-only variable is listed in docs/configuration.md. */
export type EnvSection = 'general' | 'server' | 'llm' | 'crm' | 'channels' | 'handoff';

/** One environment variable leadbot reads. */
export interface EnvVariable {
  name: string;
  /** The setting it fills, as a dot path into `SettingsSchema` (its description and default come from there). */
  setting?: string;
  /** How the text becomes the value (default: the text as it is). */
  parse?: EnvParse;
  /** Applied when set to the empty string too (default: an empty value counts as unset). */
  emptyApplies?: boolean;
  /** For a variable that fills no setting (a secret, a credential, a file path): what it does. */
  description?: string;
  /** For a variable that fills no setting: the section of docs/configuration.md it is listed in. */
  section?: EnvSection;
  /** For a channel credential: the `Config['secrets']` field it fills (blank values ignored). */
  secret?: keyof Config['secrets'];
}

/**
 * Every environment variable leadbot reads, in the order they are applied. The loader reads settings
 * through this table and `npm run docs:config` writes docs/configuration.md from it, so the two cannot
 * drift. Variables without `setting` are read where their `description` says (secrets here,
 * the handoff ones in `handoff.ts`).
 */
export const ENV_VARIABLES: readonly EnvVariable[] = [
  { name: 'HOST', setting: 'server.host' },
  { name: 'PORT', setting: 'server.port', parse: asPort },
  { name: 'LEADBOT_DATA_DIR', setting: 'dataDir' },
  { name: 'LEADBOT_TENANTS_DIR', setting: 'tenantsDir' },
  { name: 'LEADBOT_DEFAULT_TENANT', setting: 'defaultTenant' },
  { name: 'LEADBOT_NODE_ID', setting: 'nodeId' },
  { name: 'LEADBOT_LOG_LEVEL', setting: 'log.level' },
  { name: 'LEADBOT_LOG_CONTENT', setting: 'log.content', parse: parseBool },
  { name: 'LEADBOT_LOG_PRETTY', setting: 'log.pretty', parse: parseBool },
  { name: 'LEADBOT_INSPECT', setting: 'inspect.enabled', parse: parseBool },
  { name: 'LEADBOT_INSPECT_URL', setting: 'inspect.url' },
  { name: 'LEADBOT_INSPECT_PORT', setting: 'inspect.port', parse: parseInteger },
  { name: 'LEADBOT_REPLY_EMOJIS', setting: 'model.emojiChannels', parse: asChannelList, emptyApplies: true },
  { name: 'LEADBOT_LLM_BASE_URL', setting: 'llm.baseUrl' },
  { name: 'LEADBOT_LLM_MODEL', setting: 'llm.model' },
  { name: 'LEADBOT_LLM_RPM', setting: 'llm.rpm', parse: parseInteger },
  { name: 'LEADBOT_LLM_TPM', setting: 'llm.tpm', parse: parseInteger },
  { name: 'LEADBOT_LLM_THINKING', setting: 'llm.thinking', parse: parseBool },
  { name: 'LEADBOT_CRM_WEBHOOK_URL', setting: 'crm.webhookUrl' },
  { name: 'LEADBOT_NATS_URL', setting: 'cluster.natsUrl' },
  { name: 'LEADBOT_ROLE', setting: 'cluster.role' },
  { name: 'LEADBOT_PUBLIC_URL', setting: 'channels.publicUrl' },
  { name: 'LEADBOT_CHANNELS', setting: 'channels.enabled', parse: asList },
  { name: 'LEADBOT_TELEGRAM_API_ROOT', setting: 'channels.telegram.apiRoot' },
  { name: 'LEADBOT_WHATSAPP_API_BASE', setting: 'channels.whatsapp.apiBase' },
  { name: 'LEADBOT_TWILIO_API_BASE', setting: 'channels.twilio.apiBase' },
  {
    name: 'LEADBOT_CONFIG',
    section: 'general',
    description:
      'Path of an extra JSON settings file, merged over `config/default.json` (environment variables still win).',
  },
  {
    name: 'LEADBOT_ADMIN_TOKEN',
    section: 'server',
    description:
      'Bearer token for `/api/*` and the console. Unset: one is generated on first start and kept in `<dataDir>/admin-token` (mode 600).',
  },
  {
    name: 'LEADBOT_LLM_KEYS',
    section: 'llm',
    description:
      'LLM API keys: `sk-a,sk-b` or `name=sk-a,other=sk-b` (names appear in metrics; secrets never do). Unset: the built-in model.',
  },
  {
    name: 'LEADBOT_CRM_WEBHOOK_SECRET',
    section: 'crm',
    description: 'HMAC key of the webhook signature (required with `crm.webhookUrl`).',
  },
  {
    name: 'LEADBOT_TELEGRAM_TOKEN',
    section: 'channels',
    secret: 'telegramToken',
    description: 'Telegram: the bot token from @BotFather. Turns the channel on (long polling).',
  },
  {
    name: 'LEADBOT_TELEGRAM_WEBHOOK_SECRET',
    section: 'channels',
    secret: 'telegramWebhookSecret',
    description:
      'Telegram: webhook mode with this `secret_token` (1–256 characters A-Z, a-z, 0-9, `_`, `-`); long polling otherwise.',
  },
  {
    name: 'LEADBOT_WHATSAPP_TOKEN',
    section: 'channels',
    secret: 'whatsappToken',
    description: 'WhatsApp Cloud API: the Graph API access token.',
  },
  {
    name: 'LEADBOT_WHATSAPP_PHONE_NUMBER_ID',
    section: 'channels',
    secret: 'whatsappPhoneNumberId',
    description: 'WhatsApp Cloud API: the business phone number id replies are sent from.',
  },
  {
    name: 'LEADBOT_WHATSAPP_APP_SECRET',
    section: 'channels',
    secret: 'whatsappAppSecret',
    description: 'WhatsApp Cloud API: the Meta app secret that signs webhooks (`X-Hub-Signature-256`).',
  },
  {
    name: 'LEADBOT_WHATSAPP_VERIFY_TOKEN',
    section: 'channels',
    secret: 'whatsappVerifyToken',
    description: 'WhatsApp Cloud API: the token Meta sends back when the webhook is verified.',
  },
  {
    name: 'LEADBOT_METRICS_TOKEN',
    section: 'server',
    secret: 'metricsToken',
    description:
      'When set, `GET /metrics` and `/metrics/prometheus` need `Authorization: Bearer <token>` (or the admin token). Unset: open, as scrapers expect (no personal data in them).',
  },
  {
    name: 'LEADBOT_REST_TOKEN',
    section: 'channels',
    secret: 'restToken',
    description:
      'REST channel: the bearer token `POST /webhooks/rest` requires (`Authorization: Bearer <token>`), for every tenant. Unset, and with no tenant token, REST is open only on a loopback address.',
  },
  {
    name: 'LEADBOT_TWILIO_ACCOUNT_SID',
    section: 'channels',
    secret: 'twilioAccountSid',
    description: 'Twilio WhatsApp: the account SID.',
  },
  {
    name: 'LEADBOT_TWILIO_AUTH_TOKEN',
    section: 'channels',
    secret: 'twilioAuthToken',
    description: 'Twilio WhatsApp: signs webhooks and authenticates REST calls.',
  },
  {
    name: 'LEADBOT_TWILIO_WHATSAPP_NUMBER',
    section: 'channels',
    secret: 'twilioWhatsappNumber',
    description: 'Twilio WhatsApp: the sender, e.g. `whatsapp:+14155238886`.',
  },
  {
    name: 'LEADBOT_SLACK_WEBHOOK_URL',
    section: 'handoff',
    description: 'Slack incoming webhook (Block Kit alert) for every tenant without its own targets.',
  },
  {
    name: 'LEADBOT_TEAMS_WEBHOOK_URL',
    section: 'handoff',
    description:
      'Microsoft Teams Workflows webhook (Adaptive Card) for every tenant without its own targets.',
  },
  {
    name: 'LEADBOT_SLACK_BOT_TOKEN',
    section: 'handoff',
    description:
      'Slack app (`xoxb-…`): alerts with _Take over_ / _Give back_ buttons; thread replies go to the prospect. Needs `LEADBOT_SLACK_SIGNING_SECRET`.',
  },
  {
    name: 'LEADBOT_SLACK_SIGNING_SECRET',
    section: 'handoff',
    description: 'Slack app: the secret that signs Slack events.',
  },
  { name: 'LEADBOT_SLACK_CHANNEL', section: 'handoff', description: 'Slack app: the channel alerts go to.' },
  {
    name: 'LEADBOT_SLACK_API_BASE',
    section: 'handoff',
    description: 'Slack Web API base (tests point it at a fake Slack).',
  },
  {
    name: 'LEADBOT_OPERATOR_TOKENS',
    section: 'handoff',
    description:
      'Console and API operators: `Marta=<token>,Luis@acme=<token>` (`@tenant` scopes a token to one tenant; tokens of 16+ characters).',
  },
];
