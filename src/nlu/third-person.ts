/**
 * Rewrites one need snippet in the third person for the lead's problem statement, the way a
 * salesperson notes it in a CRM: "tenemos 20 furgonetas" → "Tienen 20 furgonetas", "I can't log in"
 * → "They can't log in", "¿cuánto cuestan sus planes?" → "Pregunta cuánto cuestan nuestros planes".
 * Token based, single pass. Spanish formal second person and third person share their verb forms,
 * so the bot's own reflection table serves both.
 */

import { fold } from './text.ts';
import type { Language } from '../protocol/index.ts';

/** Spanish first-person verbs and possessives → third person (= formal second person). */
export const ES_FIRST_TO_THIRD: readonly (readonly [string, string])[] = [
  ['necesito', 'necesita'],
  ['necesitamos', 'necesitan'],
  ['quiero', 'quiere'],
  ['queremos', 'quieren'],
  ['quisiera', 'quisiera'],
  ['quisiéramos', 'quisieran'],
  ['quería', 'quería'],
  ['queria', 'quería'],
  ['queríamos', 'querían'],
  ['tengo', 'tiene'],
  ['tenemos', 'tienen'],
  ['estoy', 'está'],
  ['estamos', 'están'],
  ['puedo', 'puede'],
  ['podemos', 'pueden'],
  ['busco', 'busca'],
  ['buscamos', 'buscan'],
  ['requiero', 'requiere'],
  ['requerimos', 'requieren'],
  ['manejo', 'maneja'],
  ['manejamos', 'manejan'],
  ['uso', 'usa'],
  ['usamos', 'usan'],
  ['deseo', 'desea'],
  ['deseamos', 'desean'],
  ['soy', 'es'],
  ['somos', 'son'],
  ['he', 'ha'],
  ['hemos', 'han'],
  ['me', 'le'],
  ['nos', 'les'],
  ['mi', 'su'],
  ['mis', 'sus'],
  ['nuestro', 'su'],
  ['nuestra', 'su'],
  ['nuestros', 'sus'],
  ['nuestras', 'sus'],
];
const ES: ReadonlyMap<string, string> = new Map([
  ...ES_FIRST_TO_THIRD,
  ['yo', 'la persona'],
  ['nosotros', 'ellos'],
  ['ustedes', 'nosotros'],
]);
const EN: ReadonlyMap<string, string> = new Map([
  ['i', 'they'],
  ['me', 'them'],
  ['my', 'their'],
  ['mine', 'theirs'],
  ['we', 'they'],
  ['us', 'them'],
  ['our', 'their'],
  ['ours', 'theirs'],
  ["i'm", "they're"],
  ["i've", "they've"],
  ["i'd", "they'd"],
  ["i'll", "they'll"],
  ["we're", "they're"],
  ["we've", "they've"],
  ["we'd", "they'd"],
  ["we'll", "they'll"],
  ['am', 'are'],
  ['you', 'we'],
  ['your', 'our'],
  ['yours', 'ours'],
  ["you're", "we're"],
]);
/** Words that follow "you" as a subject ("you offer", "you guys have"). */
const SUBJECT_NEXT =
  /^(?:guys|have|has|are|do|does|did|can|could|will|would|offer|sell|support|provide|integrate|ship|work|charge|accept|help|make|need|want|were|was|had|also|still|really)$/iu;
const ES_WH =
  /^(?:qu[eé]|q|cu[aá]nt[oa]s?|c[oó]mo|cu[aá]l(?:es)?|d[oó]nde|cu[aá]ndo|por qu[eé]|qui[eé]n)\b/iu;
const EN_WH = /^(?:what|how|which|where|when|why|who)\b/iu;

