/**
 * Message signals: urgency, sentiment, spam, interest area, buying intent, greeting / farewell /
 * "wants a human". Keyword patterns run on folded text (lower-case, no accents), so "caído" and
 * "caido" match alike. All patterns are bounded.
 */

import type { InterestArea } from '../protocol/index.ts';
import { clamp, countMatches, findUrls, fold, noisyOr } from './text.ts';

export { extractNeed } from './need.ts';
export { declinesDetail, isFarewell, isGreetingOnly, wantsHuman } from './intents.ts';

const MAX = 20_000;
const b = (src: string): RegExp => new RegExp(`(?<![\\p{L}\\p{N}])(?:${src})(?![\\p{L}\\p{N}])`, 'u');

const CALM = b(
  'no corre prisa|no hay apuro|sin apuro|no hay urgencia|cuando tengan un momento|con tranquilidad|tranquilos|no pressure|in your own time|at your leisure|cuando puedan|cuando pueda|cuando tengan tiempo|no hay prisa|sin prisa|no es urgente|nada urgente|no urge|con calma|no rush|no hurry|whenever you can|when you can|not urgent|no urgency|at your convenience',
);
/**
 * Urgency denied ("nothing urgent", "no es urjente", "not in a rush", "sin ningún apuro"): a negation
 * shortly before a word for hurry, typos included. Reads as calm, and the hurry word does not count.
 */
const DENIED_HURRY =
  /(?<![\p{L}\p{N}])(?:no|not|nothing|nada|sin|ni|never|nunca|isn'?t|isnt|zero|0)(?:\s+(?:es|era|hay|tan|muy|tanto|tanta|mucha|mucho|ningun|ninguna|gran|que|de|en|a|is|it|its|it's|really|that|so|too|any|big|in|the|particular|super)){0,3}?\s+(?:urg\p{L}*|urj\p{L}*|prisa|apuro|afan|rush\p{L}*|hurry|pressure|emergenc\p{L}*|corre)(?![\p{L}\p{N}])/gu;
/** Only looking: browsing, curiosity, nothing decided ("solo estoy mirando", "just getting a feel"). */
const BROWSING = b(
  "(?:solo|solamente|nomas|nada mas) (?:estoy |estamos )?(?:viendo|mirando|curioseando|explorando|averiguando|informandome|cotizando por curiosidad)|(?:estoy|estamos) (?:explorando|curioseando|mirando opciones|viendo opciones)|por curiosidad|nada decidido|todavia no (?:decidimos|hemos decidido)|just (?:looking|browsing|curious|exploring|checking|researching|trying to get a feel|getting a feel|window shopping)|(?:looking|shopping) around|out of curiosity|nothing decided|haven'?t decided|not decided|(?:just )?(?:budgeting|budgetting) for next (?:year|yr)|(?:just |only )?gathering (?:some )?info\\p{L}*|not looking to buy|no (?:date|timeline) yet|next (?:financial|fiscal) year|recopilando informacion|solo para (?:pasarle |darle |tener )?(?:la )?informacion|(?:decidira|decidiremos|decidimos|decide|decidiran) mas adelante|no hay fecha|el ano que viene|todavia no (?:vamos|pensamos) (?:a )?comprar",
);

/** The three ways of saying there is no hurry, as global patterns (compiled once, for `replace`). */
const CALM_PARTS: readonly RegExp[] = [
  new RegExp(CALM.source, 'gu'),
  DENIED_HURRY,
  new RegExp(BROWSING.source, 'gu'),
];

/** Which of the calm patterns folded text says (none: empty). */
function calmParts(folded: string): RegExp[] {
  return CALM_PARTS.filter((re) => {
    re.lastIndex = 0;
    return re.test(folded);
  });
}

/**
 * Everyone is stopped: a negative universal over the people or vehicles who do the work ("ningún
 * conductor puede entrar", "none of our supervisors can sign in", "nothing's going out").
 */
