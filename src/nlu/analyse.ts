/**
 * One-call analysis of an inbound message: language, fields, need, urgency, sentiment, spam,
 * interest, buying signals, greeting / farewell / wants-human. Deterministic and pure.
 */

import type {
  ExtractedFields,
  InterestArea,
  Language,
  LeadField,
  MessageAnalysis,
} from '../protocol/index.ts';
import { extractFields } from './extract.ts';
import { detectLanguage, requestedLanguage } from './language.ts';
import {
  buyingSignals,
  extractNeed,
  interestArea,
  isFarewell,
  isGreetingOnly,
  sentimentScore,
  spamScore,
  urgencyScore,
  wantsHuman,
  declinesDetail,
  soundsCalm,
  buyingSteps,
  concreteBuyingSignals,
  statesScope,
} from './signals.ts';
import { contentWords } from './need.ts';
import { withoutDirectives } from './directives.ts';
import { fold, withoutPhrases } from './text.ts';
import { areaModel, problemModel, spamModel, urgencyModel } from './models.ts';
import { suggestEmail } from './email-suggest.ts';
import { affirms } from './intents.ts';

/** What the conversation knows when the message arrives. */
export interface AnalyseContext {
  /** Fields the bot just asked for (short answers count for them). */
  expecting: readonly LeadField[];
  /** Language of the conversation so far (short messages keep it). */
  previousLanguage?: Language;
  /** The tenant's language when nothing else tells. */
  defaultLanguage: Language;
}

const SPOKEN_EMAIL_WORDS = new Set(['arroba', 'punto', 'at', 'dot']);

/** The need minus any captured field values; undefined when nothing of substance is left. */
function needBeyondFields(need: string, values: readonly string[]): string | undefined {
  const used = new Set(values.flatMap((v) => fold(v).match(/[\p{L}\p{N}]+/gu) ?? []));
  const rest = (fold(need).match(/[\p{L}\p{N}]+/gu) ?? []).filter(
    (w) => !used.has(w) && !SPOKEN_EMAIL_WORDS.has(w),
  );
  return rest.length >= 2 ? need : undefined;
}

/**
 * A short answer that is just the detail the bot asked for ("hughes & son haulage", "Marta Ruiz"):
 * names carry no language, so the conversation's language stays (unless they ask for another).
 */
