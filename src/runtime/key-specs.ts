import { ConfigError } from '../errors.ts';

/** One LLM API key of the pool. */
export interface KeySpec {
  /** A name shown in metrics and logs; never the secret. */
  id: string;
  /** The API key itself; it never leaves the pool except inside a lease. */
  secret: string;
  /** Limit group: keys of one provider account share the group's budget too. */
  group?: string;
  /** Requests per minute the provider allows this key. */
  rpm: number;
  /** Tokens per minute the provider allows this key (no token check when absent). */
  tpm?: number;
  /** Conversations pinned to this key at once (no cap when absent). */
  maxConversations?: number;
  /** Requests in flight on this key at once (no cap when absent). */
  maxConcurrent?: number;
}

/** Shared limits of a limit group (one provider account). */
export interface GroupSpec {
  rpm?: number;
  tpm?: number;
  maxConcurrent?: number;
}

/** Per-key defaults applied by `parseKeySpecs` (from `LEADBOT_LLM_RPM` and the config file). */
export interface KeySpecDefaults {
  rpm: number;
  tpm?: number;
  maxConversations?: number;
}

/** Key names: what appears in metrics, so plain and short. */
const NAME = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$/;

/**
 * Parses `LEADBOT_LLM_KEYS`: comma-separated secrets, or `name=secret` pairs to name them in
 * metrics. Unnamed keys are called `key-<position>`. Blank entries (a trailing comma) are skipped.
 * A value that is only `=` after the first `=` is read as base64 padding of an unnamed secret.
 * Errors name the position (1-based), never the secret.
 * @throws ConfigError on an empty name or secret, a malformed name, a duplicate name or secret.
 */
export function parseKeySpecs(env: string, defaults: KeySpecDefaults): KeySpec[] {
  const specs: KeySpec[] = [];
  const positions = new Map<string, number>();
  const secrets = new Map<string, number>();
  const entries = env.split(',');
  for (const [i, raw] of entries.entries()) {
    const position = i + 1;
    const entry = raw.trim();
    if (entry === '') continue;
    const eq = entry.indexOf('=');
    const named = eq >= 0 && !/^=*$/.test(entry.slice(eq + 1));
    const name = named ? entry.slice(0, eq).trim() : `key-${position}`;
    const secret = named ? entry.slice(eq + 1).trim() : entry;
    if (eq === 0 || (named && name === '')) {
      throw new ConfigError(
        `LEADBOT_LLM_KEYS entry ${position} has an empty name before '='. Write name=secret, or just the secret.`,
      );
    }
    if (eq > 0 && !named && entry.slice(eq + 1) === '') {
      throw new ConfigError(
        `LEADBOT_LLM_KEYS entry ${position} has an empty secret after '='. Write name=secret, or just the secret.`,
      );
    }
    if (named && !NAME.test(name)) {
      throw new ConfigError(
        `LEADBOT_LLM_KEYS entry ${position} has a malformed name: use 1-64 letters, digits, '.', '_', ':' or '-' before '='.`,
      );
    }
    const previous = positions.get(name);
    if (previous !== undefined) {
      throw new ConfigError(
        `LEADBOT_LLM_KEYS entries ${previous} and ${position} are both named '${name}'. Give each key its own name.`,
      );
    }
    const sameSecret = secrets.get(secret);
    if (sameSecret !== undefined) {
      throw new ConfigError(
        `LEADBOT_LLM_KEYS entries ${sameSecret} and ${position} hold the same secret. List each key once.`,
      );
    }
    positions.set(name, position);
    secrets.set(secret, position);
    const spec: KeySpec = { id: name, secret, rpm: defaults.rpm };
    if (defaults.tpm !== undefined) spec.tpm = defaults.tpm;
    if (defaults.maxConversations !== undefined) spec.maxConversations = defaults.maxConversations;
    specs.push(spec);
  }
  return specs;
}

function positive(value: number | undefined): boolean {
  return value === undefined || (Number.isFinite(value) && value > 0);
}

/**
 * Checks a pool's keys and groups before use.
 * @throws ConfigError naming the key (by id or position), never its secret.
 */
export function validateKeySpecs(
  keys: readonly KeySpec[],
  groups: Readonly<Record<string, GroupSpec>>,
): void {
  const ids = new Map<string, number>();
  const secrets = new Map<string, string>();
  for (const [i, key] of keys.entries()) {
    const label = `Key ${i + 1}`;
    if (key.id.trim() === '') throw new ConfigError(`${label} has an empty id. Give every key a name.`);
    if (key.secret === '') throw new ConfigError(`${label} ('${key.id}') has an empty secret.`);
    if (key.id === key.secret) {
      throw new ConfigError(
        `${label}'s id is its secret. Give it a name (name=secret) so metrics never show it.`,
      );
    }
    const dup = ids.get(key.id);
    if (dup !== undefined) throw new ConfigError(`Keys ${dup} and ${i + 1} are both named '${key.id}'.`);
    ids.set(key.id, i + 1);
    const shared = secrets.get(key.secret);
    if (shared !== undefined) {
      throw new ConfigError(`Keys '${shared}' and '${key.id}' hold the same secret. List each key once.`);
    }
    secrets.set(key.secret, key.id);
    if (
      !positive(key.rpm) ||
      !positive(key.tpm) ||
      !positive(key.maxConversations) ||
      !positive(key.maxConcurrent)
    ) {
      throw new ConfigError(`Key '${key.id}' has a limit that is not a positive number (rpm, tpm, caps).`);
    }
    if (key.group !== undefined && !(key.group in groups)) {
      const known = Object.keys(groups).join(', ') || 'none';
      throw new ConfigError(
        `Key '${key.id}' names group '${key.group}', which is not defined. Groups: ${known}.`,
      );
    }
  }
  for (const [name, group] of Object.entries(groups)) {
    if (!positive(group.rpm) || !positive(group.tpm) || !positive(group.maxConcurrent)) {
      throw new ConfigError(
        `Group '${name}' has a limit that is not a positive number (rpm, tpm, maxConcurrent).`,
      );
    }
  }
}
