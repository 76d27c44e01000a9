/**
 * Promises a reply must not make on the company's behalf unless what the model was given this turn
 * (catalog, pricing, documents) says them: a percentage off, something free or for life, a refund,
 * or a guarantee of money or terms ("le garantizo por escrito…"). Spanish, English and Portuguese.
 * Every pattern is linear: bounded gaps, no nested quantifiers.
 */
import { foldAccents } from './normalize/fold.ts';

const MONEY_TERMS =
  'descuentos?|dto|rebajas?|bonificacion|discounts?|descontos?|reembolsos?|refunds?|devolucion|devolucao|gratis|gratuito|gratuita|for free|free of charge|free (?:for|forever|months?|years?|plan|upgrade)|sin costo|sin cargo|at no cost|no charge|sem custo|compensacion|compensation|compensacao|indemnizacion|por escrito|in writing|contrato|contract|de por vida|for life|lifetime|para siempre|forever|para sempre|vitalici[oa]';

/** A percentage off ("un 75% de descuento", "20% off", "desconto de 30%"); group 1 or 2 is the figure. */
const PERCENT_OFF =
  /(\d{1,3}(?:[.,]\d{1,2})?)\s?%\s{0,3}(?:de\s{1,3})?(?:descuento|dto|off|discount|desconto|rebaja|bonificacion)|(?:descuento|discount|desconto|rebaja)\s{1,3}(?:del?|of|do)?\s{0,3}(?:un\s{1,3}|an?\s{1,3}|um\s{1,3})?(\d{1,3}(?:[.,]\d{1,2})?)\s?%/u;

/** Free or discounted for life, forever. */
const FOR_LIFE = new RegExp(
  `(?:de por vida|para siempre|for life|lifetime|forever|para sempre|vitalici[oa])[^.!?\\n]{0,60}(?:${MONEY_TERMS})|(?:${MONEY_TERMS})[^.!?\\n]{0,60}(?:de por vida|para siempre|for life|lifetime|forever|para sempre|vitalici[oa])`,
  'u',
);

/** "I guarantee / promise / assure you" or "Confirmed:" followed by money or terms (group 1). */
const GUARANTEE = new RegExp(
  `\\b(?:garantizo|garantizamos|aseguro|aseguramos|prometo|prometemos|garanto|garantimos|asseguro|guarantee|guaranteed|promise|assure|confirmad[oa]|confirmed|confirmo|confirmamos)\\b[^\\n]{0,80}?\\b(${MONEY_TERMS})\\b`,
  'gu',
);

/** Terms no chat reply may commit to, whatever the sources say. */
const NEVER_IN_CHAT = /^(?:por escrito|in writing|contrato|contract)$/u;

/** "We will refund you", "le devolvemos el dinero". */
const REFUND_PROMISE =
  /\b(?:(?:le|te|les|lhe)\s{1,3}(?:devolvemos|devolveremos|reembolsamos|reembolsaremos|reintegramos|reintegraremos)|vamos a (?:devolverle|reembolsarle|reintegrarle)|we(?:'ll| will| are going to)\s{1,3}refund|i(?:'ll| will)\s{1,3}refund|vamos (?:devolver|reembolsar)|iremos reembolsar)\b/u;

const REFUND_WORDS = /reembols|refund|devolu|reintegr/u;

/** A negation just before a match ("no puedo garantizarle", "I can't promise", "não oferecemos"). */
const NEGATED = /\b(?:no|not|never|nunca|jamas|nao|cannot|can't|won't|don't|doesn't|ni)\b[^.!?\n]{0,30}$/u;

function negated(text: string, at: number): boolean {
  return NEGATED.test(text.slice(Math.max(0, at - 40), at));
}

/** A guarantee of money or terms that the sources do not back. */
function unbackedGuarantee(text: string, sources: string): boolean {
  for (const m of text.matchAll(GUARANTEE)) {
    const term = m[1] ?? '';
    if (negated(text, m.index)) continue;
    if (NEVER_IN_CHAT.test(term) || !sources.includes(term)) return true;
  }
  return false;
}

/** True when `reply` commits the company to something `evidence` (this turn's sources) does not say. */
export function commitmentIn(reply: string, evidence: readonly string[]): boolean {
  const text = foldAccents(reply.toLowerCase());
  const sources = foldAccents(evidence.join('\n').toLowerCase());
  const percent = PERCENT_OFF.exec(text);
  if (percent && !negated(text, percent.index)) {
    const figure = (percent[1] ?? percent[2] ?? '').replace(',', '.');
    if (!new RegExp(`(?<![\\d.])${figure.replace('.', '[.,]')}\\s?%`, 'u').test(sources)) return true;
  }
  if (
    FOR_LIFE.test(text) &&
    !/de por vida|para siempre|for life|lifetime|forever|para sempre|vitalici/u.test(sources)
  )
    return true;
  if (unbackedGuarantee(text, sources)) return true;
  const refund = REFUND_PROMISE.exec(text);
  if (refund && !negated(text, refund.index) && !REFUND_WORDS.test(sources)) return true;
  return false;
}
