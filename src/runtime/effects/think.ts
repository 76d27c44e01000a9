import { fromPromise } from 'xstate';
import type { ReplyRequest, ThinkOutput } from '../../../machines/conversation-machine.ts';
import type { ToolContext } from '../../../skills/tool.ts';
import { errorMessage } from '../../errors.ts';
import { buyingSignals } from '../../nlu/signals.ts';
import { withoutPhrases } from '../../nlu/text.ts';
import type { ChatMessage, ChatRequest } from '../../ports/chat-model.ts';
import type { ExtractedFields, TurnBrief } from '../../protocol/index.ts';
import { PRIORITY } from '../../protocol/index.ts';
import { buildSystemPrompt } from '../../models/system-prompt.ts';
import { checkReply } from '../../security/output-guard.ts';
import { lookupFacts } from '../facts.ts';
import { decorateReply, enforceReplyFormat } from '../reply-format.ts';
import { converse } from './converse.ts';
import type { EffectDeps } from './deps.ts';

const PRODUCT_QUESTION =
  /\b(plan(es)?|precios?|cu[aá]nto cuesta|costo|tarifa|prices?|pricing|cost|catalog|cat[aá]logo|productos?|products?|integra\w*|integrat\w*|features?|funcionalidad(es)?|horarios?|hours|factura(ción)?|billing|pagos?|payments?|tarjetas?|cards?)\b/iu;

/** A direct question ("what does RutaViva actually do?", "¿trabajan con empresas pequeñas?"). */
const DIRECT_QUESTION = /\?|¿/u;

/** A question about products or prices ("¿cuánto cuesta el plan Profesional?"), not "¿por qué me cobraron…?". */
function asksAboutProducts(text: string): boolean {
  return DIRECT_QUESTION.test(text) && (PRODUCT_QUESTION.test(text) || buyingSignals(text) > 0);
}

/**
 * The person asks about products, plans, prices or policies, or asks anything directly: the
 * catalog and pages are worth looking up (a question is answered first, then the capture goes on).
 */
export function wantsProductInfo(text: string): boolean {
  return buyingSignals(text) > 0 || PRODUCT_QUESTION.test(text) || DIRECT_QUESTION.test(text);
}

// Each token is tried from its start only: linear on a 20 KB token.
const EMAIL_OR_URL = /(?<!\S)[^\s@]+@\S+|https?:\/\/\S+/gu;

/** The message without the contact details it gave: "hannah.price@x.es. Hannah Price" asks about no price. */
export function withoutContactDetails(text: string, lead: ReplyRequest['lead']): string {
  const details = [lead.name?.value, lead.company?.value].filter((v): v is string => v !== undefined);
  return withoutPhrases(text.replace(EMAIL_OR_URL, ' '), details, 2);
}

/** One turn's model request and what its tools may touch, built before any model is asked. */
interface PreparedTurn {
  brief: TurnBrief;
  request: ChatRequest;
  /** Fields the tools captured during the turn. */
  captured: ExtractedFields;
  ctx: ToolContext;
  /** A product question (not a problem report): facts and `product_kb` are worth loading. */
  asksProducts: boolean;
}

/**
 * The machine's `think` effect: the configured model answers, with the turn's skills as tools,
 * within the model timeout; the built-in model answers instead when it fails, times out, or its
 * reply is refused by the output guard (and always when no LLM is configured).
 */
export function thinkEffect(deps: EffectDeps) {
  return fromPromise<ThinkOutput, ReplyRequest>(async ({ input, signal }) => {
    const turn = await prepareTurn(deps, input, signal);
    if (deps.model === deps.fallbackModel) return builtinAnswer(deps, input, turn, signal);
    return modelAnswer(deps, input, turn, signal);
  });
}

