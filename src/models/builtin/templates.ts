/**
 * Phrase banks of the built-in model, Spanish ("usted") and English. Each slot has a few variants;
 * the composer picks one deterministically. No sentence outside a `question` slot contains "?".
 */

import type { Language, LeadField } from '../../protocol/index.ts';
import { ASK_DETAIL, type DetailTopic } from './ask-detail.ts';

export type { DetailTopic };

/** Values a phrase may use; everything is already sanitised (no "?" inside). */
export interface PhraseContext {
  /** How to address the person ("Ing. López", "Carlos"), when known. */
  who?: string;
  company: string;
  bot: string;
  reference?: string;
  email?: string;
  /** Set when the person gave a phone and no email: they are called, not written to. */
  phone?: string;
  urgent: boolean;
}

type P = (c: PhraseContext) => string;

/** Every slot the composer fills, for one language. */
export interface PhraseBank {
  greet: P[];
  askOne: Record<LeadField, string[]>;
  askTwo: ((a: string, b: string) => string)[];
  /** One question about a need that is too thin to act on, by topic (the answer to a question comes first). */
  askDetail: Record<DetailTopic, string[]>;
  label: Record<LeadField, string>;
  ackName: P[];
  /** `need` is the person's need, reflected to the second person ("necesita…", "you need…"). */
  ackNeed: ((need: string) => string)[];
  ackUrgentNeed: ((need: string) => string)[];
  ackNeedGeneric: string[];
  ackEmail: string[];
  ackPhone: string[];
  ackCompany: ((company: string) => string)[];
  leadIn: string[];
  reask: ((bad: string) => string)[];
  reaskUnknown: string[];
  /** "Did you mean ana@gmail.com?" for an address that looks like a typo. */
  suggest: ((email: string) => string)[];
  confirmLeadStart: P;
  confirmLeadNext: P[];
  /** How they will be contacted when they left a phone instead of an email. */
  byPhone: P;
  confirmTicketStart: P[];
  confirmTicketNext: P[];
  prioritised: string;
  anythingElse: string[];
  /** Asked once in the confirmation when the lead has no company. */
  askCompanyLast: string[];
  /** A detail given after the lead was registered: it was added to the case. */
  updated: P[];
  handoffUrgent: P[];
  handoffCalm: P[];
  handoffMeanwhile: string[];
  spam: string[];
  closed: P[];
  farewell: P[];
  apology: string[];
  /** The person declined a detail: acknowledge and say what it is for (the question follows). */
  reassure: ((field: string) => string)[];
  /** Opening of a follow-up after a silence in the capture (the question follows). */
  nudge: P[];
  /** The promised human has not taken over yet. */
  handoffPending: P[];
}

const comma = (who?: string): string => (who ? `, ${who}` : '');
const at = (prefix: string, email?: string): string => (email ? ` ${prefix} ${email}` : '');

