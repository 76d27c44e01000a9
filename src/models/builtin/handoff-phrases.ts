/**
 * What the built-in model says about a human handoff, honestly: a person was alerted only when an
 * alert channel accepted the alert; outside business hours, when the team is back; after an
 * escalation, the time the team expects to need. Spanish ("usted") and English.
 */

import type { HandoffPromise, Language } from '../../protocol/index.ts';
import type { PhraseContext } from './templates.ts';

const comma = (who: string | undefined) => (who ? `, ${who}` : '');
const ref = (c: PhraseContext, language: Language) =>
  c.reference ? (language === 'es' ? ` (referencia *${c.reference}*)` : ` (reference *${c.reference}*)`) : '';

function via(promise: HandoffPromise, c: PhraseContext, language: Language): string {
  if (promise.contactVia === 'email')
    return language === 'es'
      ? `por correo${c.email ? ` a ${c.email}` : ''}`
      : `by email${c.email ? ` at ${c.email}` : ''}`;
  if (promise.contactVia === 'phone') return language === 'es' ? 'por teléfono' : 'by phone';
  return language === 'es' ? 'por este mismo chat' : 'right here in this chat';
}

/** The confirmation of a handoff; `undefined`: the usual "a person will take over" phrasing is true. */
export function handoffConfirmation(
  promise: HandoffPromise | undefined,
  c: PhraseContext,
  language: Language,
): string | undefined {
  if (!promise) return undefined;
  const es = language === 'es';
  if (!promise.alerted)
    return es
      ? `Entiendo${comma(c.who)}. Su caso quedó registrado${c.urgent ? ' como prioritario' : ''}${ref(c, language)} y nuestro equipo le contactará ${via(promise, c, language)} lo antes posible.`
      : `I understand${comma(c.who)}. Your case is registered${c.urgent ? ' as a priority' : ''}${ref(c, language)} and our team will contact you ${via(promise, c, language)} as soon as possible.`;
  if (promise.backAt)
    return es
      ? `Entiendo${comma(c.who)}. Ya avisé a nuestro equipo${ref(c, language)}. En este momento estamos fuera de horario: una persona retomará su caso ${promise.backAt}.`
      : `I understand${comma(c.who)}. I've alerted our team${ref(c, language)}. We're outside business hours right now: a person will pick up your case ${promise.backAt}.`;
  return undefined;
}

/** The one update after an escalation; `undefined`: the usual apology fits. */
export function handoffUpdate(
  promise: HandoffPromise | undefined,
  c: PhraseContext,
  language: Language,
): string | undefined {
  if (!promise) return undefined;
  const es = language === 'es';
  if (!promise.alerted)
    return es
      ? `Disculpe la espera${comma(c.who)}. Su caso sigue registrado${ref(c, language)} y nuestro equipo le contactará ${via(promise, c, language)} lo antes posible.`
      : `Sorry for the wait${comma(c.who)}. Your case is still registered${ref(c, language)} and our team will contact you ${via(promise, c, language)} as soon as possible.`;
  if (promise.backAt)
    return es
      ? `Disculpe la espera${comma(c.who)}. Su caso está con el equipo de ${c.company}${ref(c, language)}; volvemos ${promise.backAt} y será de los primeros en atenderse.`
      : `Sorry for the wait${comma(c.who)}. Your case is with the ${c.company} team${ref(c, language)}; we're back ${promise.backAt} and it will be among the first handled.`;
  const minutes = promise.expectedMinutes;
  if (minutes === undefined) return undefined;
  return es
    ? `Disculpe la espera${comma(c.who)}. Escalé su caso dentro del equipo de ${c.company}${ref(c, language)}; esperamos atenderle en unos ${minutes} minutos.`
    : `Sorry for the wait${comma(c.who)}. I've escalated your case within the ${c.company} team${ref(c, language)}; we expect to be with you in about ${minutes} minutes.`;
}
