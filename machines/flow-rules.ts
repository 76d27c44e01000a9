/**
 * Pure decision rules of the conversation flow: what is missing, what to ask, how urgent, what kind
 * of lead. The machine calls these from guards and assigns; tests call them directly.
 */
import type {
  CapturedValue,
  InterestArea,
  LeadDraft,
  LeadField,
  MessageAnalysis,
  Qualification,
  UrgencyLevel,
} from '../src/protocol/index.ts';
import { INTEREST_AREAS, REQUIRED_LEAD_FIELDS } from '../src/protocol/index.ts';

/** Signals accumulated over the whole conversation. */
export interface FlowSignals {
  /** Highest urgency seen (0..1). */
  urgencyPeak: number;
  /** Second highest urgency seen (0..1): two urgent messages say more than one. */
  urgencyNext?: number;
  /** Lowest sentiment seen (-1..1). */
  sentimentLow: number;
  /** Highest spam score seen (0..1). */
  spamPeak: number;
  buyingSignals: number;
  /** Concrete buying steps seen (a quote, a demo, a contract, a fleet size). */
  concreteBuying?: number;
  /** Concrete steps that are not a size (a quote, a demo, a contract). */
  buyingSteps?: number;
  /** Votes per interest area, one per message that hinted it. */
  interestVotes: Partial<Record<InterestArea, number>>;
  /** The highest urgency of a message per area it pointed to. */
  areaUrgency?: Partial<Record<InterestArea, number>>;
  wantsHuman: boolean;
  /** The person said there is no hurry ("no corre prisa", "whenever you can"). */
  calm?: boolean;
  /** A size or a date was given for the need. */
  scoped?: boolean;
  /** A support or billing message told of something wrong. */
  problem?: boolean;
  /** Content words said about the need so far. */
  needWords?: number;
}

export const EMPTY_SIGNALS: FlowSignals = {
  urgencyPeak: 0,
  sentimentLow: 0,
  spamPeak: 0,
  buyingSignals: 0,
  interestVotes: {},
  wantsHuman: false,
};

/** Spam threshold on `spamScore`. */
export const SPAM_THRESHOLD = 0.7;

export function accumulateSignals(signals: FlowSignals, analysis: MessageAnalysis): FlowSignals {
  const interestVotes = { ...signals.interestVotes };
  if (analysis.interest)
    interestVotes[analysis.interest] =
      (interestVotes[analysis.interest] ?? 0) + (analysis.interestConfidence ?? 1);
  const areaUrgency = { ...signals.areaUrgency };
  if (analysis.interest)
    areaUrgency[analysis.interest] = Math.max(areaUrgency[analysis.interest] ?? 0, analysis.urgency);
  return {
    urgencyPeak: Math.max(signals.urgencyPeak, analysis.urgency),
    urgencyNext: Math.max(signals.urgencyNext ?? 0, Math.min(signals.urgencyPeak, analysis.urgency)),
    sentimentLow: Math.min(signals.sentimentLow, analysis.sentiment),
    spamPeak: Math.max(signals.spamPeak, analysis.spamScore),
    buyingSignals: signals.buyingSignals + analysis.buyingSignals,
    concreteBuying: (signals.concreteBuying ?? 0) + (analysis.concreteBuying ?? 0),
    buyingSteps: (signals.buyingSteps ?? 0) + (analysis.buyingSteps ?? 0),
    interestVotes,
    areaUrgency,
    wantsHuman: signals.wantsHuman || analysis.wantsHuman,
    calm: signals.calm === true || analysis.calm === true,
    scoped: signals.scoped === true || analysis.scoped === true,
    problem: signals.problem === true || analysis.problem === true,
    needWords: (signals.needWords ?? 0) + (analysis.needWords ?? 0),
  };
}

/** Support and billing: the areas where something is wrong (the others are questions or offers). */
function isProblemArea(area: InterestArea): boolean {
  return area === 'Soporte' || area === 'Facturación';
}

/** A problem (support or billing) said with at least this urgency is the case, whatever came before. */
const PROBLEM_URGENCY = 0.3;
/** A second problem must be this much more urgent than the main topic to take its place. */
const MORE_PRESSING = 0.15;

function mostVoted(signals: FlowSignals): InterestArea {
  let best: InterestArea = 'Otro';
  let votes = 0;
  for (const area of INTEREST_AREAS) {
    const v = signals.interestVotes[area] ?? 0;
    if (v > votes) {
      best = area;
      votes = v;
    }
  }
  return best;
}

