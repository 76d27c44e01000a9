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
  /** Votes per interest area, one per message that hinted it. */
  interestVotes: Partial<Record<InterestArea, number>>;
  wantsHuman: boolean;
  /** The person said there is no hurry ("no corre prisa", "whenever you can"). */
  calm?: boolean;
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
  return {
    urgencyPeak: Math.max(signals.urgencyPeak, analysis.urgency),
    urgencyNext: Math.max(signals.urgencyNext ?? 0, Math.min(signals.urgencyPeak, analysis.urgency)),
    sentimentLow: Math.min(signals.sentimentLow, analysis.sentiment),
    spamPeak: Math.max(signals.spamPeak, analysis.spamScore),
    buyingSignals: signals.buyingSignals + analysis.buyingSignals,
    concreteBuying: (signals.concreteBuying ?? 0) + (analysis.concreteBuying ?? 0),
    interestVotes,
    wantsHuman: signals.wantsHuman || analysis.wantsHuman,
    calm: signals.calm === true || analysis.calm === true,
  };
}

/** The area with most votes; ties go to the earlier area in the contract's order; none → `Otro`. */
export function interestArea(signals: FlowSignals): InterestArea {
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

/** Urgency from the words and the mood of the whole conversation. */
export function urgencyLevel(signals: FlowSignals): UrgencyLevel {
  // A second urgent message adds to the first ("tracking is dead on all vans" + "it's urgent").
  const next = signals.urgencyNext ?? 0;
  let score = next >= 0.3 ? 1 - (1 - signals.urgencyPeak) * (1 - 0.6 * next) : signals.urgencyPeak;
  // An angry person is more urgent than their words alone say.
  if (signals.sentimentLow <= -0.5) score += 0.2;
  if (signals.wantsHuman) score += 0.1;
  // Something is wrong (a wrong charge, an error, a locked account, said as a problem): at least
  // Medio, never Bajo. A billing request ("una copia de la factura") is not a problem.
  const area = interestArea(signals);
  if ((area === 'Facturación' || area === 'Soporte') && signals.calm !== true && signals.sentimentLow < 0)
    score = Math.max(score, 0.3);
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
  const hot = (signals.concreteBuying ?? 0) >= 1 || urgency !== 'Bajo';
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

/**
 * The one or two things to ask next: the need first, then name and email together; the optional
 * company rides along once with the last required field.
 */
export function fieldsToAsk(lead: LeadDraft, askedBefore: readonly LeadField[]): LeadField[] {
  const missing = missingRequired(lead);
  if (missing[0] === 'problem') return ['problem'];
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