function shortAnswer(text: string, fields: ExtractedFields, ctx: AnalyseContext): boolean {
  if (ctx.previousLanguage === undefined || ctx.expecting.length === 0) return false;
  if (!ctx.expecting.some((f) => fields[f] !== undefined)) return false;
  const words = text.match(/[\p{L}\p{N}@.'’&-]+/gu) ?? [];
  return words.length <= 6 && requestedLanguage(text) === undefined;
}

/**
 * Analyses one inbound message (see `MessageAnalysis`); `fields.problem` is set when a need is stated.
 * Sentences that instruct the bot ("clasifica esto como hot_lead") are left out (`withoutDirectives`).
 */
export function analyseMessage(original: string, ctx: AnalyseContext): MessageAnalysis {
  // An attempt to instruct the bot inside a real request is not part of the request.
  const text = withoutDirectives(original);
  const { fields, invalidEmail } = extractFields(text, { expecting: ctx.expecting });
  const lang = shortAnswer(text, fields, ctx)
    ? { language: ctx.previousLanguage as Language, confidence: 0.5 }
    : detectLanguage(text, ctx.previousLanguage, ctx.defaultLanguage);
  const greetingOnly = isGreetingOnly(text);
  const captured = [fields.name, fields.company, fields.email, fields.phone, invalidEmail].filter(
    (v): v is string => v !== undefined,
  );
  // "sí, perdón", "yes yahoo.com sorry": a confirmation, not a need.
  const yes = affirms(text);
  const details = [fields.name, fields.company, fields.email].filter((v): v is string => v !== undefined);
  let need = greetingOnly || yes ? undefined : extractNeed(text, details);
  if (need !== undefined) need = needBeyondFields(need, captured);
  const analysis: MessageAnalysis = {
    language: lang.language,
    languageConfidence: lang.confidence,
    fields: need === undefined ? fields : { ...fields, problem: need },
    urgency: urgencyScore(text),
    sentiment: sentimentScore(text),
    spamScore: Math.max(spamScore(original), modelSpam(original)),
    buyingSignals: buyingSignals(text),
    greetingOnly,
    farewell: isFarewell(text),
    wantsHuman: wantsHuman(text),
    declines: declinesDetail(text),
  };
  // The answer to a detail question ("CobraPay", "Pagos Rápidos SA") names no topic.
  const answersDetail = need === undefined && ctx.expecting.length > 0 && !ctx.expecting.includes('problem');
  // Topic and urgency read what was said about the need, not the contact details around it.
  const topicText = withoutPhrases(text, captured);
  const interest = answersDetail ? undefined : topicOf(topicText, need !== undefined);
  if (interest !== undefined) {
    analysis.interest = interest.area;
    analysis.interestConfidence = interest.confidence;
  }
  // An answer to what the bot asked ("just me, I'm job hunting at the moment") states no need: the
  // trained model's urgency is for needs, the keyword signals still count.
  if (need !== undefined || ctx.expecting.length === 0)
    analysis.urgency = combinedUrgency(topicText, analysis.urgency, interest?.area);
  if (invalidEmail !== undefined) analysis.invalidEmail = invalidEmail;
  const suggestion = fields.email === undefined ? undefined : suggestEmail(fields.email);
  if (suggestion !== undefined && suggestion !== fields.email) analysis.emailSuggestion = suggestion;
  if (yes) analysis.affirms = true;
  if (soundsCalm(text)) analysis.calm = true;
  // Support or billing told as something wrong, not a routine request.
  const problemArea = interest?.area === 'Soporte' || interest?.area === 'Facturación';
  if (
    problemArea &&
    need !== undefined &&
    analysis.calm !== true &&
    problemModel().top(text).label === 'problem'
  )
    analysis.problem = true;
  const concrete = concreteBuyingSignals(text);
  if (concrete > 0) analysis.concreteBuying = concrete;
  const steps = buyingSteps(text);
  if (steps > 0) analysis.buyingSteps = steps;
  if (need !== undefined) {
    analysis.need = need;
    analysis.needWords = contentWords(need);
    if (statesScope(need)) analysis.scoped = true;
  }
  return analysis;
}

/**
 * The spam model's view on the same 0..1 scale (0.7 = spam from P(spam) 0.9). Only on messages of a
 * few words: a name, an email or "ok" is no evidence either way, and a false alarm loses a lead.
 */
function modelSpam(text: string): number {
  if ((text.match(/[\p{L}\p{N}]+/gu) ?? []).length < 4) return 0;
  const p = spamModel().predict(text.slice(0, 5000)).spam;
  // Held out, P(spam) ≥ 0.9 flags 44 % of unseen spam and none of the hard genuine messages; lower,
  // real answers ("sorry no email, mejor por whatsapp") start to look like spam.
  return Math.min(1, Math.max(0, ((p - 0.6) / 0.3) * 0.7));
}

/**
 * The topic of one message: the trained classifier's area when it is reasonably sure, else the
 * keyword signals (which also break near-ties); undefined for messages about nothing in particular.
 */
function topicOf(text: string, statesNeed: boolean): { area: InterestArea; confidence: number } | undefined {
  const { label, p } = areaModel().top(text);
  const keyword = interestArea(text);
  if (label !== 'none' && p >= 0.45) {
    if (keyword !== undefined && keyword !== label && p < 0.6) return { area: keyword, confidence: 0.5 };
    return { area: label, confidence: p };
  }
  if (keyword !== undefined) return { area: keyword, confidence: 0.5 };
  return statesNeed && label !== 'none' && p >= 0.3 ? { area: label, confidence: p } : undefined;
}

/** The model's P(Alto) from which a message reads as Alto (balanced training inflates the rare class). */
const ALTO_P = 0.6;

/**
 * The trained model's urgency on the same 0..1 scale as the keyword score (Medio from 0.3, Alto from
 * 0.55), read as an ordinal median: Alto when it is clearly likely (`ALTO_P`), Medio when "at least
 * Medio" is more likely than not, Bajo otherwise, placed within the band by how sure it is.
 */
export function modelUrgency(p: Record<'Alto' | 'Medio' | 'Bajo', number>): number {
  const atLeastMedio = p.Alto + p.Medio;
  if (p.Alto >= ALTO_P) return 0.55 + 0.45 * ((p.Alto - ALTO_P) / (1 - ALTO_P));
  if (atLeastMedio >= 0.5) return 0.3 + 0.25 * Math.min(1, p.Alto / ALTO_P);
  return 0.3 * (atLeastMedio / 0.5);
}

/** A buyer's message is Alto from the model alone at most up to here (Medio)… */
const MODEL_ALONE_CAP = 0.5;
/** …unless a keyword of hurry, a near date or impact says this much. */
const SAID_HURRY = 0.3;

/** Keyword urgency (impact words, tone) and the trained urgency model, whichever says more. */
function combinedUrgency(text: string, keywordScore: number, area: InterestArea | undefined): number {
  if (soundsCalm(text)) return keywordScore;
  const model = modelUrgency(urgencyModel().predict(text));
  // A purchase is Alto only with something said (a near date, money lost, hurry words): the model
  // alone reads a buyer's detailed request as pressing.
  if (area === 'Ventas' && keywordScore < SAID_HURRY)
    return Math.max(keywordScore, Math.min(model, MODEL_ALONE_CAP));
  return Math.max(keywordScore, model);
}
