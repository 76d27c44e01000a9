import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { hostname } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { ConfigError } from '../errors.ts';
import { handoffFromEnv } from './handoff.ts';
import { SettingsSchema, type Config } from './schema.ts';
import {
  CatalogItemSchema,
  TenantFileSchema,
  TenantSchema,
  type KnowledgePage,
  type TenantConfig,
} from './tenant.ts';

type Env = Record<string, string | undefined>;

/** Reads and parses one JSON file; a missing or broken file is a `ConfigError` naming it. */
function readJsonFile(path: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (cause) {
    throw new ConfigError(`Cannot read config file ${path}: ${(cause as Error).message}`, { cause });
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (cause) {
    throw new ConfigError(
      `Config file ${path} is not valid JSON (${(cause as Error).message}). Fix the file or remove it.`,
      {
        cause,
      },
    );
  }
}

function formatIssues(error: z.ZodError): string {
  return error.issues
    .map((i) => `  - ${i.path.length ? i.path.join('.') : '(root)'}: ${i.message}`)
    .join('\n');
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function merge(base: Record<string, unknown>, over: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(over)) {
    const prev = out[k];
    out[k] = isObject(prev) && isObject(v) ? merge(prev, v) : v;
  }
  return out;
}

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

const asText: EnvParse = (_name, value) => value;

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

/** Sets `value` at a dot path, creating the objects on the way. */
function setPath(target: Record<string, unknown>, path: string, value: unknown): void {
  const keys = path.split('.');
  let node = target;
  for (const key of keys.slice(0, -1)) {
    const next = node[key];
    node = isObject(next) ? next : (node[key] = {});
  }
  node[keys.at(-1)!] = value;
}

/** The environment variables that fill settings, as a partial settings object. */
function fromEnv(env: Env): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const variable of ENV_VARIABLES) {
    const value = env[variable.name];
    if (!variable.setting || value === undefined || (value === '' && !variable.emptyApplies)) continue;
    setPath(out, variable.setting, (variable.parse ?? asText)(variable.name, value));
  }
  return out;
}

const PACKAGE_ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** Settings that cannot apply as given: said at start, never silently ignored. */
function roleWarnings(env: Env): string[] {
  const warnings: string[] = [];
  if (env.LEADBOT_ROLE && env.LEADBOT_ROLE !== 'all' && !env.LEADBOT_NATS_URL) {
    warnings.push(
      `LEADBOT_ROLE=${env.LEADBOT_ROLE} needs cluster mode (LEADBOT_NATS_URL): this node runs alone, channels and conversations (role "all").`,
    );
  }
  return warnings;
}

export interface LoadConfigOptions {
  env?: Env;
  /** Folder relative paths resolve against (default: `process.cwd()`). */
  cwd?: string;
}

/**
 * Loads settings once: `config/default.json` (when present), the file in `LEADBOT_CONFIG`, then the
 * environment. Throws `ConfigError` with every problem listed; the result is frozen.
 */
export function loadConfig(options: LoadConfigOptions = {}): Readonly<Config> {
  const env = options.env ?? process.env;
  const cwd = options.cwd ?? process.cwd();
  const sources: string[] = [];
  let raw: Record<string, unknown> = {};
  // Run from another folder (e.g. `npx leadbot` elsewhere), the package's own config applies.
  const home = existsSync(join(cwd, 'config')) ? cwd : PACKAGE_ROOT;
  const defaultFile = join(home, 'config', 'default.json');
  const files = [
    existsSync(defaultFile) ? defaultFile : undefined,
    env.LEADBOT_CONFIG ? resolve(cwd, env.LEADBOT_CONFIG) : undefined,
  ];
  for (const file of files) {
    if (!file) continue;
    const value = readJsonFile(file);
    if (!isObject(value)) throw new ConfigError(`Config file ${file} must hold a JSON object.`);
    const { $schema: _ignored, ...rest } = value;
    raw = merge(raw, rest);
    sources.push(file);
  }
  raw = merge(raw, fromEnv(env));
  const parsed = SettingsSchema.safeParse(raw);
  if (!parsed.success) {
    throw new ConfigError(
      `Invalid configuration (${sources.length ? sources.join(', ') + ' + ' : ''}environment):\n${formatIssues(parsed.error)}`,
      { cause: parsed.error },
    );
  }
  const settings = parsed.data;
  if (env.LEADBOT_LLM_KEYS?.trim() && !settings.llm.model) {
    throw new ConfigError(
      'LEADBOT_LLM_KEYS is set but no model is: set LEADBOT_LLM_MODEL (or llm.model in a config file).',
    );
  }
  if (settings.crm.webhookUrl) {
    const url = new URL(settings.crm.webhookUrl);
    const loopback = /^(127\.\d+\.\d+\.\d+|localhost|\[::1\])$/.test(url.hostname);
    if (url.protocol !== 'https:' && !(url.protocol === 'http:' && loopback)) {
      throw new ConfigError(
        `crm.webhookUrl must be https:// (plain http only to a loopback host for local tests); got ${url.protocol}//${url.host}.`,
      );
    }
    if (!env.LEADBOT_CRM_WEBHOOK_SECRET)
      throw new ConfigError(
        'crm.webhookUrl is set: set LEADBOT_CRM_WEBHOOK_SECRET too (the HMAC key receivers verify).',
      );
  }
  const config: Config = {
    ...settings,
    dataDir: resolve(cwd, settings.dataDir),
    tenantsDir: existsSync(resolve(cwd, settings.tenantsDir))
      ? resolve(cwd, settings.tenantsDir)
      : resolve(home, settings.tenantsDir),
    nodeId: settings.nodeId ?? `${hostname()}-${process.pid}`,
    secrets: {
      ...(env.LEADBOT_ADMIN_TOKEN ? { adminToken: env.LEADBOT_ADMIN_TOKEN } : {}),
      ...(env.LEADBOT_LLM_KEYS?.trim() ? { llmKeys: env.LEADBOT_LLM_KEYS } : {}),
      ...(env.LEADBOT_CRM_WEBHOOK_SECRET ? { crmWebhookSecret: env.LEADBOT_CRM_WEBHOOK_SECRET } : {}),
      ...channelSecrets(env),
    },
    handoff: handoffFromEnv(env),
    sources,
    warnings: roleWarnings(env),
  };
  return deepFreeze(config);
}