/**
 * The conversation's area: the most voted, except that a problem (support or billing, at least
 * Medio) told as something wrong outranks a sales or other question, and a clearly more pressing
 * problem outranks a milder topic ("a copy of an invoice… and more important: the ETAs are two hours
 * off" is support; a buyer's pain said twice stays the purchase). Ties go to the earlier area in the
 * contract's order; none → `Otro`.
 */
export function interestArea(signals: FlowSignals): InterestArea {
  const voted = mostVoted(signals);
  const urgencyOf = (a: InterestArea): number => signals.areaUrgency?.[a] ?? 0;
  let pressing: InterestArea | undefined;
  for (const area of ['Soporte', 'Facturación'] as const)
    if (urgencyOf(area) >= PROBLEM_URGENCY && (!pressing || urgencyOf(area) > urgencyOf(pressing)))
      pressing = area;
  if (pressing === undefined || pressing === voted) return voted;
  // Something wrong told as one ("we got charged twice") outranks a question about buying.
  if (!isProblemArea(voted) && signals.problem === true) return pressing;
  return urgencyOf(pressing) >= urgencyOf(voted) + MORE_PRESSING ? pressing : voted;
}

/** A second message this urgent adds to the first (two Medio messages stay Medio). */
const ADD_UP = 0.6;

/** Urgency from the words and the mood of the whole conversation. */
export function urgencyLevel(signals: FlowSignals): UrgencyLevel {
  // A second urgent message adds to the first ("tracking is dead on all vans" + "it's urgent").
  const next = signals.urgencyNext ?? 0;
  let score = next >= ADD_UP ? 1 - (1 - signals.urgencyPeak) * (1 - 0.6 * next) : signals.urgencyPeak;
  // An angry person is more urgent than their words alone say.
  if (signals.sentimentLow <= -0.5) score += 0.2;
  if (signals.wantsHuman) score += 0.1;
  // Something is wrong (a wrong charge, an error, a locked account, said as a problem): at least
  // Medio, never Bajo. A billing request ("una copia de la factura") is not a problem.
  const area = interestArea(signals);
  // Told as something wrong, a problem stays Medio even when it can wait ("no es urgente pero el
  // informe sale mal"); a bad mood alone counts only when they did not say it can wait.
  const told = signals.problem === true || (signals.sentimentLow < 0 && signals.calm !== true);
  if (isProblemArea(area) && told) score = Math.max(score, 0.3);
  // No hurry said and nothing stopping: a buyer (or anyone else) is Bajo.
  if (signals.calm === true && !isProblemArea(area) && score < 0.55) score = Math.min(score, 0.29);
  // A buyer with a concrete need (a size, a quote, a demo, a date) is at least Medio, unless calm.
  if (area === 'Ventas' && (signals.concreteBuying ?? 0) >= 1 && signals.calm !== true)
    score = Math.max(score, 0.3);
  // Partnerships, press, job seekers: a date ("next month") is their calendar, not an urgency.
  if (area === 'Otro' && score < 0.55) score = Math.min(score, 0.29);
  if (score >= 0.55) return 'Alto';
  if (score >= 0.3) return 'Medio';
  return 'Bajo';
}

export function isSpam(signals: FlowSignals): boolean {
  return signals.spamPeak >= SPAM_THRESHOLD;
}

/** hot / warm lead, support or spam. */
export function qualify(signals: FlowSignals, _lead: LeadDraft): Qualification {
  if (isSpam(signals)) return 'spam';
  const area = interestArea(signals);
  if (area === 'Soporte' || area === 'Facturación') return 'support';
  // Partnerships, press, job seekers: followed up, never a hot sales lead.
  if (area === 'Otro' && (signals.interestVotes.Otro ?? 0) > 0) return 'warm_lead';
  const urgency = urgencyLevel(signals);
  // A buyer with a date ("before next month") or a concrete step (a quote, a demo, a contract, a
  // fleet size). Prices alone are interest, not intent; a company no longer counts (everyone is asked).
  // A quote or a demo asked for is a purchase even without hurry; browsing or "no hurry" with only a
  // fleet size is still browsing (warm).
  const hot =
    urgency !== 'Bajo' ||
    (signals.buyingSteps ?? 0) >= 1 ||
    ((signals.concreteBuying ?? 0) >= 1 && signals.calm !== true);
  return hot ? 'hot_lead' : 'warm_lead';
}

/** Support that cannot wait: a person takes over. */
export function needsHuman(signals: FlowSignals): boolean {
  return signals.wantsHuman || urgencyLevel(signals) === 'Alto';
}

