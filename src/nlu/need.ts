/**
 * Need extraction: the clauses of a message that state what the person needs or what went wrong,
 * without greetings, introductions, contact data or pleasantries.
 */

import { declinesDetail, wantsHuman } from './intents.ts';
import { EN_WORDS, ES_WORDS, FILLERS, GREETINGS } from './lexicon.ts';
import { escapeRegExp, fold } from './text.ts';

const NEED_CUE = new RegExp(
  [
    '(?<![\\p{L}])(?:',
    'necesit\\p{L}*|quier[oe]n?|queremos|quisier\\p{L}*|gustaria|busc[oa]\\p{L}*|requier\\p{L}*|requerimos',
    '|interes\\p{L}*|problemas?|problems?|falla\\p{L}*|fallo|error\\p{L}*|no funciona\\p{L}*|no puedo|no podemos|no sirve',
    '|no me deja|no nos deja|no carga|se (?:nos |me )?(?:cae|cayo)|caid[oa]s?|lent[oa]|ayud\\p{L}*|informacion|info',
    '|cotiz\\p{L}*|precios?|costos?|planes|plan|demo|factura\\p{L}*|cobr\\p{L}*|reembolso|pago|pagos|cuant[oa]s?',
    '|como (?:puedo|hago|se)|podrian|pueden|puede|necesidad|consulta|duda|pregunta|envios?|entregas?|pedidos?|urgente',
    "|need\\p{L}*|want\\p{L}*|would like|i'd like|we'd like|looking for|interested|issues?|can't|cannot|unable",
    "|doesn't|isn't|aren't|not working|broken|down|slow|help|information|price\\p{L}*|quote|invoice|charged",
    '|refund|how (?:do|can|much|to)|question|trying to|wondering|order|delivery|urgent|asap',
    '|evaluat\\p{L}*|evalua\\p{L}*|compar\\p{L}*|explor\\p{L}*|research\\p{L}*|considering|considerando|recopilando',
    ')(?![\\p{L}])',
  ].join(''),
  'u',
);

const GREETING_PREFIX =
  /^(?:(?:hola+|holi|buenos d[ií]as|buenas tardes|buenas noches|buenas|buen d[ií]a|hi|hello|hey|good (?:morning|afternoon|evening)|saludos|qu[eé] tal|c[oó]mo est[aá]n?)(?![\p{L}])[\s,!.¡]*)+/iu;
const CONNECTOR_PREFIX =
  /^(?:y|and|pero|but|bueno|pues|entonces|also|ademas|además|so|well|ok|okay|vale|(?:les?|te|los|la)? ?(?:escribo|contacto|busco) (?:porque|ya que|para)|(?:i'm|i am|we're|we are) (?:writing|reaching out|contacting you) (?:because|since|to))(?![\p{L}])[\s,]*/iu;
