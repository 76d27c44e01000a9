/**
 * Context of a message that changes how much its rule hits count: benign frames dampen (a customer
 * telling us to ignore *their own* previous message, asking about *their* password, reporting a
 * phishing SMS they got, asking what a jailbreak is, or talking about their phone's developer
 * mode), and an imperative aimed at the assistant strengthens. Patterns run on the folded copy.
 */
import type { ThreatCategory } from './rules.ts';

/** A benign reading of the message that lowers the score of some categories. */
export interface BenignFrame {
  id: string;
  /** Multiplies the category score (0..1). */
  factor: number;
  categories: readonly ThreatCategory[] | 'all';
  /** Also dampens strong rules (weight ≥ STRONG_WEIGHT); otherwise only weaker ones. */
  strongToo: boolean;
  /** The text is quoted or discussed, not addressed to us: no context boosts either. */
  noBoost?: boolean;
  /** Match on the case-preserved text (accents kept) instead of the folded copy. */
  cased?: boolean;
  /** Every pattern must match. */
  all: readonly RegExp[];
}

/** A rule this heavy is unambiguous: only frames with `strongToo` dampen it. */
export const STRONG_WEIGHT = 0.75;

const IGNORE_VERBS =
  '(?:ignore|disregard|forget|skip|drop|discard|delete|cancel|scratch|nevermind|never mind|ignora|ignore|ignorar|olvida|olvide|olvidate de|descarta|borra|omite|no hagas caso (?:a|de)|haz caso omiso (?:a|de)|esquece|esqueca|desconsidere|ignoriere|vergiss)';