function swap(text: string, table: ReadonlyMap<string, string>, language: Language): string {
  const tokens = text.split(/([\p{L}'’]+)/u);
  for (let i = 1; i < tokens.length; i += 2) {
    const word = tokens[i] ?? '';
    const lower = word.toLowerCase().replace(/’/gu, "'");
    let out = table.get(lower);
    // "I was" → "they were"; "sus planes" said to the company are "nuestros planes".
    if (language === 'en' && lower === 'was' && /^(?:i|we|they)$/iu.test(tokens[i - 2] ?? '')) out = 'were';
    // "recommend you to others" → "recommend us"; "you offer" → "we offer".
    if (language === 'en' && lower === 'you' && i > 1 && !SUBJECT_NEXT.test(tokens[i + 2] ?? '')) out = 'us';
    if (
      language === 'es' &&
      (lower === 'sus' || lower === 'su') &&
      /^(?:planes|precios|servicios|productos)$/iu.test(tokens[i + 2] ?? '')
    )
      out = 'nuestros';
    if (out !== undefined) tokens[i] = out;
  }
  return tokens.join('');
}

const capitalise = (s: string): string => s.charAt(0).toUpperCase() + s.slice(1);
/** `snippet` in the third person, sentence by sentence, capitalised, without a final period. */
export function thirdPerson(snippet: string, language: Language): string {
  const clean = snippet.replace(/\p{Extended_Pictographic}|\u{FE0F}|\u{200D}/gu, '').replace(/\s+/gu, ' ');
  const sentences = clean.match(/[^.!?]+[.!?]*/gu) ?? [];
  return sentences
    .map((s) => sentence(s, language))
    .filter((s) => s !== '')
    .join('. ');
}

/** A question that is only a noun phrase ("precio para 18 furgonetas?", "pricing for 64 trucks?"). */
const NOUN_QUESTION: Record<Language, RegExp> = {
  es: /^(precios?|costos?|tarifas?|info|informaci[oó]n|cotizaci[oó]n|planes|demo)(?![\p{L}])/iu,
  en: /^(prices?|pricing|costs?|info|information|quotes?|plans|demo|rates?)(?![\p{L}])/iu,
};
const ES_ARTICLE: Record<string, string> = {
  precio: 'el ',
  precios: 'los ',
  costo: 'el ',
  costos: 'los ',
  tarifa: 'la ',
  tarifas: 'las ',
  cotizacion: 'una ',
  planes: 'los ',
  demo: 'una ',
};

const EN_AUX = /^(do|does|can|could|would|will|is|are|have|has)\s+(they|we|there|it)\s+/iu;

function sentence(raw: string, language: Language): string {
  let text = raw.trim().replace(/[.!…\s]+$/u, '');
  if (text === '') return '';
  const question = /[?¿]/u.test(text);
  text = text.replace(/[¿?]+/gu, '').trim();
  // "¿ustedes venden…?": the subject is the company itself, dropped ("Pregunta si venden…").
  if (language === 'es') text = text.replace(/^ustedes\s+/iu, '');
  text = swap(text, language === 'es' ? ES : EN, language);
  if (/^\p{Lu}\p{Ll}/u.test(text)) text = text.charAt(0).toLowerCase() + text.slice(1);
  if (question) {
    const noun = NOUN_QUESTION[language].exec(text);
    if (noun) {
      // "¿precio para 18 furgonetas?" → "Pregunta por el precio para 18 furgonetas".
      const lead = language === 'es' ? (ES_ARTICLE[fold(noun[1] ?? '')] ?? '') : '';
      text = `${language === 'es' ? 'pregunta por' : 'asks about'} ${lead}${text}`;
    } else if (language === 'es') text = ES_WH.test(text) ? `pregunta ${text}` : `pregunta si ${text}`;
    else if (EN_WH.test(text)) text = `asks ${text}`;
    else {
      // "could they schedule a demo" → "asks whether they could schedule a demo".
      const aux = EN_AUX.exec(text);
      const body = aux
        ? `${aux[2]} ${/^do(es)?$/iu.test(aux[1] ?? '') ? '' : `${aux[1]} `}${text.slice(aux[0].length)}`
        : text;
      text = `asks whether ${body.replace(/\s+/gu, ' ')}`;
    }
  }
  return capitalise(text.replace(/\s+/gu, ' '));
}
