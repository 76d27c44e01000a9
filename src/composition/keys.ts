import type { SharedKeyLimits } from '../cluster/cluster-budget.ts';
import type { Config } from '../config/schema.ts';
import type { Logger } from '../logger.ts';
import type { Clock } from '../ports/clock.ts';
import { KeyPoolActor } from '../runtime/key-pool-actor.ts';
import { parseKeySpecs, type KeySpec } from '../runtime/key-pool.ts';
import type { Part } from './lifecycle.ts';

/** Late-bound pool hooks: cluster mode releases a conversation's shared hold when the pool unpins it. */
export interface KeyHooks {
  onRelease?: (conversationId: string, keyId: string) => void;
}

/** The key pool from `LEADBOT_LLM_KEYS` (absent: the built-in model answers), with its cluster limits. */
export interface Keys extends Part {
  pool?: KeyPoolActor;
  /** Per key and per `group.<name>`: what the cluster-wide budget enforces. */
  limits: Record<string, SharedKeyLimits>;
  groupOf: Record<string, string>;
  hooks: KeyHooks;
}

/** Key specs from the env, each with its per-key overrides and limit group from config. */
function keySpecs(config: Readonly<Config>, llmKeys: string): KeySpec[] {
  return parseKeySpecs(llmKeys, {
    rpm: config.llm.rpm,
    ...(config.llm.maxConversationsPerKey ? { maxConversations: config.llm.maxConversationsPerKey } : {}),
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
}

export function createKeys(config: Readonly<Config>, clock: Clock, log: Logger): Keys {
  const hooks: KeyHooks = {};
  if (!config.secrets.llmKeys) return { name: 'keys', limits: {}, groupOf: {}, hooks };
  const specs = keySpecs(config, config.secrets.llmKeys);
  const groups: Record<string, { rpm?: number; tpm?: number }> = {};
  for (const [name, limits] of Object.entries(config.llm.groups)) {
    groups[name] = { ...(limits.rpm ? { rpm: limits.rpm } : {}), ...(limits.tpm ? { tpm: limits.tpm } : {}) };
  }
  const limits: Record<string, SharedKeyLimits> = Object.fromEntries(
    specs.map((spec) => [spec.id, { rpm: spec.rpm, tpm: spec.tpm, maxConversations: spec.maxConversations }]),
  );
  for (const [name, group] of Object.entries(groups))
    limits[`group.${name}`] = { rpm: group.rpm, tpm: group.tpm };
  // The pool runs as a supervised actor (key-pool-actor.ts): a crash restarts it with its pins and leases.
  const pool = new KeyPoolActor({
    keys: specs,
    onRelease: (conversationId, keyId) => hooks.onRelease?.(conversationId, keyId),
    groups,
    clock,
    log: log.child({ component: 'key-pool' }),
    idleMs: config.llm.idleReleaseMs,
    deadlineMs: config.llm.queueDeadlineMs,
    alertWindowMs: config.llm.alertWindowMs,
    pacing: { burstSeconds: config.llm.burstSeconds },
    urgentReserve: config.llm.urgentReserve,
    ...(config.llm.pinPatienceMs !== undefined ? { pinPatienceMs: config.llm.pinPatienceMs } : {}),
  });
  const groupOf = Object.fromEntries(specs.flatMap((spec) => (spec.group ? [[spec.id, spec.group]] : [])));
  return { name: 'keys', pool, limits, groupOf, hooks, close: () => pool.close() };
}