const es: PhraseBank = {
  greet: [
    (c) => `¡Hola${comma(c.who)}! Soy ${c.bot}, del equipo de ${c.company}. ¿En qué le puedo ayudar hoy?`,
    (c) => `¡Hola${comma(c.who)}! Gracias por escribir a ${c.company}. ¿Me cuenta qué necesita resolver?`,
    (c) => `¡Buen día${comma(c.who)}! Le saluda ${c.bot}, de ${c.company}. ¿Cómo le podemos ayudar?`,
  ],
  askOne: {
    name: [
      '¿Con quién tengo el gusto?',
      '¿Me podría decir su nombre, por favor?',
      '¿Cómo se llama, para dirigirme a usted correctamente?',
    ],
    email: [
      '¿A qué correo electrónico le puede escribir un especialista?',
      '¿Me comparte su correo electrónico para darle seguimiento?',
      '¿Cuál es el mejor correo para contactarle?',
    ],
    phone: [
      '¿Me deja un teléfono de contacto, por si necesitamos llamarle?',
      '¿A qué número le podemos llamar si hace falta?',
    ],
    company: ['¿De qué empresa nos escribe?', '¿Cómo se llama su empresa?'],
    problem: [
      '¿Me cuenta un poco más sobre lo que necesita resolver?',
      '¿En qué le podemos ayudar exactamente?',
    ],
  },
  askDetail: ASK_DETAIL.es,
  askTwo: [
    (a, b) => `¿Me comparte ${a} y ${b} para que un especialista le dé seguimiento?`,
    (a, b) => `Para darle seguimiento, ¿me indica ${a} y ${b}?`,
    (a, b) => `¿Me podría compartir ${a} y ${b}?`,
  ],
  label: {
    name: 'su nombre',
    email: 'su correo electrónico',
    phone: 'un teléfono de contacto',
    company: 'el nombre de su empresa',
    problem: 'qué necesita resolver',
  },
  ackName: [
    (c) => `Mucho gusto${comma(c.who)}.`,
    (c) => `Gracias${comma(c.who)}.`,
    (c) => `Un gusto saludarle${comma(c.who)}.`,
  ],
  ackNeed: [
    (n) => `Entiendo que ${n}; con gusto le ayudamos.`,
    (n) => `Gracias por contarme. Entiendo que ${n}.`,
    (n) => `Comprendo, ${n}. Vamos a ayudarle con eso.`,
  ],
  ackUrgentNeed: [
    (n) => `Entiendo que es urgente: ${n}.`,
    (n) => `Entiendo la urgencia: ${n}. Vamos a atenderlo cuanto antes.`,
  ],
  ackNeedGeneric: [
    'Gracias por el detalle, con gusto le ayudamos con eso.',
    'Gracias por escribirnos, con gusto le ayudamos.',
    'Gracias por contarme, vamos a ayudarle con eso.',
  ],
  ackEmail: ['Ya tengo su correo.', 'Anoté su correo electrónico.'],
  ackPhone: ['Anoté su teléfono.', 'Ya tengo su número de contacto.'],
  ackCompany: [(co) => `Anoté que nos escribe de ${co}.`, (co) => `Gracias, ya anoté ${co}.`],
  leadIn: ['Con gusto le ayudo.', 'Claro, con gusto.', 'Será un placer ayudarle.'],
  reask: [
    (bad) =>
      `Parece que al correo «${bad}» le falta algo. ¿Me lo podría escribir completo, por ejemplo nombre@empresa.com?`,
    (bad) =>
      `Creo que el correo «${bad}» no quedó completo. ¿Me lo comparte de nuevo, con el formato nombre@empresa.com?`,
  ],
  suggest: [
    (email) =>
      `Puede que se haya colado un error en el correo (si no, escríbalo de nuevo). ¿Quiso decir ${email}?`,
  ],
  reaskUnknown: [
    'Parece que el correo no quedó completo. ¿Me lo podría escribir de nuevo, por ejemplo nombre@empresa.com?',
  ],
  confirmLeadStart: (c) =>
    `¡Perfecto${comma(c.who)}! He registrado su caso${c.reference ? ` con la referencia *${c.reference}*` : ''}.`,
  confirmLeadNext: [
    (c) => `Un especialista de ${c.company} le contactará por correo${at('en', c.email)} muy pronto.`,
    (c) =>
      `En breve un especialista de ${c.company} le escribirá por correo${at('a', c.email)} para darle seguimiento.`,
  ],
  byPhone: (c) => `Un especialista de ${c.company} le llamará al ${c.phone ?? ''} muy pronto.`,
  confirmTicketStart: [
    (c) =>
      `¡Perfecto${comma(c.who)}! He registrado su caso de soporte${c.reference ? ` con la referencia *${c.reference}*` : ''}.`,
    (c) =>
      `¡Listo${comma(c.who)}! Ya abrimos su caso de soporte${c.reference ? ` (referencia *${c.reference}*)` : ''}.`,
  ],
  confirmTicketNext: [
    (c) =>
      `Nuestro equipo técnico lo revisará y le escribirá por correo${at('a', c.email)} con los siguientes pasos.`,
    (c) =>
      `Un especialista de soporte de ${c.company} le contactará por correo${at('en', c.email)} con una solución.`,
  ],
  prioritised: 'Lo marqué como prioritario.',
  anythingElse: ['¿Hay algo más en lo que pueda ayudarle?', '¿Puedo ayudarle con algo más?'],
  askCompanyLast: ['Por último, ¿desde qué empresa nos escribe?', '¿Y desde qué empresa nos escribe?'],
  updated: [
    (c) => `Gracias${comma(c.who)}, lo añadí a su caso${c.reference ? ` *${c.reference}*` : ''}.`,
    (c) =>
      `Anotado${comma(c.who)}: ya quedó actualizado en su caso${c.reference ? ` *${c.reference}*` : ''}.`,
  ],
  handoffUrgent: [
    (c) =>
      `Entiendo la urgencia${comma(c.who)}. Ya avisé a una persona de nuestro equipo, que continuará esta conversación en unos minutos${c.reference ? ` (referencia *${c.reference}*)` : ''}.`,
    (c) =>
      `Gracias por avisarnos${comma(c.who)}. Una persona del equipo de ${c.company} tomará esta conversación en breve${c.reference ? ` (referencia *${c.reference}*)` : ''}.`,
  ],
  handoffCalm: [
    (c) => `Claro${comma(c.who)}. Una persona de nuestro equipo tomará esta conversación en breve.`,
    (c) =>
      `Por supuesto${comma(c.who)}. Ya pedí que una persona del equipo de ${c.company} continúe con usted en unos minutos.`,
  ],
  handoffMeanwhile: [
    'Mientras tanto, puede escribir aquí cualquier detalle que nos ayude a atenderle más rápido.',
    'Si quiere, mientras tanto puede dejar aquí cualquier detalle adicional.',
  ],
  spam: ['Gracias por su mensaje.', 'Mensaje recibido, gracias.'],
  closed: [
    (c) =>
      `${c.who ? `${c.who}, su` : 'Su'} caso ya está registrado${c.reference ? ` con la referencia *${c.reference}*` : ''} y un especialista le contactará por correo muy pronto.`,
    (c) =>
      `Su caso ya quedó registrado${comma(c.who)}${c.reference ? ` (referencia *${c.reference}*)` : ''}; el equipo de ${c.company} le escribirá por correo en breve.`,
  ],
  farewell: [
    (c) => `Gracias a usted${comma(c.who)}. Que tenga un excelente día; aquí estaremos cuando nos necesite.`,
    (c) => `Fue un gusto atenderle${comma(c.who)}. ¡Hasta pronto!`,
  ],
  apology: [
    'Disculpe, tuvimos un problema técnico al procesar su mensaje. ¿Podría escribirlo de nuevo en un momento?',
    'Lo siento, algo falló de nuestro lado. ¿Me podría enviar su mensaje otra vez en unos instantes?',
  ],
  reassure: [
    (field) =>
      `Lo entiendo perfectamente. Solo usaremos ${field} para atender su caso, y nunca lo compartimos con nadie.`,
    (field) =>
      `Claro, es normal querer cuidar sus datos. Le pedimos ${field} solo para que un especialista le dé seguimiento; no lo usamos para nada más.`,
  ],
  nudge: [
    (c) => `Sigo por aquí${comma(c.who)}. Solo me faltan un par de datos para registrar su caso.`,
    (c) => `Quedo pendiente${comma(c.who)}: con un par de datos más dejo su caso registrado.`,
  ],
  handoffPending: [
    (c) =>
      `Sigue en nuestras manos${comma(c.who)}: el equipo de ${c.company} tiene su caso${c.reference ? ` (referencia *${c.reference}*)` : ''} y le atenderá en cuanto se libere una persona. Disculpe la espera.`,
    (c) =>
      `Disculpe la espera${comma(c.who)}. Su caso${c.reference ? ` *${c.reference}*` : ''} está con el equipo de ${c.company}, que le contactará lo antes posible.`,
  ],
};

