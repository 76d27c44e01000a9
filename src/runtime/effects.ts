import { fromPromise } from 'xstate';
import type {
  AlertInput,
  AlertOutput,
  AnalyseInput,
  AnalyseOutput,
  DeliverInput,
  DeliverOutput,
  ReplyRequest,
  ThinkOutput,
} from '../../machines/conversation-machine.ts';
import { runToolCall, toolSpec, type SkillServices, type Tool, type ToolContext } from '../../skills/tool.ts';
import type { TenantConfig } from '../config/tenant.ts';
import { errorMessage } from '../errors.ts';
import { leadIdFor } from '../ids.ts';
import type { Logger } from '../logger.ts';
import type { HistoryManager } from '../memory/history-manager.ts';
import { promptLeak } from '../security/canary.ts';
import { analyseMessage } from '../nlu/analyse.ts';
import { buyingSignals } from '../nlu/signals.ts';
import { summariseProblem } from '../nlu/summary.ts';
import { campaignOfText } from '../config/campaigns.ts';
import type { ChatMessage, ChatModel, ChatRequest } from '../ports/chat-model.ts';
import { NO_ALERTS, type TeamAlerts } from '../ports/alerts.ts';
import type { Clock } from '../ports/clock.ts';
import type { Store } from '../ports/store.ts';
import type { ExtractedFields, TurnBrief } from '../protocol/index.ts';
import { PRIORITY } from '../protocol/index.ts';
import { lookupFacts } from './facts.ts';
import { buildLeadPayload } from './lead-payload.ts';
import type { LeadDelivery } from './lead-delivery.ts';
import { decorateReply, enforceReplyFormat } from './reply-format.ts';
import type { SkillManager } from './skill-manager.ts';