/** Channel credentials: only from the environment, blank values ignored. */
function channelSecrets(env: Env): Partial<Config['secrets']> {
  const out: Partial<Config['secrets']> = {};
  for (const { name, secret } of ENV_VARIABLES) {
    if (!secret) continue;
    const value = env[name]?.trim();
    if (value) out[secret] = value;
  }
  if (out.telegramWebhookSecret && !/^[A-Za-z0-9_-]{1,256}$/.test(out.telegramWebhookSecret)) {
    throw new ConfigError(
      'LEADBOT_TELEGRAM_WEBHOOK_SECRET may only hold 1-256 characters A-Z, a-z, 0-9, _ and - (Telegram rule).',
    );
  }
  return out;
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}

function readKnowledge(dir: string): KnowledgePage[] {
  const pages: KnowledgePage[] = [];
  for (const language of ['es', 'en'] as const) {
    const langDir = join(dir, 'knowledge', language);
    if (!existsSync(langDir)) continue;
    for (const file of readdirSync(langDir).sort()) {
      if (!file.endsWith('.md')) continue;
      const body = readFileSync(join(langDir, file), 'utf8');
      const title = /^#\s+(.+)$/m.exec(body)?.[1]?.trim() ?? file.replace(/\.md$/, '');
      pages.push({ id: file.replace(/\.md$/, ''), language, title, body });
    }
  }
  return pages;
}

/** Loads one tenant folder; throws `ConfigError` naming the file at fault. */
export function loadTenant(dir: string): TenantConfig {
  const tenantFile = join(dir, 'tenant.json');
  const file = TenantFileSchema.safeParse(readJsonFile(tenantFile));
  if (!file.success)
    throw new ConfigError(`Invalid tenant file ${tenantFile}:\n${formatIssues(file.error)}`, {
      cause: file.error,
    });
  const catalogFile = join(dir, 'catalog.json');
  const catalog = existsSync(catalogFile)
    ? z.array(CatalogItemSchema).safeParse(readJsonFile(catalogFile))
    : { success: true as const, data: [] };
  if (!catalog.success)
    throw new ConfigError(`Invalid catalog ${catalogFile}:\n${formatIssues(catalog.error)}`, {
      cause: catalog.error,
    });
  return TenantSchema.parse({ ...file.data, catalog: catalog.data, knowledge: readKnowledge(dir) });
}

/** Loads every tenant under `tenantsDir`; the folder name must equal the tenant id. */
export function loadTenants(tenantsDir: string): ReadonlyMap<string, TenantConfig> {
  if (!existsSync(tenantsDir))
    throw new ConfigError(
      `Tenants folder ${tenantsDir} does not exist. Set tenantsDir or LEADBOT_TENANTS_DIR.`,
    );
  const tenants = new Map<string, TenantConfig>();
  for (const name of readdirSync(tenantsDir).sort()) {
    const dir = join(tenantsDir, name);
    if (!statSync(dir).isDirectory()) continue;
    const tenant = loadTenant(dir);
    if (tenant.id !== name)
      throw new ConfigError(
        `Tenant folder ${dir} holds tenant id '${tenant.id}'; the folder must be named after the id.`,
      );
    tenants.set(tenant.id, deepFreeze(tenant));
  }
  if (tenants.size === 0)
    throw new ConfigError(`No tenants found in ${tenantsDir}: add a folder with a tenant.json.`);
  return tenants;
}