const en: PhraseBank = {
  greet: [
    (c) => `Hi${comma(c.who)}! I'm ${c.bot}, from the ${c.company} team. How can I help you today?`,
    (c) => `Hello${comma(c.who)}! Thanks for reaching out to ${c.company}. What can we help you with?`,
    (c) => `Hi${comma(c.who)}, welcome to ${c.company}! What would you like to solve today?`,
  ],
  askOne: {
    name: [
      'May I have your name?',
      'Who do I have the pleasure of talking to?',
      'What is your name, so I can address you properly?',
    ],
    email: [
      'What is the best email for a specialist to reach you?',
      'Could you share your email so we can follow up?',
      'Which email address should we use to contact you?',
    ],
    phone: [
      'Could you leave a phone number in case we need to call you?',
      'What is a good phone number to reach you?',
    ],
    company: ['Which company are you writing from?', 'What is the name of your company?'],
    problem: [
      'Could you tell me a bit more about what you need to solve?',
      'What exactly can we help you with?',
    ],
  },
  askDetail: ASK_DETAIL.en,
  askTwo: [
    (a, b) => `Could you share ${a} and ${b} so a specialist can follow up?`,
    (a, b) => `To follow up, could you give me ${a} and ${b}?`,
    (a, b) => `Could you tell me ${a} and ${b}?`,
  ],
  label: {
    name: 'your name',
    email: 'your email',
    phone: 'a contact phone number',
    company: "your company's name",
    problem: 'what you need to solve',
  },
  ackName: [
    (c) => `Nice to meet you${comma(c.who)}.`,
    (c) => `Thanks${comma(c.who)}.`,
    (c) => `Great to meet you${comma(c.who)}.`,
  ],
  ackNeed: [
    (n) => `I understand that ${n}, and we'll gladly help.`,
    (n) => `Thanks for explaining. I understand that ${n}.`,
    (n) => `Got it: ${n}. We can help with that.`,
  ],
  ackUrgentNeed: [
    (n) => `I understand this is urgent: ${n}.`,
    (n) => `I see this is urgent: ${n}. We'll act on it right away.`,
  ],
  ackNeedGeneric: [
    "Thanks for the details, we'll gladly help with that.",
    "Thanks for reaching out, we'll gladly help.",
    "Thanks for explaining, we'll help you with that.",
  ],
  ackEmail: ["I've got your email.", "I've noted your email address."],
  ackPhone: ["I've noted your phone number.", "I've got your contact number."],
  ackCompany: [(co) => `I've noted that you're writing from ${co}.`, (co) => `Thanks, I've noted ${co}.`],
  leadIn: ["I'd be glad to help.", 'Sure, happy to help.', "I'll gladly help you."],
  reask: [
    (bad) =>
      `It looks like the email “${bad}” is missing something. Could you type it again in full, like name@company.com?`,
    (bad) =>
      `I think “${bad}” didn't come through complete. Could you send your email again, like name@company.com?`,
  ],
  suggest: [
    (email) => `There may be a typo in the email (if not, just type it again). Did you mean ${email}?`,
  ],
  reaskUnknown: [
    "It looks like the email didn't come through complete. Could you type it again, like name@company.com?",
  ],
  confirmLeadStart: (c) =>
    `Perfect${comma(c.who)}! I've registered your request${c.reference ? ` with reference *${c.reference}*` : ''}.`,
  confirmLeadNext: [
    (c) => `A specialist from ${c.company} will contact you by email${at('at', c.email)} shortly.`,
    (c) => `Someone from the ${c.company} team will email you${at('at', c.email)} soon to follow up.`,
  ],
  byPhone: (c) => `A specialist from ${c.company} will call you on ${c.phone ?? ''} shortly.`,
  confirmTicketStart: [
    (c) =>
      `Perfect${comma(c.who)}! I've opened a support ticket${c.reference ? ` with reference *${c.reference}*` : ''}.`,
    (c) =>
      `Done${comma(c.who)}! Your support case is registered${c.reference ? ` (reference *${c.reference}*)` : ''}.`,
  ],
  confirmTicketNext: [
    (c) => `Our technical team will review it and email you${at('at', c.email)} with the next steps.`,
    (c) =>
      `A support specialist from ${c.company} will contact you by email${at('at', c.email)} with a solution.`,
  ],
  prioritised: "I've marked it as a priority.",
  anythingElse: ['Is there anything else I can help you with?', 'Can I help you with anything else?'],
  askCompanyLast: ['One last thing: which company are you writing from?', 'And which company are you with?'],
  updated: [
    (c) => `Thanks${comma(c.who)}, I've added that to your request${c.reference ? ` *${c.reference}*` : ''}.`,
    (c) => `Noted${comma(c.who)}: your request${c.reference ? ` *${c.reference}*` : ''} is updated.`,
  ],
  handoffUrgent: [
    (c) =>
      `I understand the urgency${comma(c.who)}. I've alerted a person from our team, who will take over this chat in a few minutes${c.reference ? ` (reference *${c.reference}*)` : ''}.`,
    (c) =>
      `Thanks for letting us know${comma(c.who)}. A person from the ${c.company} team will take over this conversation shortly${c.reference ? ` (reference *${c.reference}*)` : ''}.`,
  ],
  handoffCalm: [
    (c) => `Of course${comma(c.who)}. A person from our team will take over this conversation shortly.`,
    (c) =>
      `Sure${comma(c.who)}. I've asked someone from the ${c.company} team to continue with you in a few minutes.`,
  ],
  handoffMeanwhile: [
    'Meanwhile, feel free to add any detail here that helps us assist you faster.',
    'In the meantime, you can leave any extra details here.',
  ],
  spam: ['Thanks for your message.', 'Message received, thank you.'],
  closed: [
    (c) =>
      `${c.who ? `${c.who}, your` : 'Your'} request is already registered${c.reference ? ` with reference *${c.reference}*` : ''} and a specialist will contact you by email shortly.`,
    (c) =>
      `Your request is already registered${comma(c.who)}${c.reference ? ` (reference *${c.reference}*)` : ''}; the ${c.company} team will email you soon.`,
  ],
  farewell: [
    (c) => `Thank you${comma(c.who)}. Have a great day; we're here whenever you need us.`,
    (c) => `It was a pleasure helping you${comma(c.who)}. Talk soon!`,
  ],
  apology: [
    'Sorry, we had a technical problem processing your message. Could you write it again in a moment?',
    'Apologies, something went wrong on our side. Could you send your message again in a few moments?',
  ],
  reassure: [
    (field) =>
      `I completely understand. We only use ${field} to handle your case, and we never share it with anyone.`,
    (field) =>
      `Of course, it makes sense to be careful with your details. We ask for ${field} only so a specialist can follow up; we use it for nothing else.`,
  ],
  nudge: [
    (c) => `I'm still here${comma(c.who)}. I only need a couple of details to register your case.`,
    (c) => `Just checking in${comma(c.who)}: a couple more details and your case is registered.`,
  ],
  handoffPending: [
    (c) =>
      `Your case is in good hands${comma(c.who)}: the ${c.company} team has it${c.reference ? ` (reference *${c.reference}*)` : ''} and someone will be with you as soon as they are free. Sorry for the wait.`,
    (c) =>
      `Sorry for the wait${comma(c.who)}. Your case${c.reference ? ` *${c.reference}*` : ''} is with the ${c.company} team, who will contact you as soon as possible.`,
  ],
};

/** The phrase bank for `language`. */
export function phrases(language: Language): PhraseBank {
  return language === 'es' ? es : en;
}
