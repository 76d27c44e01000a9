import type { SkillServices } from '../../../skills/tool.ts';
import type { TenantConfig } from '../../config/tenant.ts';
import type { Logger } from '../../logger.ts';
import type { HistoryManager } from '../../memory/history-manager.ts';
import type { ChatModel } from '../../ports/chat-model.ts';
import type { TeamAlerts } from '../../ports/alerts.ts';
import type { Clock } from '../../ports/clock.ts';
import type { Store } from '../../ports/store.ts';
import type { LeadDelivery } from '../lead-delivery.ts';
import type { OutputRefusal } from '../../security/output-guard.ts';
import type { SkillManager } from '../skill-manager.ts';

/** What the conversation machine's effects need from the node: its ports, models, skills and settings. */
export interface EffectDeps {
  store: Store;
  /** The system prompt's canary token (prompt-leak detection). */
  canary?: string;
  /** The output guard refused a model reply (it was replaced by the built-in model's). */
  onReplyRefused?: (conversationId: string, refusal: OutputRefusal) => void;
  /** Builds the model's context from LMDB history within a token budget. */
  history: HistoryManager;
  tenants: ReadonlyMap<string, TenantConfig>;
  /** The configured model (the built-in one when no LLM is set). */
  model: ChatModel;
  /** Answers when `model` fails, times out or no key is free. */
  fallbackModel: ChatModel;
  skills: SkillManager;
  services: SkillServices;
  delivery: LeadDelivery;
  /** Tells the team a conversation needs a person; without it nobody is alerted. */
  alerts?: TeamAlerts;
  clock: Clock;
  log: Logger;
  settings: {
    modelTimeoutMs: number;
    temperature: number;
    maxTokens: number;
    maxToolSteps: number;
    /** Channels whose replies get strategic emojis. */
    emojiChannels?: readonly string[];
  };
  /** Called after a lead is stored (metrics). */
  onLeadStored?: (lead: { qualification: string; status: string }) => void;
  /** Called when the fallback model answered instead of the configured one (metrics). */
  onFallback?: (reason: string) => void;
}