const INTRO_PREFIX =
  /^(?:soy|me llamo|mi nombre es|le escribe|les escribe|trabajo en|trabajo para|i'm|i am|my name is|this is|i work at|i work for)\s[^,]{1,60}?\s(?:y|and)\s+/iu;
const DATA_START =
  /^(?:soy|me llamo|mi nombre|le escribe|les escribe|habla|mi correo|mi email|mi mail|mi telefono|mi cel\p{L}*|mi numero|mi whatsapp|trabajo en|trabajo para|de la empresa|mi empresa|nuestra empresa|la empresa|el nombre de la empresa|the company|i'm|i am|my name|this is|my email|my phone|my number|i work|our company|my company|email|correo|telefono|phone|tel|cel|whatsapp|nombre|name|empresa|company|gerente|director|directora|encargad[oa]|jef[ea]|dueñ[oa]|duen[oa]|fundador|fundadora|coordinador|coordinadora|ceo|cto|cfo|coo|founder|owner|manager|head of)(?![\p{L}])/u;
const PLEASANTRY =
  /^(?:(?:muchas )?gracias(?: de antemano)?|saludos(?: cordiales)?|quedo (?:atent[oa]|pendiente)|espero (?:su|tu) respuesta|thanks(?: in advance)?|thank you|regards|best regards|cheers|please|por favor|un saludo)[\s.!]*$/u;

interface Fragment {
  text: string;
  /** The fragment ended a sentence (., !, ?, ;, newline) rather than a comma. */
  endsSentence: boolean;
}

function fragments(text: string): Fragment[] {
  const out: Fragment[] = [];
  for (const sentence of text.split(/(?<=[!?;\n])|(?<=\.)(?=\s)/u)) {
    const parts = sentence.split(/,(?=\s)/u);
    parts.forEach((p, i) => out.push({ text: p, endsSentence: i === parts.length - 1 }));
  }
  return out;
}

function clean(fragment: string): string {
  let s = fragment.trim();
  for (let i = 0; i < 3; i += 1) {
    const before = s;
    s = s.replace(GREETING_PREFIX, '').replace(CONNECTOR_PREFIX, '').trim();
    if (s === before) break;
  }
  const intro = INTRO_PREFIX.exec(s);
  if (intro && NEED_CUE.test(fold(s.slice(intro[0].length)))) s = s.slice(intro[0].length);
  return s.replace(/^[¡\s]+/u, '').trim();
}

/** "perdón, me equivoqué de correo", "I gave you the wrong address": about the contact data itself. */
const CORRECTION =
  /(?:correo|email|e-mail|mail|address|direccion|numero|number|telefono|phone|nombre|name)\b.*\b(?:mal|equivoc\p{L}*|incorrect\p{L}*|correct\p{L}*|wrong|typo|mistake|error)|(?:mal|equivoc\p{L}*|wrong|typo|mistake|incorrect\p{L}*)\b.*\b(?:correo|email|e-mail|mail|address|direccion|numero|number)/u;

function isData(folded: string, original: string): boolean {
  return (
    DATA_START.test(folded) ||
    CORRECTION.test(folded) ||
    original.includes('@') ||
    /\d[\d\s().-]{6,}\d/u.test(original)
  );
}

/** Where contact details start inside a clause ("… i'm emily carter from …", "les escribe Ana"). */
const CONTACT_CUE =
  /(?<![\p{L}])(?:i'?m|i am|soy|me llamo|my name is|mi nombre es|les? escribe|te escribe|this is|here is|email|e-mail|correo|mi correo es|my email is|cel|tel|phone|whatsapp)(?![\p{L}])/giu;
/** What may sit between a cue and its detail ("mi correo es: …", "i'm the owner, …" is not). */
const CUE_GAP = /^[\s,:;-]*(?:(?:es|is|de|from|the|el|la|mi|my|:)[\s,:;-]*){0,3}$/iu;
const LINK_WORD = /(?:^|\s)(?:and|y|from|de|at|en)$/iu;
const LEADING_LINK_WORD = /^(?:and|y|from|de|at|en)(?=\s|$)/iu;

/** Link words and punctuation trimmed off one end, a word at a time (linear on long input). */
function trimLinks(text: string, end: 'start' | 'end'): string {
  let out = text;
  for (let i = 0; i < 8; i += 1) {
    const next =
      end === 'end'
        ? out.replace(/[\s,;:(–—-]+$/u, '').replace(LINK_WORD, '')
        : out.replace(/^[\s,;:).–—-]+/u, '').replace(LEADING_LINK_WORD, '');
    if (next === out) break;
    out = next;
  }
  return out;
}

/**
 * The clause without the contact details it carries, each cut from its cue ("i'm", "mi correo es")
 * to its end: "your system went down … i'm emily carter from bluebell" → "your system went down …",
 * "mi correo es carlos@x.mx y necesito mejorar…" → "necesito mejorar…"; '' when only details are
 * left. `details`: the name, company and email captured from the message.
 */
function withoutContactTail(clause: string, details: readonly string[]): string {
  let out = clause;
  for (let guard = 0; guard < 6; guard += 1) {
    const span = contactSpan(out, details);
    if (!span) break;
    out = `${trimLinks(out.slice(0, span[0]), 'end')} ${trimLinks(out.slice(span[1]), 'start')}`.trim();
  }
  if (out === clause) return clause;
  return (out.match(/[\p{L}\p{N}]+/gu) ?? []).length >= 2 ? out : '';
}

/** The first contact detail of `text` (a whole word or words) with the cue right before it: [start, end). */
function contactSpan(text: string, details: readonly string[]): [number, number] | undefined {
  let first: [number, number] | undefined;
  // Starts only where a token starts: linear on long input.
  const email = text.includes('@') ? /(?<![^\s(,;:])[^\s(,;:@]+@[^\s),;:]+/u.exec(text) : null;
  if (email) first = [email.index, email.index + email[0].length];
  for (const d of details) {
    if (d.length < 3) continue;
    // Whole words only: "Ana" is not inside "mañana", "Sol" not inside "solución".
    const m = new RegExp(`(?<![\\p{L}\\p{N}])${escapeRegExp(d)}(?![\\p{L}\\p{N}])`, 'iu').exec(text);
    if (m && (first === undefined || m.index < first[0])) first = [m.index, m.index + m[0].length];
  }
  if (!first) return undefined;
  // The nearest cue that introduces the detail ("The phone app crashes… I am Ana": "I am", not "phone").
  let cue: number | undefined;
  for (const m of text.matchAll(CONTACT_CUE)) {
    if (m.index >= first[0]) break;
    if (CUE_GAP.test(text.slice(m.index + m[0].length, first[0]))) cue = m.index;
  }
  return [cue ?? first[0], first[1]];
}

/**
 * The clause(s) of `text` that state the need or problem, in the person's own words; undefined for
 * pure greetings, pure contact data ("soy Ana, ana@x.com") and pleasantries.
 */
export function extractNeed(text: string, details: readonly string[] = []): string | undefined {
  const kept: { text: string; joinWithComma: boolean }[] = [];
  let previousKept = false;
  let previousEndedSentence = true;
  for (const frag of fragments(text.slice(0, 5000))) {
    const s = withoutContactTail(clean(frag.text), details);
    const f = fold(s).replace(/[.!?;]+$/u, '');
    const tokens = f.match(/[\p{L}\p{N}']+/gu) ?? [];
    let keep = false;
    if (
      tokens.length > 0 &&
      !PLEASANTRY.test(f) &&
      !tokens.every((w) => GREETINGS.has(w) || FILLERS.has(w))
    ) {
      // Asking for a person, correcting a detail or declining one is about the chat, not the need.
      if (wantsHuman(s) || CORRECTION.test(f) || declinesDetail(s)) keep = false;
      else if (NEED_CUE.test(f)) keep = true;
      else if (isData(f, s)) keep = false;
      else if (tokens.length >= 4) keep = true;
      else keep = previousKept && !previousEndedSentence;
    }
    if (keep) kept.push({ text: s, joinWithComma: previousKept && !previousEndedSentence });
    previousKept = keep;
    previousEndedSentence = frag.endsSentence;
  }
  if (kept.length === 0) return undefined;
  let out = '';
  for (const k of kept) {
    const piece = k.text.replace(/[,;\s]+$/u, '');
    if (out === '') out = piece;
    else if (k.joinWithComma) out = `${out.replace(/[.]+$/u, '')}, ${piece}`;
    else out = /[.!?]$/u.test(out) ? `${out} ${piece}` : `${out}. ${piece}`;
  }
  out = out.replace(/\.+$/u, '').replace(/\s+/gu, ' ').trim();
  if (out.length > 400) out = `${out.slice(0, 400).replace(/\s+\S*$/u, '')}…`;
  return out === '' ? undefined : out;
}

/** Words that carry content in a need (four letters or more, not function words or greetings). */
export function contentWords(need: string): number {
  const words = fold(need).match(/[\p{L}]{4,}/gu) ?? [];
  return words.filter((w) => !ES_WORDS.has(w) && !EN_WORDS.has(w) && !GREETINGS.has(w) && !FILLERS.has(w))
    .length;
}
