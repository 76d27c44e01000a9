import { OpenAIChatModel } from '../adapters/openai-model.ts';
import type { Config } from '../config/schema.ts';
import type { Logger } from '../logger.ts';
import { BuiltinModel } from '../models/builtin/index.ts';
import { warmUpModels } from '../nlu/models.ts';
import type { ChatModel } from '../ports/chat-model.ts';
import { newCanary } from '../security/canary.ts';
import type { ClusterLayer } from './cluster.ts';
import type { Keys } from './keys.ts';
import { leasePool } from './lease-pool.ts';

export interface Models {
  /** The LLM through the key pool when keys are set; the built-in model otherwise. */
  model: ChatModel;
  /** Answers whenever the LLM cannot (no key free in time, provider down, timeout). */
  builtin: BuiltinModel;
  /** A random marker in the system prompt: a reply that contains it leaked the prompt. */
  canary: string;
}

export function createModels(
  config: Readonly<Config>,
  deps: { keys: Keys; cluster: ClusterLayer; log: Logger },
): Models {
  const builtin = new BuiltinModel();
  // The NLU's classifiers train once per process (a few hundred ms): now, not on the first prospect.
  warmUpModels();
  const canary = newCanary();
  const { pool, groupOf, hooks } = deps.keys;
  if (!pool) return { model: builtin, builtin, canary };
  const budget = deps.cluster.budget;
  const model = new OpenAIChatModel({
    baseURL: config.llm.baseUrl,
    model: config.llm.model!,
    pool: leasePool(pool, deps.log, budget ? { budget, groupOf } : undefined, hooks),
    log: deps.log.child({ component: 'llm' }),
    thinking: config.llm.thinking,
    timeoutMs: config.conversation.modelTimeoutMs,
    canary,
  });
  return { model, builtin, canary };
}
