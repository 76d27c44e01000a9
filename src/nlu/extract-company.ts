/**
 * Company extraction: cue phrases ("trabajo en X", "de la empresa X", "I work at X"), legal suffixes
 * ("Acme Inc", "Logística del Norte S.A. de C.V.") and short answers when the bot asked for it.
 */

import { FILLERS, GREETINGS, NAME_PARTICLES, NOT_NAME, PLACES } from './lexicon.ts';
import { titleCase } from './text.ts';

/** Cues that name the company explicitly: lower-case values are accepted. */
const EXPLICIT_CUE =
  /(?<![\p{L}\p{N}])(?:de la empresa|de la compañía|de la compania|en la empresa|mi empresa es|mi empresa se llama|nuestra empresa es|nuestra empresa se llama|la empresa se llama|la empresa es|el nombre de la empresa es|the company is called|the company's name is|mi negocio es|mi negocio se llama|empresa:|compañía:|compania:|negocio:|my company is|our company is|the company is|company name is|company:|from the company|with the company)(?![\p{L}\p{N}])\s*/giu;
/** "CTO at Stark Industries", "gerente de operaciones en Transportes Castores". */
const ROLE_CUE =
  /(?<![\p{L}\p{N}])(?:ceo|cto|cfo|coo|founder|co-founder|owner|manager|director|directora|head of [\p{L}]+|gerente|dueñ[oa]|fundador[a]?|encargad[oa]|jef[ea]|coordinador[a]?)(?: de [\p{L}]+)? (?:at|of|en|de) /giu;
/** Cues that may precede other things ("trabajo en ventas"): the value must be capitalised. */
const SOFT_CUE =
  /(?<![\p{L}\p{N}])(?:trabajo en|trabajo para|trabajamos en|trabajamos para|laboro en|represento a|de parte de|i work at|i work for|we work at|we work for|working at|working for|representing|on behalf of|la empresa|the company)(?![\p{L}\p{N}])\s*/giu;
const SUFFIX =
  /^(?:inc|inc\.|llc|ltd|ltd\.|ltda|ltda\.|corp|corp\.|co\.|gmbh|sas|s\.a\.s\.|s\.a\.|sa|s\.l\.|sl|s\.c\.|sapi|s\.r\.l\.|srl|plc)$/iu;
/** "<Capitalised words> Inc" anywhere. */
const SUFFIX_RE =
  /(?<![\p{L}\p{N}])((?:\p{Lu}[\p{L}\p{N}&'’-]*\s+){1,4})(Inc\.?|LLC|Ltd\.?|Ltda\.?|Corp\.?|GmbH|S\.A\.(?:\s+de\s+C\.V\.)?|S\.\s?A\.?\s+de\s+C\.?\s?V\.?|SA\s+de\s+CV|S\.L\.|SAS|S\.A\.S\.)(?![\p{L}\p{N}])/gu;
/** "from Acme company", "de Acme compañía". */
const WORD_COMPANY_RE =
  /(?<![\p{L}\p{N}])(?:from|at|de)\s+((?:\p{Lu}[\p{L}\p{N}&'’-]*\s+){1,4})(?:company|compañía|compania)(?![\p{L}\p{N}])/gu;

const STOP = new Set([
  ...['y', 'and', 'que', 'donde', 'pero', 'desde', 'hace', 'where', 'since', 'but', 'como', 'with', 'con'],
  ...['en', 'in', 'para', 'for', 'porque', 'because', 'who', 'which', 'cual', 'quien', 'necesito', 'need'],
  ...['y', 'tengo', 'tenemos', 'we', 'i', 'and', 'estoy', 'am', 'is', 'es', 'somos', 'are', 'me', 'my', 'mi'],
  // "…from bluebell logistics ltd email emily@…": the contact details that follow end the company.
  ...[
    'email',
    'e-mail',
    'mail',
    'correo',
    'phone',
    'tel',
    'cel',
    'celular',
    'telefono',
    'teléfono',
    'whatsapp',
  ],
]);
const COMPANY_LINKS = new Set(['de', 'del', 'la', 'las', 'los', 'y', 'and', 'of', 'the', '&', 'e']);
const NOT_COMPANY = new Set([
  ...NOT_NAME,
  ...[
    'casa',
    'home',
    'remoto',
    'remote',
    'oficina',
    'office',
    'equipo',
    'team',
    'area',
    'área',
    'departamento',
  ],
  ...PLACES,
  ...[
    'tienda',
    ...[
      'pequeña',
      'pequeño',
      'grande',
      'mediana',
      'mediano',
      'familiar',
      'chica',
      'chico',
      'small',
      'big',
      'large',
    ],
    ...['medium', 'family', 'local', 'nueva', 'nuevo', 'new'],
    'startup',
    'pyme',
    'negocio',
    'empresa',
    'compañía',
    'company',
    'business',
    'ella',
    'esta',
    'este',
  ],
  // Words of the answer itself, never a company: "es mío", "email …", "just me".
  ...['mio', 'mío', 'mia', 'mía', 'mine', 'me', 'myself', 'yo', 'email', 'correo', 'mail', 'e-mail'],
  ...['perdon', 'perdón', 'sorry', 'disculpa', 'disculpe', 'gracias', 'thanks', 'oops', 'vale', 'ok'],
  ...['telefono', 'teléfono', 'phone', 'whatsapp', 'celular', 'para', 'for', 'sin', 'without', 'ninguna'],
]);

/** "es para mí", "no tengo empresa", "just me, freelance": the person has no company to give. */
export const PERSONAL =
  /(?<![\p{L}])(?:para m[ií]|es m[ií]o|a t[ií]tulo personal|uso personal|particular|no tengo empresa|sin empresa|ninguna|independiente|aut[oó]nom[oa]|freelance\p{L}*|por mi cuenta|just me|only me|for myself|for me|personal use|no company|self[- ]employed|on my own|sole trader|n\/a)(?![\p{L}])/iu;

const TOKEN = /[ \t]*(?:([\p{L}\p{N}][\p{L}\p{N}&'’.-]*)|(&)|(\S))/uy;

function readCompany(text: string, from: number, allowLower: boolean): string | undefined {
  const parts: string[] = [];
  TOKEN.lastIndex = from;
  while (parts.length < 8) {
    const m = TOKEN.exec(text);
    if (!m) break;
    const word = m[1] ?? m[2];
    if (word === undefined) break;
    const lower = word.toLowerCase();
    const cleaned = word.replace(/\.$/u, '');
    if (parts.length === 0) {
      if (NOT_COMPANY.has(lower) || NOT_COMPANY.has(cleaned.toLowerCase())) return undefined;
      if (!allowLower && !/^[\p{Lu}\p{N}]/u.test(word)) return undefined;
      parts.push(SUFFIX.test(word) ? word : cleaned);
      if (word.endsWith('.') && !SUFFIX.test(word) && !/^(?:\p{L}\.)+$/u.test(word)) break;
      continue;
    }
    if (SUFFIX.test(word) || /^(?:\p{L}\.)+\p{L}?\.?$/u.test(word)) {
      parts.push(word);
      continue;
    }
    if (COMPANY_LINKS.has(lower)) {
      parts.push(lower === 'and' || lower === '&' ? word : lower);
      continue;
    }
    if (STOP.has(lower)) break;
    if (!allowLower && !/^[\p{Lu}\p{N}]/u.test(word)) break;
    if (allowLower && (NOT_NAME.has(lower) || GREETINGS.has(lower))) break;
    parts.push(cleaned);
    if (word.endsWith('.')) break;
  }
  while (parts.length > 0 && COMPANY_LINKS.has((parts[parts.length - 1] ?? '').toLowerCase())) parts.pop();
  if (parts.length === 0 || parts.length > 7) return undefined;
  const value = parts.join(' ');
  return /\p{Lu}/u.test(value) ? value : titleCase(value, NAME_PARTICLES);
}

/** A company named with a cue phrase, a legal suffix or "X company" anywhere in `text`. */
export function companyFromCues(text: string, expectingCompany: boolean): string | undefined {
  for (const m of text.matchAll(EXPLICIT_CUE)) {
    const c = readCompany(text, m.index + m[0].length, true);
    if (c) return c;
  }
  for (const m of [...text.matchAll(SOFT_CUE), ...text.matchAll(ROLE_CUE)]) {
    const c = readCompany(text, m.index + m[0].length, expectingCompany);
    if (c) return c;
  }
  const suffixed = SUFFIX_RE.exec(text);
  SUFFIX_RE.lastIndex = 0;
  if (suffixed?.[1] !== undefined && suffixed[2] !== undefined) {
    const head = suffixed[1].trim().split(/\s+/u);
    // Drop leading words that belong to the sentence ("Trabajo Acme Inc" is rare; "Hola Acme Inc" is not).
    while (head.length > 1 && NOT_COMPANY.has((head[0] ?? '').toLowerCase())) head.shift();
    return `${head.join(' ')} ${suffixed[2]}`;
  }
  const worded = WORD_COMPANY_RE.exec(text);
  WORD_COMPANY_RE.lastIndex = 0;
  if (worded?.[1] !== undefined) return worded[1].trim();
  return undefined;
}

const AFTER_NAME = /[ \t]*,?[ \t]*(?:de|del|desde|from|of|at|con|with)[ \t]+/iuy;

/** "Soy Carlos López de Logística del Norte", "I'm Sarah from Globex": a company right after a name. */
export function companyAfterName(text: string, end: number): string | undefined {
  AFTER_NAME.lastIndex = end;
  const m = AFTER_NAME.exec(text);
  if (!m) return undefined;
  // A message typed all in lower case names its company in lower case too.
  const c = readCompany(text, end + m[0].length, !/\p{Lu}/u.test(text));
  if (c === undefined || PLACES.has(c.toLowerCase())) return undefined;
  return c;
}

/** Every word capitalised (or a digit, "&"), at least two of them, none a greeting or a filler. */
function titled(s: string): boolean {
  const words = s.split(/\s+/u);
  return (
    words.length >= 2 &&
    !/^(?:not applicable|no aplica|none|ninguna|no tengo)(?![\p{L}])/iu.test(s) &&
    words.every(
      (w) => /^[\p{Lu}\p{N}&]/u.test(w) && !GREETINGS.has(w.toLowerCase()) && !FILLERS.has(w.toLowerCase()),
    )
  );
}

/** A short answer that is just a company name ("Logística del Norte"), when the bot asked for it. */
export function companyFromShortAnswer(segment: string): string | undefined {
  const s = segment
    .trim()
    .replace(/[!?.]+$/u, '')
    .replace(
      /^(?:(?:y |and )?(?:es|se llama|la empresa es|la empresa|mi empresa es|en|de|del|desde|para|it's|it is|we are|we're|somos|from|at|with|i'm with|i work at|i work for|trabajo en|trabajo para|the company is|company is))\s+/iu,
      '',
    );
  if (PERSONAL.test(s)) return undefined;
  if (s === '' || s.length > 80 || /[@?¿:/]/u.test(s)) return undefined;
  const wordCount = s.split(/\s+/u).length;
  if (wordCount > 6) return undefined;
  const first = (s.split(/\s+/u)[0] ?? '').toLowerCase();
  if (FILLERS.has(first) || GREETINGS.has(first)) return undefined;
  // Written as a name ("Tyres On The Go", "Big Mike's Tires", "Cauchos El Gocho"): the whole answer.
  if (titled(s)) return s;
  const c = readCompany(s, 0, true);
  // The whole answer must be the company.
  if (!c || c.split(/\s+/u).length !== wordCount) return undefined;
  return c;
}