const EVERYONE_STOPPED = b(
  "ningun(?:o|a)? (?:de (?:los|las|nuestros|nuestras|mis) )?(?:conductor|chofer|repartidor|camion|usuario|despachador|vehiculo|unidad|supervisor|operador|driver)\\p{L}*|nadie (?:puede|pudo|logra|consigue)|(?:none|no one) of (?:our|the|my) (?:\\d+ )?\\p{L}+|no (?:one|driver|user|dispatcher|supervisor|truck|van)s? (?:can|could|is able)|nobody can|every single (?:one|driver|user|dispatcher)|(?:for|on) (?:all|every) (?:of )?(?:our |the )?(?:drivers|dispatchers|users|trucks|vans)|nothing'?s? (?:is )?going out|no sale nada|no sale ningun\\p{L}*|todos (?:los )?(?:conductores|choferes|repartidores|camiones|usuarios) (?:sin|no pueden|bloqueados|parados)",
);

/** A deadline of a day or two. */
const SHORT_DEADLINE = b(
  'tomorrow|tonight|by tomorrow|end of (?:the )?day|in 48 hours|within 48 hours|pasado manana|para manana|hasta manana|antes de manana|manana mismo|esta noche|en 48 horas|fin del dia',
);

const URGENT_STRONG = [
  b('urgente|urgentes|urgencia|urge|urgent|urgently|asap|emergencia|emergency'),
  b(
    'se (?:nos |me |les )?(?:cae|cayo|callo|cayeron|caen)|caid[oa]s?|tirad[oa]|esta abajo|is down|are down|went down|goes down|outage',
  ),
  b(
    '(?:produccion|operacion|planta|sistema|servidor|sitio|pagina|tienda) (?:esta |se )?(?:detenid[oa]|parad[oa]|caid[oa]|abajo|muert[oa])',
  ),
  b('production (?:is )?(?:down|stopped|broken)|site is down|server is down|everything is (?:down|broken)'),
  b('no funciona nada|nada funciona|no sirve nada|nothing works|nothing is working'),
  b('perdiendo (?:dinero|clientes|ventas|mucho)|estamos perdiendo|losing (?:money|customers|sales|clients)'),
  b('critico|critica|critical|grave|gravisimo|severe'),
  b(
    'ahora mismo|de inmediato|inmediatamente|lo antes posible|cuanto antes|ya mismo|right now|immediately|right away',
  ),
  b(
    "no podemos (?:operar|trabajar|vender|facturar|cobrar)|no puedo trabajar|can ?not (?:work|operate|sell)|can't (?:work|operate|sell)|paralizad[oa]s?|bloqueados",
  ),
];
/** A near date: wanting it soon is a real need with a clock (at least Medio), not an emergency. */
const NEAR_DEADLINE = b(
  'pronto|lo mas pronto|en cuanto (?:puedan|antes)|este mes|esta semana|la (?:proxima|siguiente) semana|la semana que viene|el mes que viene|en (?:unas|pocas|un par de) semanas|el (?:proximo|siguiente) mes|antes de (?:fin de mes|final de mes|navidad|la temporada|temporada|el pico|la campana|diciembre|enero|que acabe)|para (?:el lunes|el viernes|la semana que viene)|soon|as soon as|this month|this week|next week|next month|(?:in )?the next (?:few )?weeks|in the coming weeks|within (?:a|two|three|\\d+) weeks?|by (?:monday|friday|the end of)|before (?:the )?(?:end of|next|peak|holiday|christmas|season)|get started (?:soon|quickly|right away)|start (?:soon|next)',
);

const URGENT_MILD = [
  b('hoy|today|rapido|quickly|quick|hoy mismo'),
  b("no funciona|no sirve|not working|doesn't work|does not work|broken|error|falla|fallo|bug"),
  b('ayuda|help|auxilio|necesito ayuda'),
  b('importante|important|prioridad|priority'),
];

/** The person says there is no hurry ("no es urgente", "nothing urgent", "just looking"). */
export function soundsCalm(text: string): boolean {
  return calmParts(fold(text.slice(0, MAX))).length > 0;
}

/** 0 (calm) .. 1 (production down, furious). */
export function urgencyScore(text: string): number {
  const raw = text.slice(0, MAX);
  let t = fold(raw);
  const parts = calmParts(t);
  const calm = parts.length > 0;
  for (const re of parts) {
    re.lastIndex = 0;
    t = t.replace(re, ' ');
  }
  const weights: number[] = [];
  for (const re of URGENT_STRONG) if (re.test(t)) weights.push(0.5);
  // A deadline of a day or two is Alto by itself (the rubric's "three days or less").
  if (SHORT_DEADLINE.test(t)) weights.push(0.6);
  if (EVERYONE_STOPPED.test(t)) weights.push(0.6);
  for (const re of URGENT_MILD) if (re.test(t)) weights.push(0.15);
  if (NEAR_DEADLINE.test(t)) weights.push(0.3);
  const bangs = (raw.match(/!/gu) ?? []).length;
  if (bangs > 0) weights.push(Math.min(0.2, bangs * 0.07));
  if (capsRatio(raw) > 0.6) weights.push(0.2);
  const score = noisyOr(weights);
  return calm ? Math.min(score * 0.3, 0.2) : clamp(score, 0, 1);
}

