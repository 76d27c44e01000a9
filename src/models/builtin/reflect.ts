/**
 * Turns the person's need into words the bot can say back ("necesito info" → "necesita info",
 * "I need help with your plans" → "you need help with our plans"). Token based, single pass.
 */

import type { Language } from '../../protocol/index.ts';
import { ES_FIRST_TO_THIRD } from '../../nlu/third-person.ts';

/** First person → usted / ustedes (the same verb forms as the third person). */
const ES: ReadonlyMap<string, string> = new Map([
  ...ES_FIRST_TO_THIRD,
  ['yo', 'usted'],
  ['nosotros', 'ustedes'],
]);
/** "sus planes" said to the company means "our plans". */
const ES_OURS: ReadonlyMap<string, string> = new Map([
  ['planes', 'nuestros'],
  ['servicios', 'nuestros'],
  ['productos', 'nuestros'],
  ['precios', 'nuestros'],
  ['paquetes', 'nuestros'],
  ['soluciones', 'nuestras'],
  ['tarifas', 'nuestras'],
]);
const EN: ReadonlyMap<string, string> = new Map([
  ['i', 'you'],
  ['me', 'you'],
  ['my', 'your'],
  ['mine', 'yours'],
  ['we', 'you'],
  ['us', 'you'],
  ['our', 'your'],
  ['ours', 'yours'],
  ["i'm", "you're"],
  ["i've", "you've"],
  ["i'd", "you'd"],
  ["i'll", "you'll"],
  ["we're", "you're"],
  ["we've", "you've"],
  ["we'd", "you'd"],
  ['am', 'are'],
  ['your', 'our'],
  ['yours', 'ours'],
  // The lead's problem statement is a third-person note ("They run 30 vans…"): said back as "you".
  ['they', 'you'],
  ['them', 'you'],
  ['their', 'your'],
  ['theirs', 'yours'],
  ["they're", "you're"],
  ["they've", "you've"],
  ["they'd", "you'd"],
  ["they'll", "you'll"],
]);

/** First words after which "Entiendo que … / I understand that …" reads naturally. */
const ES_STARTS = new Set([
  ...ES.values(),
  ...[
    'no',
    'le',
    'les',
    'se',
    'ya',
    'hay',
    'el',
    'la',
    'los',
    'las',
    'necesitan',
    'tienen',
    'quieren',
    'su',
    'sus',
  ],
  ...['desde', 'también', 'tampoco', 'nuestros', 'nuestras', 'cada', 'todos', 'todo', 'nada', 'nunca'],
]);
const EN_STARTS = new Set([
  'you',
  "you're",
  "you've",
  "you'd",
  "you'll",
  'your',
  'there',
  'the',
  'it',
  "it's",
]);

function mapCase(original: string, replacement: string): string {
  return /^\p{Lu}/u.test(original) && original.length > 1 && original !== 'I'
    ? replacement.charAt(0).toUpperCase() + replacement.slice(1)
    : replacement;
}

/**
 * The need in the second person, or undefined when it would not read well after "Entiendo que" /
 * "I understand that" (questions, very long text, fragments that don't start like a clause).
 */
export function reflectNeed(need: string, language: Language): string | undefined {
  let text = need
    .replace(/\p{Extended_Pictographic}|\u{FE0F}|\u{200D}/gu, '')
    .trim()
    .replace(/^(?:urgente|urgent|asap)[\s,:;!.-]+/iu, '')
    .replace(/[.!…\s]+$/u, '');
  if (text === '' || text.length > 160 || /[?¿]/u.test(text)) return undefined;
  const table = language === 'es' ? ES : EN;
  const tokens = text.split(/([\p{L}'’]+)/u);
  for (let i = 1; i < tokens.length; i += 2) {
    const word = tokens[i] ?? '';
    const lower = word.toLowerCase().replace(/’/gu, "'");
    const next = (tokens[i + 2] ?? '').toLowerCase();
    let out = table.get(lower);
    if (language === 'es' && (lower === 'sus' || lower === 'su') && ES_OURS.has(next))
      out = ES_OURS.get(next);
    if (language === 'en' && lower === 'was' && (tokens[i - 2] ?? '').toLowerCase() === 'i') out = 'were';
    if (out !== undefined) tokens[i] = mapCase(word, out);
  }
  text = tokens.join('');
  // Lower-case the first letter unless the word looks like an acronym or a proper noun kept in caps.
  if (/^\p{Lu}\p{Ll}/u.test(text)) text = text.charAt(0).toLowerCase() + text.slice(1);
  const first = (/^[\p{L}'’]+/u.exec(text)?.[0] ?? '').toLowerCase();
  const starts = language === 'es' ? ES_STARTS : EN_STARTS;
  return starts.has(first) ? text : undefined;
}
