import { fromPromise } from 'xstate';
import type {
  AnalyseInput,
  AnalyseOutput,
  DeliverInput,
  DeliverOutput,
  ReplyRequest,
} from '../../machines/conversation-machine.ts';
import type { TenantConfig } from '../config/tenant.ts';
import { errorMessage } from '../errors.ts';
import { newId } from '../ids.ts';
import type { Logger } from '../logger.ts';
import { analyseMessage } from '../nlu/analyse.ts';
import { summariseProblem } from '../nlu/summary.ts';
import type { ChatMessage, ChatModel } from '../ports/chat-model.ts';
import type { Clock } from '../ports/clock.ts';
import type { Store } from '../ports/store.ts';
import type { TurnBrief } from '../protocol/index.ts';
import { enforceReplyFormat } from './reply-format.ts';
import { buildLeadPayload, leadReference } from './lead-payload.ts';

export interface EffectDeps {
  store: Store;
  tenants: ReadonlyMap<string, TenantConfig>;
  /** The configured model (the built-in one when no LLM is set). */
  model: ChatModel;
  /** Answers when `model` fails or times out. */
  fallbackModel: ChatModel;
  clock: Clock;
  log: Logger;
  settings: { historyWindow: number; modelTimeoutMs: number; temperature: number; maxTokens: number };
  /** Called after a lead is stored (metrics). */
  onLeadStored?: (lead: { qualification: string; status: string }) => void;
}

/** The real `analyse`, `think` and `deliverLead` effects of the conversation machine. */
export function conversationEffects(deps: EffectDeps) {
  const analyse = fromPromise<AnalyseOutput, AnalyseInput>(({ input }) => {
    const analysis = analyseMessage(input.text, {
      expecting: input.expecting,
      previousLanguage: input.previousLanguage,
      defaultLanguage: input.defaultLanguage,
    });
    const needs = analysis.need ? [...input.needs, analysis.need] : input.needs;
    const output: AnalyseOutput = { analysis };
    if (needs.length > 0) output.problemSummary = summariseProblem(needs, analysis.language);
    return Promise.resolve(output);
  });

  const think = fromPromise<string, ReplyRequest>(async ({ input, signal }) => {
    const tenant = deps.tenants.get(input.tenantId);
    const { conversationId, ...rest } = input;
    const brief: TurnBrief = {
      ...rest,
      companyName: tenant?.companyName ?? input.tenantId,
      botName: tenant?.botName ?? 'Asistente',
    };
    const history = await deps.store.getHistory(conversationId, deps.settings.historyWindow);
    const messages: ChatMessage[] = [
      ...history.map((h) => ({ role: h.role, content: h.text })),
      { role: 'user', content: input.userText },
    ];
    const request = {
      brief,
      messages,
      tools: [],
      temperature: deps.settings.temperature,
      maxTokens: deps.settings.maxTokens,
    };
    const timeout = AbortSignal.timeout(deps.settings.modelTimeoutMs);
    const combined = AbortSignal.any([signal, timeout]);
    try {
      const response = await deps.model.complete(request, combined);
      return enforceReplyFormat(response.text, brief);
    } catch (error) {
      if (signal.aborted) throw error;
      deps.log.warn(
        { model: deps.model.name, err: errorMessage(error), timedOut: timeout.aborted },
        'model failed; the built-in model answers',
      );
      const response = await deps.fallbackModel.complete(request, signal);
      return enforceReplyFormat(response.text, brief);
    }
  });

  const deliverLead = fromPromise<DeliverOutput, DeliverInput>(async ({ input }) => {
    const leadId = input.leadId ?? newId('lead_', deps.clock.now());
    const previous = input.leadId ? await deps.store.getLead(input.tenantId, input.leadId) : undefined;
    const payload = buildLeadPayload(input, leadId, new Date(deps.clock.now()), previous);
    await deps.store.putLead(payload);
    deps.onLeadStored?.({ qualification: payload.qualification, status: payload.status });
    deps.log.info(
      {
        conversationId: input.conversationId,
        leadId,
        qualification: payload.qualification,
        status: payload.status,
      },
      'lead stored',
    );
    const prefix =
      (deps.tenants.get(input.tenantId)?.companyName ?? 'LB')
        .replace(/[^A-Za-z]/g, '')
        .slice(0, 2)
        .toUpperCase() || 'LB';
    return { leadId, reference: leadReference(leadId, prefix) };
  });

  return { analyse, think, deliverLead };
}