/** Share of letters in upper case among words of 3+ letters (0 when there are few letters). */
function capsRatio(text: string): number {
  const letters = (text.match(/\p{L}{3,}/gu) ?? []).join('');
  if (letters.length < 12) return 0;
  const upper = (letters.match(/\p{Lu}/gu) ?? []).length;
  return upper / letters.length;
}

const POSITIVE = [
  b(
    'gracias|muchas gracias|excelente|genial|perfecto|buenisimo|me encanta|me gusta|feliz|contento|contenta|maravilloso|increible|fantastico|super bien|muy bien|amable',
  ),
  b(
    'thanks|thank you|great|awesome|love|perfect|excellent|happy|amazing|wonderful|fantastic|glad|nice|appreciate',
  ),
];
const NEGATIVE = [
  b(
    'molest[oa]|enojad[oa]|furios[oa]|pesimo|terrible|horrible|fatal|decepcionad[oa]|hart[oa]s?|inaceptable|queja|reclamo|indignad[oa]|frustrad[oa]|verguenza|estafa|robo',
  ),
  b(
    'angry|furious|awful|worst|hate|disappointed|unacceptable|frustrated|ridiculous|scam|complaint|annoyed|upset|terrible|horrible',
  ),
  b(
    'no funciona|no sirve|caid[oa]|se cayo|perdiendo|error|falla|problema|problemas|not working|broken|problem|issue|down|losing',
  ),
];
const NEGATED_POSITIVE = b(
  'no (?:es |esta |estoy |estamos |fue )?(?:muy )?(?:bueno|buena|bien|contento|contenta|feliz)|not (?:very )?(?:good|happy|great|nice)',
);

/** -1 (angry) .. 1 (happy). */
export function sentimentScore(text: string): number {
  const raw = text.slice(0, MAX);
  const t = fold(raw);
  let pos = countMatches(t, POSITIVE);
  let neg = countMatches(t, NEGATIVE);
  if (NEGATED_POSITIVE.test(t)) {
    pos = Math.max(0, pos - 1);
    neg += 1;
  }
  pos += (raw.match(/[😊🙂😀😃😄👍🙏❤]/gu) ?? []).length > 0 ? 1 : 0;
  neg += (raw.match(/[😡😠🤬😤👎]/gu) ?? []).length > 0 ? 1 : 0;
  if (neg > 0 && (capsRatio(raw) > 0.6 || /!{2,}/u.test(raw))) neg += 1;
  if (pos + neg === 0) return 0;
  return clamp((pos - neg) / (pos + neg + 0.5), -1, 1);
}

