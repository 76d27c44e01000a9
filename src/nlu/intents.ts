/** Conversation-level intents of one message: greeting only, farewell, asks for a human. */

import { GREETINGS } from './lexicon.ts';
import { fold } from './text.ts';

const MAX = 20_000;
const b = (src: string): RegExp => new RegExp(`(?<![\\p{L}\\p{N}])(?:${src})(?![\\p{L}\\p{N}])`, 'u');

/** Just a greeting or small talk ("Hola, buenas tardes", "hi there!"). */
export function isGreetingOnly(text: string): boolean {
  const t = fold(text.slice(0, 500));
  if (text.length > 500) return false;
  const tokens = t.match(/[\p{L}]+/gu) ?? [];
  if (tokens.length === 0) return /[👋🙋]/u.test(text);
  return tokens.every((w) => GREETINGS.has(w) || w === 'hola' || /^hol+a+$/u.test(w));
}

const FAREWELL = b(
  "adios|hasta luego|hasta pronto|hasta manana|chao|chau|bye|goodbye|good bye|see you|nos vemos|eso es todo|es todo|that's all|that is all|no gracias|no, gracias|no thanks|no, thanks|nada mas|nothing else|gracias,? es todo|thanks,? bye",
);

/** The person says goodbye or that there is nothing else. */
export function isFarewell(text: string): boolean {
  const t = fold(text.trim());
  return t.length <= 80 && FAREWELL.test(t);
}

const HUMAN = b(
  '(?:hablar|comunicarme|comunicar|platicar|contactar|hable|pasame|pasenme|pasa|pase|pasen|pasar|transferir|transfiera|transfiereme|comunique|comuniqueme|comunica|conectame|quiero|necesito|prefiero) (?:con )?(?:un |una |el |la |algun |alguna )?(?:persona|humano|asesor|asesora|agente|ejecutivo|ejecutiva|representante|operador|operadora|alguien real|persona real|ser humano)|atencion humana|(?:talk|speak|chat) (?:to|with) (?:a |an |some |the )?(?:human|person|agent|representative|real person|someone|operator|rep)|human agent|live agent|real person|real human|agente humano',
);

const DECLINE = b(
  "(?:prefiero no|prefiero no dar|prefiero no compartir|no (?:quiero|deseo|puedo|voy a) (?:dar|darles|darte|compartir|pasar|proporcionar|dejar)|no (?:les )?(?:doy|paso|comparto) (?:mi|el)|no tengo (?:correo|email|e-mail|mail)|sin (?:dar|compartir) (?:mi )?(?:correo|email|datos)|para que (?:quieren|necesitan) (?:mi|el) (?:correo|email|nombre|telefono)|i'?d rather not|i would rather not|i prefer not to|i (?:don'?t|do not) (?:want|wish) to (?:give|share|provide)|i won'?t (?:give|share)|why do you need my|no email|not giving (?:you )?my|(?:mail|correo|email|e-mail) no|no (?:uso|tengo|manejo|reviso) (?:el )?(?:correo|mail|email)|i (?:don'?t|do not) (?:really )?(?:do|use|have|check) (?:e-?mails?|mail)|(?:just|only) (?:text|call|whatsapp) me|(?:text|call|whatsapp) me (?:instead|on|at)|(?:mejor )?(?:llamenme|llamame|escribanme al|escribeme al))",
);

/** The person declines to give a detail ("prefiero no dar mi correo", "I'd rather not share my email"). */
export function declinesDetail(text: string): boolean {
  const t = fold(text.slice(0, 500));
  return t.length <= 300 && DECLINE.test(t);
}

/** The person asks to talk to a human. */
export function wantsHuman(text: string): boolean {
  return HUMAN.test(fold(text.slice(0, MAX)));
}

const YES = b(
  "si|sí|sip|claro|correcto|exacto|eso|eso es|asi es|efectivamente|ese|ese mismo|ese es|yes|yeah|yep|yup|right|correct|exactly|that's it|that's right|that one|sure|ok|okay|vale",
);

/** A short yes ("sí, perdón", "yes sorry", "correcto, ese"): at most a few words, starting with yes. */
export function affirms(text: string): boolean {
  const t = fold(text.trim())
    .replace(/[!.,¡]+/gu, ' ')
    .trim();
  if (t.length === 0 || t.length > 40) return false;
  const first = /^[\p{L}']+(?: [\p{L}']+)?/u.exec(t)?.[0] ?? '';
  return YES.test(first) && !/^(?:no|nope|not)\b/u.test(t);
}
