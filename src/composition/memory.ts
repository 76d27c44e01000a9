import { LmdbSummaryStore } from '../adapters/lmdb-summaries.ts';
import type { LmdbStore } from '../adapters/lmdb-store.ts';
import type { TenantConfig } from '../config/tenant.ts';
import type { Config } from '../config/schema.ts';
import type { Logger } from '../logger.ts';
import { MemoryConsolidator } from '../memory/consolidator.ts';
import { IntelligenceExtractor } from '../memory/intelligence.ts';
import type { ChatModel } from '../ports/chat-model.ts';
import type { Clock } from '../ports/clock.ts';
import type { Store } from '../ports/store.ts';
import type { LeadDelivery } from '../runtime/lead-delivery.ts';
import type { Part } from './lifecycle.ts';

/** Rolling summaries of long conversations and the insights drawn from finished ones. */
export interface Memory extends Part {
  summaries: LmdbSummaryStore;
  consolidator: MemoryConsolidator;
  intelligence: IntelligenceExtractor;
}

export function createMemory(
  config: Readonly<Config>,
  deps: {
    store: LmdbStore;
    turnStore: Store;
    tenants: ReadonlyMap<string, TenantConfig>;
    /** Present when an LLM is configured: it writes the summaries (extractive otherwise or on failure). */
    llm?: ChatModel;
    delivery: LeadDelivery;
    clock: Clock;
    log: Logger;
  },
): Memory {
  const summaries = new LmdbSummaryStore(deps.store);
  const now = () => deps.clock.now();
  const consolidator = new MemoryConsolidator({
    store: deps.turnStore,
    summaries,
    log: deps.log.child({ component: 'memory' }),
    ...(deps.llm?.summarise ? { summarise: deps.llm.summarise.bind(deps.llm) } : {}),
    keepRecentTurns: config.memory.keepRecentTurns,
    everyTurns: config.memory.consolidateEveryTurns,
    timeoutMs: config.memory.summaryTimeoutMs,
    now,
  });
  const intelligence = new IntelligenceExtractor({
    store: deps.turnStore,
    lmdb: deps.store,
    tenants: deps.tenants,
    log: deps.log.child({ component: 'insights' }),
    now,
    deliver: (lead, previous) => deps.delivery.deliver(lead, previous),
  });
  return { name: 'memory', summaries, consolidator, intelligence, close: () => consolidator.idle() };
}