const SPAM_STRONG = [
  b(
    'bit\\.ly|tinyurl|goo\\.gl|t\\.co|ow\\.ly|is\\.gd|buff\\.ly|cutt\\.ly|rebrand\\.ly|shorturl|rb\\.gy|tiny\\.cc',
  ),
  b(
    'crypto|cripto|criptomonedas?|bitcoin|btc|ethereum|usdt|nft|casino|apuestas|betting|forex|opciones binarias|binary options|trading signals',
  ),
  b(
    'gana dinero|ganar dinero|gane dinero|dinero facil|make money|earn money|easy money|free money|dinero rapido|ingresos pasivos|passive income',
  ),
  b('work from home|trabaja desde casa|trabajo desde casa|trabajar desde casa'),
  b(
    'backlinks?|seo services|servicios de seo|rank your (?:website|site)|first page (?:of|on) google|primera pagina de google|posicionamiento garantizado',
  ),
  b('compra seguidores|comprar seguidores|buy followers|buy likes|seguidores reales|real followers'),
  b(
    'viagra|cialis|loteria|lottery|you have won|you won|has ganado|ha ganado|ganaste|premio gratis|claim your prize|reclama tu premio',
  ),
  b(
    'inversion garantizada|guaranteed (?:returns|profit|income)|duplica tu dinero|double your money|multiplica tu dinero|rendimientos garantizados',
  ),
  // Romance and advance-fee scams: no link, just a lonely stranger who soon needs money.
  b(
    'busco (?:amistad|novio|novia|pareja|amor|un hombre|una mujer)|amistad seria|looking for (?:love|friendship|a (?:man|woman|husband|wife|partner))|hola (?:carino|guapo|guapa|amor)|hello (?:dear|handsome|beautiful)|my dear|te mando (?:mis )?fotos|mis fotos privadas|send (?:you )?my (?:photos|pics|pictures)',
  ),
  b(
    'billete de avion|plane ticket|western union|moneygram|herencia|inheritance|fondos (?:bloqueados|retenidos)|fund transfer|transferencia de fondos|necesito \\d+ (?:dolares|euros|usd)|i need \\$?\\d+ (?:dollars|usd)',
  ),
];
const SPAM_MILD = [
  b('click here|haz click aqui|haz clic aqui|da click aqui|dale click|clic aqui|click aqui'),
  b(
    "oferta limitada|limited offer|act now|100% gratis|100% free|sin riesgo|risk free|no te lo pierdas|don't miss",
  ),
  b('dm me|escribeme al privado|contact me on telegram|whatsapp me|agrega(?:me)? a telegram'),
  b('\\$\\s?\\d[\\d,.]*\\s?(?:al|por|a la|per|a|each) (?:dia|semana|day|week|hour|hora)'),
];

/** 0 .. 1 likelihood that `text` is spam; ≥ 0.7 is treated as spam. One own-site URL stays low. */
export function spamScore(text: string): number {
  const raw = text.slice(0, MAX);
  const t = fold(raw);
  const weights: number[] = [];
  // Each distinct offer phrase counts: the first of a kind strongly, the rest of that kind less.
  for (const [patterns, first, more] of [
    [SPAM_STRONG, 0.55, 0.3],
    [SPAM_MILD, 0.3, 0.1],
  ] as const) {
    for (const re of patterns) {
      const hits = new Set(t.match(new RegExp(re.source, 'gu')) ?? []);
      [...hits].slice(0, 4).forEach((_, i) => weights.push(i === 0 ? first : more));
    }
  }
  const urls = findUrls(raw).length;
  if (urls >= 3) weights.push(0.6);
  else if (urls === 2) weights.push(0.25);
  if (capsRatio(raw) > 0.7 && raw.length > 20) weights.push(0.3);
  if (/(.)\1{5,}/u.test(raw.slice(0, 5000))) weights.push(0.2);
  if (/[💰🤑💸🚀🔥]/u.test(raw) && weights.length > 0) weights.push(0.2);
  if ((raw.match(/!/gu) ?? []).length >= 3 && weights.length > 0) weights.push(0.15);
  return clamp(noisyOr(weights), 0, 1);
}

const AREAS: readonly [InterestArea, RegExp][] = [
  [
    'Facturación',
    b(
      'factura|facturas|facturacion|facturar|cobro|cobros|cobraron|cargo|cargos|pago|pagos|pague|reembolso|devolucion de (?:mi )?dinero|invoice|invoices|billing|billed|charge|charged|charges|refund|payment|receipt|recibo',
    ),
  ],
  [
    'Soporte',
    b(
      "error|errores|falla|fallas|fallo|no funciona|no sirve|no puedo (?:entrar|acceder|iniciar|ingresar|conectar)|no carga|bug|broken|can't log ?in|cannot log ?in|can't access|not working|doesn't work|crash|caid[oa]|se cayo|soporte|support|problema tecnico|contrasena|password|is down|are down|esta caid[oa]|se (?:nos |me |les )?(?:cae|cayo|cayeron)|no funciona nada",
    ),
  ],
  [
    'Ventas',
    b(
      'planes|plan|precio|precios|costo|costos|cuanto cuesta|cuanto cuestan|cotizacion|cotizar|presupuesto|demo|demostracion|contratar|comprar|adquirir|licencias?|suscripcion|pricing|price|prices|quote|purchase|buy|plans|subscription|trial|prueba gratis|informacion sobre sus|info sobre sus|we need (?:a |an |better )?(?:solution|tool|software|platform|system|route|routing)|route planning|optimi[sz]e (?:our )?routes|necesitamos (?:un |una )?(?:solucion|herramienta|software|plataforma|sistema)|optimizar (?:nuestras |las )?rutas|planificacion de rutas',
    ),
  ],
  [
    'Otro',
    b(
      'empleo|vacante|trabajo con ustedes|bolsa de trabajo|job|jobs|careers|hiring|proveedor|supplier|alianza|partnership|prensa|press|patrocinio|sponsorship',
    ),
  ],
];