export interface EffectDeps {
  store: Store;
  /** The system prompt's canary token (prompt-leak detection). */
  canary?: string;
  /** A model reply leaked the system prompt (it was replaced). */
  onPromptLeak?: (conversationId: string, leak: string) => void;
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

const PRODUCT_QUESTION =
  /\b(plan(es)?|precios?|cu[aá]nto cuesta|costo|tarifa|prices?|pricing|cost|catalog|cat[aá]logo|productos?|products?|integra\w*|integrat\w*|features?|funcionalidad(es)?|horarios?|hours|factura(ción)?|billing|pagos?|payments?|tarjetas?|cards?)\b/iu;

/** The person asks about products, plans, prices or policies: `product_kb` is worth loading. */
export function wantsProductInfo(text: string): boolean {
  return buyingSignals(text) > 0 || PRODUCT_QUESTION.test(text);
}

const sameName = (a: string, b: string): boolean =>
  a
    .normalize('NFD')
    .replace(/[^\p{L}\p{N}]/gu, '')
    .toLowerCase() ===
  b
    .normalize('NFD')
    .replace(/[^\p{L}\p{N}]/gu, '')
    .toLowerCase();

/** The real `analyse`, `think` and `deliverLead` effects of the conversation machine. */
export function conversationEffects(deps: EffectDeps) {
  const analyse = fromPromise<AnalyseOutput, AnalyseInput>(({ input }) => {
    const analysis = analyseMessage(input.text, {
      expecting: input.expecting,
      ...(input.previousLanguage ? { previousLanguage: input.previousLanguage } : {}),
      defaultLanguage: input.defaultLanguage,
    });
    const tenant = input.tenantId ? deps.tenants.get(input.tenantId) : undefined;
    // A campaign link's prefilled "Hola, necesito info" is the link's words, not the prospect's need.
    if (tenant && campaignOfText(tenant, input.text)) {
      analysis.greetingOnly = true;
      delete analysis.need;
      const { problem: _p, ...rest } = analysis.fields;
      analysis.fields = rest;
    }
    // "una entrevista con el equipo de RutaViva": the tenant's own name is not the prospect's company.
    const own = tenant?.companyName;
    if (own && analysis.fields.company && sameName(analysis.fields.company, own)) {
      const { company: _own, ...fields } = analysis.fields;
      analysis.fields = fields;
    }
    const needs = analysis.need ? [...input.needs, analysis.need] : input.needs;
    const output: AnalyseOutput = { analysis };
    const summary = needs.length > 0 ? summariseProblem(needs, analysis.language) : '';
    if (summary) output.problemSummary = summary;
    return Promise.resolve(output);
  });

  /** Model ↔ tools loop, bounded; after the last step the model must answer in text. */
  async function converse(
    model: ChatModel,
    request: ChatRequest,
    tools: readonly Tool[],
    ctx: ToolContext,
    signal: AbortSignal,
  ): Promise<string> {
    const messages = [...request.messages];
    for (let step = 0; ; step++) {
      const lastStep = step >= deps.settings.maxToolSteps;
      const response = await model.complete(
        { ...request, messages, tools: lastStep ? [] : tools.map(toolSpec) },
        signal,
      );
      if (response.toolCalls.length === 0 || lastStep) {
        if (response.text.trim() === '') throw new Error('the model returned an empty reply');
        return response.text;
      }
      messages.push({ role: 'assistant', content: response.text, toolCalls: response.toolCalls });
      for (const call of response.toolCalls) {
        const outcome = await runToolCall(tools, call.name, call.arguments, ctx);
        if (!outcome.ok)
          deps.log.debug(
            { conversationId: ctx.conversationId, tool: call.name, error: outcome.error },
            'tool call refused',
          );
        messages.push({
          role: 'tool',
          toolCallId: call.id,
          content: JSON.stringify(outcome.ok ? outcome.result : { error: outcome.error }),
        });
      }
    }
  }

  const think = fromPromise<ThinkOutput, ReplyRequest>(async ({ input, signal }) => {
    const tenant = deps.tenants.get(input.tenantId);
    const { conversationId, leadId, ...rest } = input;
    const brief: TurnBrief = {
      ...rest,
      companyName: tenant?.companyName ?? input.tenantId,
      botName: tenant?.botName ?? 'Asistente',
    };
    const messages: ChatMessage[] = await deps.history.contextFor(conversationId, input.userText);
    const request: ChatRequest = {
      brief,
      conversationId,
      priority: input.urgency === 'Alto' ? PRIORITY.urgent : PRIORITY.normal,
      messages,
      tools: [],
      temperature: deps.settings.temperature,
      maxTokens: deps.settings.maxTokens,
    };
    const captured: ExtractedFields = {};
    const ctx: ToolContext = {
      conversationId,
      tenantId: input.tenantId,
      language: input.language,
      signal,
      lead: input.lead,
      capture: (fields) => Object.assign(captured, fields),
      services: deps.services,
      ...(leadId ? { leadId } : {}),
    };
    const finish = (text: string): string =>
      decorateReply(enforceReplyFormat(text, brief), brief, deps.settings.emojiChannels ?? []);
    // A problem report ("me llegó un cargo doble en la tarjeta") is not a product question: it gets
    // no FAQ snippet about payment methods, it gets its case registered.
    const reportsProblem =
      (input.interest === 'Soporte' || input.interest === 'Facturación') && input.urgency !== 'Bajo';
    const asksProducts = wantsProductInfo(input.userText) && !reportsProblem;
    /** The built-in model answers product questions from the tenant's catalog and pages. */
    const builtinAnswer = async (): Promise<ThinkOutput> => {
      const facts = asksProducts
        ? await lookupFacts(deps.services.knowledge, input.tenantId, input.language, input.userText)
        : [];
      const withFacts = facts.length ? { ...request, brief: { ...brief, facts } } : request;
      const response = await deps.fallbackModel.complete(withFacts, signal);
      return { text: finish(response.text), captured };
    };
    if (deps.model === deps.fallbackModel) return builtinAnswer();
    const needs = {
      phase: input.phase,
      wantsProductInfo: asksProducts,
      ...(input.interest ? { interest: input.interest } : {}),
    };
    const tools = await deps.skills.toolsFor(needs);
    if (deps.log.isLevelEnabled('debug'))
      deps.log.debug(
        { conversationId, interest: input.interest ?? null, skills: deps.skills.skillsFor(needs) },
        'skills for this turn',
      );
    const timeout = AbortSignal.timeout(deps.settings.modelTimeoutMs);
    try {
      const text = await converse(deps.model, request, tools, ctx, AbortSignal.any([signal, timeout]));
      // Second line of defence: a reply that leaks the system prompt is replaced before it is sent.
      const leak = promptLeak(text, deps.canary);
      if (leak) {
        deps.log.warn(
          { conversationId, model: deps.model.name, leak },
          'model reply leaked the prompt; replaced',
        );
        deps.onPromptLeak?.(conversationId, leak);
        return builtinAnswer();
      }
      return { text: finish(text), captured };
    } catch (error) {
      if (signal.aborted) throw error;
      const reason = timeout.aborted ? 'timeout' : errorMessage(error);
      deps.log.warn(
        { conversationId, model: deps.model.name, reason },
        'model failed; the built-in model answers',
      );
      deps.onFallback?.(timeout.aborted ? 'timeout' : 'error');
      return builtinAnswer();
    }
  });

  const deliverLead = fromPromise<DeliverOutput, DeliverInput>(async ({ input }) => {
    // Derived from the conversation, so a turn retried after a crash updates the same lead.
    const leadId = input.leadId ?? leadIdFor(input.conversationId);
    const previous = input.leadId ? await deps.store.getLead(input.tenantId, input.leadId) : undefined;
    const payload = buildLeadPayload(input, leadId, new Date(deps.clock.now()), previous);
    // Once pushed downstream a lead stays `delivered`; later edits don't demote it.
    if (previous?.status === 'delivered' && payload.status === 'complete') payload.status = 'delivered';
    const result = await deps.delivery.deliver(payload, previous);
    deps.onLeadStored?.({ qualification: payload.qualification, status: payload.status });
    deps.log.info(
      {
        conversationId: input.conversationId,
        leadId,
        qualification: payload.qualification,
        status: payload.status,
        crm: result.status,
      },
      'lead stored',
    );
    return { leadId, reference: result.reference ?? leadId };
  });

  const alertTeam = fromPromise<AlertOutput, AlertInput>(async ({ input }) => {
    try {
      return await (deps.alerts ?? NO_ALERTS).alert(input);
    } catch (error) {
      // An alert that could not even be queued must not break the turn; promise nothing.
      deps.log.warn(
        { conversationId: input.conversationId, level: input.level, reason: errorMessage(error) },
        'team alert failed',
      );
      return NO_ALERTS.alert(input);
    }
  });

  return { analyse, think, deliverLead, alertTeam };
}