/** The brief, the model's context from history, and the tools' view of the conversation. */
async function prepareTurn(
  deps: EffectDeps,
  input: ReplyRequest,
  signal: AbortSignal,
): Promise<PreparedTurn> {
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
    priority: isUrgentTurn(input) ? PRIORITY.urgent : PRIORITY.normal,
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
  // A problem report ("me llegó un cargo doble en la tarjeta") is not a product question: it gets
  // no FAQ snippet about payment methods, it gets its case registered. A product question inside a
  // support case ("¿cuánto cuesta el plan Profesional?") is still answered.
  const reportsProblem =
    (input.interest === 'Soporte' || input.interest === 'Facturación') &&
    input.urgency !== 'Bajo' &&
    !asksAboutProducts(input.userText);
  const asksProducts = wantsProductInfo(withoutContactDetails(input.userText, input.lead)) && !reportsProblem;
  return { brief, request, captured, ctx, asksProducts };
}

/** A reply as it is sent: the reply format enforced, then decorated for the channel. */
function finish(deps: EffectDeps, brief: TurnBrief, text: string): string {
  return decorateReply(enforceReplyFormat(text, brief), brief, deps.settings.emojiChannels ?? []);
}

/** The built-in model answers product questions from the tenant's catalog and pages. */
async function builtinAnswer(
  deps: EffectDeps,
  input: ReplyRequest,
  { brief, request, captured, asksProducts }: PreparedTurn,
  signal: AbortSignal,
): Promise<ThinkOutput> {
  const facts = asksProducts
    ? await lookupFacts(deps.services.knowledge, input.tenantId, input.language, input.userText)
    : [];
  const withFacts = facts.length ? { ...request, brief: { ...brief, facts } } : request;
  const response = await deps.fallbackModel.complete(withFacts, signal);
  return { text: finish(deps, brief, response.text), captured };
}

/** The configured model with the turn's skills; the built-in model answers when it cannot. */
async function modelAnswer(
  deps: EffectDeps,
  input: ReplyRequest,
  turn: PreparedTurn,
  signal: AbortSignal,
): Promise<ThinkOutput> {
  const { conversationId } = input;
  const needs = {
    phase: input.phase,
    wantsProductInfo: turn.asksProducts,
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
    const { text, evidence } = await converse(
      deps,
      deps.model,
      turn.request,
      tools,
      turn.ctx,
      AbortSignal.any([signal, timeout]),
    );
    // Second line of defence: a reply that leaks the prompt or the state, or promises what nobody
    // offered, is replaced before it is sent.
    const refusal = guardReply(deps, turn.brief, text, evidence);
    if (refusal) {
      deps.log.warn(
        { conversationId, model: deps.model.name, refusal },
        'model reply refused by the output guard; replaced',
      );
      deps.onReplyRefused?.(conversationId, refusal);
      return builtinAnswer(deps, input, turn, signal);
    }
    return { text: finish(deps, turn.brief, text), captured: turn.captured };
  } catch (error) {
    if (signal.aborted) throw error;
    const reason = timeout.aborted ? 'timeout' : errorMessage(error);
    deps.log.warn(
      { conversationId, model: deps.model.name, reason },
      'model failed; the built-in model answers',
    );
    deps.onFallback?.(timeout.aborted ? 'timeout' : 'error');
    return builtinAnswer(deps, input, turn, signal);
  }
}

/** The output guard's verdict on a model reply, against this turn's prompt in both languages. */
function guardReply(deps: EffectDeps, brief: TurnBrief, text: string, evidence: readonly string[]) {
  const prompts = (['es', 'en'] as const).map((language) =>
    buildSystemPrompt({ ...brief, language }, deps.canary),
  );
  return checkReply(text, { prompts, canary: deps.canary, evidence });
}

/**
 * Turns the key pool serves from its urgent reserve: critical support (urgency Alto), hot leads and
 * handoff messages (the person asked for someone, or is being handed over).
 */
function isUrgentTurn(input: {
  urgency: string;
  qualification?: string | undefined;
  intent: string;
}): boolean {
  return (
    input.urgency === 'Alto' ||
    input.qualification === 'hot_lead' ||
    input.intent === 'confirm_human_handoff' ||
    input.intent === 'handoff_pending'
  );
}