/** The area a message points to, if any (billing beats support beats sales on a tie). */
export function interestArea(text: string): InterestArea | undefined {
  const t = fold(text.slice(0, MAX));
  let best: InterestArea | undefined;
  let bestCount = 0;
  for (const [area, re] of AREAS) {
    const count = (t.match(new RegExp(re.source, 'gu')) ?? []).length;
    if (count > bestCount) {
      best = area;
      bestCount = count;
    }
  }
  return best;
}

/** Interest in buying: prices, plans, licences, "for my company". */
const BUYING_SOFT = [
  b('precio|precios|costo|costos|cuanto cuesta|cuanto cuestan|cuanto sale|tarifa|tarifas'),
  b('price|prices|pricing|how much|cost|costs|rates'),
  b('planes|plan|paquete|paquetes|plans|package|packages|tier'),
  b('licencias?|usuarios|asientos|licenses?|seats|users'),
  b(
    'para mi equipo|para mi empresa|para nuestra empresa|for my team|for our team|for my company|for our company',
  ),
];
/** A concrete step towards buying: a quote, a demo or trial, a contract, a salesperson, a size. */
const BUYING_CONCRETE = [
  b('cotiza\\p{L}*|presupuest\\p{L}*|propuestas?|quotes?|quotation|proposals?|estimates?'),
  b('demos?|demostraci\\p{L}*|prueba gratis|periodo de prueba|trials?|free trial'),
  b(
    'contrat\\p{L}*|compra\\p{L}*|adquiri\\p{L}*|suscrib\\p{L}*|suscripcion|buy|purchase|subscribe|sign up|hire',
  ),
  b(
    '(?:un |a )?(?:comercial|vendedor|ejecutivo de ventas|asesor comercial|salesperson|sales rep|someone from sales)|(?:somebody|someone|a person) to call me|que me llam\\p{L}* (?:un|una|alguien)',
  ),
  // A size: "35 furgonetas", "a fleet of 12", "200 entregas diarias".
  b(
    '\\d{1,5} (?:\\p{L}+ )?(?:camion\\p{L}*|furgon\\p{L}*|camionetas?|utilitarios?|unidades|vehiculos?|repartidores?|choferes|chofer|conductores?|motos?|sucursales|tiendas|entregas|pedidos|envios|trucks?|vans?|vehicles?|drivers?|couriers?|riders?|stores?|branches|deliveries|orders|usuarios|users|licencias|licen[cs]es)|flota de \\d|fleet of \\d',
  ),
];
const BUYING = [...BUYING_SOFT, ...BUYING_CONCRETE];

const SIZE = BUYING_CONCRETE[BUYING_CONCRETE.length - 1] as RegExp;
/** The concrete buying steps other than a size. */
const STEPS = BUYING_CONCRETE.slice(0, -1);

/**
 * The need has a scope a salesperson can work with: a size ("35 furgonetas", "a fleet of 12") or a
 * date ("before the holiday peak", "este mes"). Without one, the bot asks once about them.
 */
export function statesScope(text: string): boolean {
  const t = fold(text.slice(0, MAX));
  return SIZE.test(t) || NEAR_DEADLINE.test(t) || /\b\d{1,5}\b/u.test(t);
}

/** How many concrete buying steps `text` shows (a quote, a demo, a contract, a fleet size…). */
export function concreteBuyingSignals(text: string): number {
  return countMatches(fold(text.slice(0, MAX)), BUYING_CONCRETE);
}

/** Concrete steps other than a size: a quote, a demo, a contract, a trial ("quote for 12 vans, no rush"). */
export function buyingSteps(text: string): number {
  return countMatches(fold(text.slice(0, MAX)), STEPS);
}

/** How many distinct buying-intent cues `text` shows (prices, plans, demo, quote…). */
export function buyingSignals(text: string): number {
  return countMatches(fold(text.slice(0, MAX)), BUYING);
}