export function missingRequired(lead: LeadDraft): LeadField[] {
  return REQUIRED_LEAD_FIELDS.filter((f) => lead[f] === undefined);
}

export function isCaptureComplete(lead: LeadDraft): boolean {
  return missingRequired(lead).length === 0;
}

/** The optional company was neither given nor asked yet: the confirmation asks it once, lightly. */
export function companyPending(lead: LeadDraft, askedBefore: readonly LeadField[]): boolean {
  return lead.company === undefined && !askedBefore.includes('company');
}

/**
 * The person declined the email (and was told once why it helps) but left a phone: the lead closes
 * with what there is (status `partial`, still delivered) and they are called instead.
 */
export function reachableByPhone(lead: LeadDraft, reassured: readonly LeadField[]): boolean {
  return (
    lead.email === undefined &&
    lead.phone !== undefined &&
    lead.name !== undefined &&
    lead.problem !== undefined &&
    reassured.includes('email')
  );
}

/** Below this many content words, a problem (support, billing, other) is asked about once more. */
const THIN_NEED_WORDS = 5;

/**
 * The need is said but too thin to act on, so the bot asks about it once before the contact
 * details: a purchase with neither a size nor a date ("quiero precios"), or a problem told in a
 * few words ("tengo un problema con la app"). Never when it is critical or a person was asked for.
 */
export function needIsThin(signals: FlowSignals, lead: LeadDraft): boolean {
  if (lead.problem === undefined || signals.wantsHuman || isSpam(signals)) return false;
  if (urgencyLevel(signals) === 'Alto') return false;
  if (interestArea(signals) === 'Ventas') return signals.scoped !== true;
  return (signals.needWords ?? 0) < THIN_NEED_WORDS;
}

/**
 * The one or two things to ask next: the need first (and once more when it is thin), then name
 * and email together; the optional company rides along once with the last required field.
 */
export function fieldsToAsk(
  lead: LeadDraft,
  askedBefore: readonly LeadField[],
  options: { thinNeed?: boolean } = {},
): LeadField[] {
  const missing = missingRequired(lead);
  if (missing[0] === 'problem') return ['problem'];
  if (options.thinNeed === true && !askedBefore.includes('problem') && missing.length > 0) return ['problem'];
  const ask = missing.slice(0, 2);
  if (ask.length === 1 && lead.company === undefined && !askedBefore.includes('company')) ask.push('company');
  return ask;
}

/** Which detail a decline is about ("prefiero no dar mi correo" → email), else the first one asked. */
export function declinedField(text: string, expecting: readonly LeadField[]): LeadField | undefined {
  const t = text.toLowerCase();
  const named: [LeadField, RegExp][] = [
    ['email', /correo|e-?mail|\bmail\b/u],
    ['phone', /tel[eé]fono|celular|whats|phone|n[uú]mero|number/u],
    ['name', /nombre|\bname\b/u],
    ['company', /empresa|compa[nñ][ií]a|negocio|company|business/u],
  ];
  for (const [field, pattern] of named) if (pattern.test(t)) return field;
  return expecting[0];
}

/** "me llamo…", "my name is…": an explicit introduction corrects a name captured earlier. */
export function correctsName(text: string): boolean {
  return /\b(me llamo|mi nombre (?:es|correcto es)|my name is|call me|i'm actually|en realidad soy)\b/iu.test(
    text,
  );
}

/** Merges what one message revealed; the first value of a field wins, except email, which a correction replaces. */
export function mergeFields(
  lead: LeadDraft,
  fields: Partial<Record<LeadField, string>>,
  turn: number,
  problemSummary: string | undefined,
  options: { correctsName?: boolean } = {},
): { lead: LeadDraft; newlyCaptured: LeadField[] } {
  const next: LeadDraft = { ...lead };
  const newlyCaptured: LeadField[] = [];
  const set = (field: LeadField, value: string | undefined, replace: boolean): void => {
    if (!value) return;
    const current: CapturedValue | undefined = next[field];
    if (current && (!replace || current.value === value)) return;
    next[field] = { value, turn: current && field === 'problem' ? current.turn : turn };
    // A growing problem summary is not news to acknowledge; a first one is.
    if (!current || field !== 'problem') newlyCaptured.push(field);
  };
  set('name', fields.name, options.correctsName === true);
  set('email', fields.email, true);
  set('phone', fields.phone, false);
  set('company', fields.company, false);
  set('problem', problemSummary ?? fields.problem, true);
  return { lead: next, newlyCaptured };
}
