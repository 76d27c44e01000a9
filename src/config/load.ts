import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { hostname } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { ConfigError } from '../errors.ts';
import { ENV_VARIABLES, asText } from './env-table.ts';
import { handoffFromEnv } from './handoff.ts';
import { SettingsSchema, type Config } from './schema.ts';
export { ENV_VARIABLES, type EnvSection, type EnvVariable } from './env-table.ts';
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
  if (settings.inspect.enabled && env.NODE_ENV === 'production')
    throw new ConfigError(
      'LEADBOT_INSPECT (inspect.enabled) is for development only and is refused with NODE_ENV=production: the inspector sees every event and context.',
    );
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
