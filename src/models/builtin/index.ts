/**
 * The built-in deterministic model: writes each reply from the turn brief with es/en templates.
 * Needs no network; the embedded default when no LLM key is configured and the fallback when the
 * provider is unavailable.
 */

import type { LeadField, TurnBrief } from '../../protocol/index.ts';
import type { ChatModel, ChatRequest, ChatResponse, SummaryRequest } from '../../ports/chat-model.ts';
import { extractiveSummary } from '../../memory/consolidator.ts';
import { addressName } from '../../nlu/names.ts';
import { handoffConfirmation, handoffUpdate } from './handoff-phrases.ts';
import { reflectNeed } from './reflect.ts';
import { phrases, type DetailTopic, type PhraseBank, type PhraseContext } from './templates.ts';

/** FNV-1a 32-bit: a stable, dependency-free hash for picking variants. */
function hash(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i += 1) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}

/** Removes characters that would break the reply's format (a second question, Markdown). */
function safe(value: string): string {
  return value
    .replace(/[¿?*_`~[\]]/gu, '')
    .replace(/\s+/gu, ' ')
    .trim();
}

function contextOf(brief: TurnBrief): PhraseContext {
  const c: PhraseContext = {
    company: safe(brief.companyName),
    bot: safe(brief.botName),
    urgent: brief.urgency === 'Alto',
  };
  const name = brief.lead.name?.value;
  if (name !== undefined && name.trim() !== '') c.who = safe(addressName(name, brief.language));
  if (brief.reference !== undefined) c.reference = safe(brief.reference);
  const email = brief.lead.email?.value;
  if (email !== undefined) c.email = email.replace(/[\s*_`~]/gu, '');
  const phone = brief.lead.phone?.value;
  if (email === undefined && phone !== undefined) c.phone = phone.replace(/[*_`~]/gu, '');
  return c;
}

/** The need without a leading "(es) urgente" / "(it's) urgent" (the urgent acknowledgement says it). */
function withoutUrgency(need: string): string {
  return need
    .replace(
      /^(?:(?:es|está|esto es|it'?s|it is|this is)\s+)?(?:muy\s+|very\s+|super\s+)?(?:urgente|urgent(?:ly)?)\b[\s,:;.!-]*(?:(?:y|and|que|that)\s+)?/iu,
      '',
    )
    .trim();
}

/** Paragraphs → reply text (at most two, separated by one blank line). */
function paragraphs(...parts: (string | undefined)[]): string {
  return parts
    .filter((p): p is string => p !== undefined && p.trim() !== '')
    .slice(0, 2)
    .join('\n\n');
}

/** Picks variants deterministically from tenant + turn + intent + slot. */
function picker(brief: TurnBrief) {
  return <T>(slot: string, options: readonly T[]): T => {
    const i = hash(`${brief.tenantId}|${brief.turn}|${brief.intent}|${slot}`) % options.length;
    const picked = options[i] ?? options[0];
    if (picked === undefined) throw new Error(`Empty phrase slot '${slot}'.`);
    return picked;
  };
}

function detailTopic(brief: TurnBrief): DetailTopic {
  if (brief.interest === 'Ventas') return 'sales';
  return brief.interest === 'Soporte' || brief.interest === 'Facturación' ? 'problem' : 'other';
}

function question(brief: TurnBrief, p: PhraseBank, pick: ReturnType<typeof picker>): string {
  const ask: LeadField[] = brief.ask.length > 0 ? brief.ask.slice(0, 2) : ['problem'];
  const [a, b] = ask;
  // The need was said but is thin: one question about it, by topic.
  if (a === 'problem' && b === undefined && brief.lead.problem !== undefined)
    return pick('askDetail', p.askDetail[detailTopic(brief)]);
  if (a !== undefined && b !== undefined) return pick('askTwo', p.askTwo)(p.label[a], p.label[b]);
  return pick('askOne', p.askOne[a ?? 'problem']);
}

/** The confirmation's last line: the company, asked once, or "anything else?". */
function closingQuestion(brief: TurnBrief, p: PhraseBank, pick: ReturnType<typeof picker>): string {
  return brief.ask.includes('company')
    ? pick('askCompanyLast', p.askCompanyLast)
    : pick('anythingElse', p.anythingElse);
}

function acknowledgement(
  brief: TurnBrief,
  p: PhraseBank,
  c: PhraseContext,
  pick: ReturnType<typeof picker>,
): string[] {
  const out: string[] = [];
  const added = new Set(brief.newlyCaptured);
  if (added.has('name') && c.who !== undefined) out.push(pick('ackName', p.ackName)(c));
  if (added.has('problem')) {
    const need = brief.lead.problem?.value;
    const reflected = need === undefined ? undefined : reflectNeed(safe(need), brief.language);
    if (reflected === undefined) out.push(pick('ackNeedGeneric', p.ackNeedGeneric));
    else if (c.urgent) {
      // "Entiendo que es urgente: es urgente, …" says it twice: the urgency is said once.
      const rest = withoutUrgency(reflected);
      out.push(
        rest ? pick('ackUrgentNeed', p.ackUrgentNeed)(rest) : pick('ackNeedGeneric', p.ackNeedGeneric),
      );
    } else out.push(pick('ackNeed', p.ackNeed)(reflected));
  }
  if (out.length < 2) {
    const company = brief.lead.company?.value;
    if (added.has('email')) out.push(pick('ackEmail', p.ackEmail));
    else if (added.has('phone')) out.push(pick('ackPhone', p.ackPhone));
    else if (added.has('company') && company !== undefined)
      out.push(pick('ackCompany', p.ackCompany)(safe(company)));
  }
  return out.slice(0, 2);
}

/** Writes the reply text for `brief` (pure and deterministic). */
export function writeReply(brief: TurnBrief): string {
  const reply = composeReply(brief);
  const fact = brief.facts?.[0];
  if (
    !fact ||
    brief.intent === 'spam_ack' ||
    brief.intent === 'apology' ||
    brief.intent === 'farewell' ||
    brief.intent === 'nudge' ||
    brief.intent === 'handoff_pending'
  )
    return reply;
  // The answer to the question comes first; the reply's own first paragraph follows it.
  // Sources stay in the console and the logs: a chat bubble carries the answer only.
  const [first, ...rest] = reply.split('\n\n');
  const answer = `${safe(fact.text).replace(/[.\s]+$/u, '')}.`;
  if (rest.length === 0) return `${answer}\n\n${first}`;
  // A question is answered, not echoed back as a need: the answer replaces the acknowledgement.
  if (/[?¿]/u.test(brief.userText)) return `${answer}\n\n${rest.join(' ')}`;
  return `${answer} ${first}\n\n${rest.join(' ')}`;
}

function composeReply(brief: TurnBrief): string {
  const p = phrases(brief.language);
  const c = contextOf(brief);
  const pick = picker(brief);
  switch (brief.intent) {
    case 'ask_need':
      return pick('greet', p.greet)(c);
    case 'ask_fields': {
      const ack = acknowledgement(brief, p, c, pick);
      const q = question(brief, p, pick);
      if (ack.length === 0) return `${pick('leadIn', p.leadIn)} ${q}`;
      return paragraphs(ack.join(' '), q);
    }
    case 'reask_email': {
      const bad = brief.invalidEmail === undefined ? '' : safe(brief.invalidEmail).slice(0, 80);
      const suggested = brief.suggestedEmail?.replace(/[\s*_`~]/gu, '');
      const ask = suggested
        ? pick('suggest', p.suggest)(suggested)
        : bad === ''
          ? pick('reaskUnknown', p.reaskUnknown)
          : pick('reask', p.reask)(bad);
      const ack =
        brief.newlyCaptured.includes('name') && c.who !== undefined
          ? pick('ackName', p.ackName)(c)
          : undefined;
      return paragraphs(ack, ask);
    }
    case 'confirm_lead': {
      const next = c.phone ? p.byPhone(c) : pick('confirmLeadNext', p.confirmLeadNext)(c);
      const first = [p.confirmLeadStart(c), next];
      if (c.urgent) first.push(p.prioritised);
      return paragraphs(first.join(' '), closingQuestion(brief, p, pick));
    }
    case 'confirm_ticket': {
      const first = [
        pick('confirmTicketStart', p.confirmTicketStart)(c),
        c.phone ? p.byPhone(c) : pick('confirmTicketNext', p.confirmTicketNext)(c),
      ];
      if (c.urgent) first.push(p.prioritised);
      return paragraphs(first.join(' '), closingQuestion(brief, p, pick));
    }
    case 'confirm_human_handoff': {
      const meanwhile = brief.ask.includes('company')
        ? pick('askCompanyLast', p.askCompanyLast)
        : pick('handoffMeanwhile', p.handoffMeanwhile);
      const honest = handoffConfirmation(brief.handoff, c, brief.language);
      if (honest) return paragraphs(honest, meanwhile);
      const first = c.urgent
        ? pick('handoffUrgent', p.handoffUrgent)(c)
        : pick('handoffCalm', p.handoffCalm)(c);
      return paragraphs(first, meanwhile);
    }
    case 'spam_ack':
      return pick('spam', p.spam);
    case 'closed_followup': {
      // A detail given after registration updated the case: say so, not "it is registered" again.
      const news = brief.newlyCaptured.some((f) => f !== 'problem');
      const first = news ? pick('updated', p.updated)(c) : pick('closed', p.closed)(c);
      return paragraphs(first, pick('anythingElse', p.anythingElse));
    }
    case 'farewell':
      return pick('farewell', p.farewell)(c);
    case 'apology':
      return pick('apology', p.apology);
    case 'reassure_field': {
      const field = brief.ask[0] ?? 'email';
      return paragraphs(pick('reassure', p.reassure)(p.label[field]), question(brief, p, pick));
    }
    case 'nudge':
      return paragraphs(pick('nudge', p.nudge)(c), question(brief, p, pick));
    case 'handoff_pending':
      return handoffUpdate(brief.handoff, c, brief.language) ?? pick('handoffPending', p.handoffPending)(c);
  }
}

/**
 * The built-in model (`name: 'builtin'`): template replies in Spanish and English, no tool calls,
 * no network. Honours `signal`: an aborted call rejects with the abort reason.
 */
export class BuiltinModel implements ChatModel {
  readonly name = 'builtin';

  /** Writes the reply for `request.brief`; rejects with `signal.reason` when aborted. */
  complete(request: ChatRequest, signal: AbortSignal): Promise<ChatResponse> {
    return new Promise<ChatResponse>((resolve) => {
      // throwIfAborted rejects this promise with the signal's own reason.
      signal.throwIfAborted();
      resolve({ text: writeReply(request.brief), toolCalls: [], model: 'builtin' });
    });
  }

  /** The extractive summary (needs, details given, last open question). */
  summarise(request: SummaryRequest, signal: AbortSignal): Promise<string> {
    return new Promise<string>((resolve) => {
      signal.throwIfAborted();
      resolve(extractiveSummary(request.lines, request.language, request.previous));
    });
  }
}