export const BENIGN_FRAMES: readonly BenignFrame[] = [
  {
    id: 'own_message',
    factor: 0.35,
    categories: ['instruction_override', 'goal_hijack'],
    strongToo: true,
    all: [
      new RegExp(
        `\\b${IGNORE_VERBS}\\s+(?:about\\s+|de\\s+|a\\s+)?(?:\\w+\\s+){0,2}(?:my|mi|mis|meu|minha|meus|minhas|our|nuestr[oa]s?|lo que (?:te )?(?:dije|escribi|puse|mande|pedi)|what i (?:said|wrote|sent|asked))\\b|\\b${IGNORE_VERBS}\\b[^.!?]{0,50}\\b(?:i|yo)\\s+(?:just\\s+|te\\s+)?(?:sent|gave|wrote|provided|shared|mentioned|said|typed|envie|mande|di|escribi|puse|dije)\\b`,
      ),
    ],
  },
  {
    id: 'own_past_tense',
    factor: 0.4,
    categories: ['instruction_override'],
    strongToo: true,
    cased: true,
    all: [/\b(?:[Oo]lvidé|[Ii]gnoré|[Oo]mití|[Bb]orré|[Ee]squeci|[Ii]gnorei)\b/u],
  },
  {
    id: 'own_account',
    factor: 0.4,
    categories: ['exfiltration', 'instruction_override'],
    strongToo: false,
    all: [
      /\b(?:my|mi|mis|meu|minha|mine)\s+(?:\w+\s+)?(?:invoice|bill|billing|password|passcode|account|order|notice|subscription|payment|card|statement|receipt|pw|pin|login|username|user|factura|contrasena|cuenta|pedido|aviso|suscripcion|pago|tarjeta|recibo|clave|usuario|senha|fatura|conta|wifi|wi-fi|router)\b|\b(?:our|nuestra|nuestro|nuestras|nuestros)\s+(?:invoice|bill|billing|account|order|subscription|payment|factura|cuenta|pedido|suscripcion|pago)s?\b/,
    ],
  },
  {
    id: 'reported_message',
    factor: 0.35,
    categories: 'all',
    strongToo: true,
    noBoost: true,
    all: [
      /\b(?:i (?:got|received|get|have received)|someone (?:sent|texted|emailed|called|wrote)|they (?:sent|asked|told|wrote)|(?:an?|this|the|that) (?:email|e-mail|message|text|sms|letter|call|popup|pop-up|notice|whatsapp)\s+(?:\w+\s+){0,4}(?:says?|said|asking|asks|asked|telling|told|claiming|claims|reads?|saying)|me (?:llego|llegaron|mandaron|enviaron|escribieron|llamaron)|(?:un|el|este|ese|una) (?:correo|mensaje|sms|email|aviso|whatsapp|llamada)\s+(?:\w+\s+){0,4}(?:dice|decia|dijo|pide|pedia|me pide|me pidio|diciendo)|recebi)\b/,
      /\b(?:scam|scammer|phishing|fraud|fraudulent|legit|legitimate|fake|spam|genuine|trust it|estafa|fraude|engano|legitimo|falso|confiable|golpe|verdadeiro|was it you|did you send|is it you|is this you|should i (?:do|reply|answer|click|send|trust)|fueron ustedes|son ustedes|lo (?:mandaron|enviaron) ustedes|debo (?:hacerlo|responder|contestar|enviar|hacer caso)|es de ustedes|es real|es verdad)\b/,
    ],
  },
  {
    id: 'meta_question',
    factor: 0.45,
    categories: 'all',
    strongToo: false,
    noBoost: true,
    all: [
      /\b(?:what (?:is|are|does|do)|what's|whats|how (?:do|does|can|could|to|would)|explain|define|que es|que son|que significa|como (?:funciona|evito|prevengo|protejo|detecto|se evita)|o que e|como evitar|why (?:do|does|is|are))\b[^.!?]{0,60}\b(?:prompt injections?|jailbreak(?:ing|s)?|inyeccion(?:es)? de prompts?|injecao de prompt|prompt hacking|system prompts?|developer mode|modo desarrollador|phishing|social engineering|ingenieria social)\b/,
    ],
  },
  {
    id: 'creative_writing',
    factor: 0.7,
    categories: ['roleplay_jailbreak', 'instruction_override', 'goal_hijack'],
    strongToo: false,
    all: [
      /\b(?:write|compose|create|tell me|draft|give me|escribe|escribeme|cuentame|redacta|crea|escreva)\s+(?:me\s+)?(?:a|an|un|una|uma)\s+(?:\w+\s+){0,2}(?:story|poem|essay|haiku|song|limerick|tale|scene|script|paragraph|cuento|historia|poema|relato|cancion|ensayo|conto)\b/,
    ],
  },
  {
    id: 'device_settings',
    factor: 0.3,
    categories: ['roleplay_jailbreak', 'fake_authority'],
    strongToo: true,
    all: [
      /\b(?:my|mi|the|el|la|this|este|esta|our|nuestro|nuestra|meu|minha)\s+(?:\w+\s+)?(?:phone|android|iphone|pc|computer|laptop|router|tv|app|browser|chrome|firefox|device|tablet|console|xbox|playstation|game|telefono|celular|movil|computadora|ordenador|navegador|dispositivo|tele|consola|juego|windows|mac|settings|ajustes|configuracion|printer|impresora|modem|celular)\b/,
      /\b(?:developer|debug|god|maintenance|admin|modo|mode|sudo|root)\b/,
    ],
  },
  {
    id: 'own_device_howto',
    factor: 0.3,
    categories: ['roleplay_jailbreak', 'fake_authority'],
    strongToo: true,
    all: [
      /\bhow (?:do|can|should) (?:i|we)\s+(?:turn on|enable|activate|get into|enter|switch on|open|use)\b|\b(?:como|cómo)\s+(?:activo|pongo|habilito|entro (?:al|en)|uso)\b|\b(?:mode|modo \w+)\s+(?:on|in|for|en|de|no)\s+(?:my|our|mi|nuestro|nuestra|meu|minha)\b/,
      /\b(?:developer|debug|maintenance|admin|mode|modo)\b/,
    ],
  },
];

/** A sentence that starts with an order aimed at the assistant ("ignore…", "muéstrame…"). */
export const IMPERATIVE_RE =
  /(?:^|[.!?\n:]\s*)(?:(?:now|please|and|ok|okay|then|so|ahora|por favor|y|bueno|vale|agora)\s*,?\s+)?(?:ignore|forget|disregard|act|pretend|imagine|repeat|print|show|reveal|tell me|give me|list|call|say|output|write|respond|answer|translate|stop|ignora|olvida|actua|finge|imagina|repite|muestra|muestrame|dime|dame|revela|lista|envia|enviame|di|imprime|escribe|responde|traduce|desobedece|esqueca|mostre|diga|finja|ignoriere|vergiss|zeig|zeige)\b/;

/** The message talks to the assistant in the second person. */
export const SECOND_PERSON_RE =
  /\b(?:you|your|yourself|u|tu|tus|te|ti|usted|eres|estas|voce|seu|sua|du|dein|deine|dich|dir)\b/;
