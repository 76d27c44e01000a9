/**
 * Personal-name extraction: cue phrases ("me llamo", "soy el Ing.", "my name is") and short answers
 * when the bot just asked for the name. Guards against "soy de Monterrey", "I'm having problems"…
 */

import {
  EN_WORDS,
  ES_WORDS,
  FILLERS,
  GREETINGS,
  NAME_PARTICLES,
  NOT_NAME,
  PLACES,
  TITLES,
} from './lexicon.ts';

/** Words that commonly follow a bare "de" inside a given name ("Juan de Dios"). */
const PARTICLE_NAMES = new Set([
  'dios',
  'jesús',
  'jesus',
  'león',
  'leon',
  'guadalupe',
  'lourdes',
  'fátima',
  'fatima',
]);
import { titleCase } from './text.ts';

/** Strong cues accept lower-case names; weak ones need capitals unless a name was expected. */
const STRONG_CUE =
  /(?<![\p{L}\p{N}])(?:me llamo|mi nombre es|mi nombre:|nombre:|my name is|my name's|name:|call me|me puede llamar|puede llamarme|me dicen)(?![\p{L}\p{N}])/giu;
const WEAK_CUE =
  /(?<![\p{L}\p{N}])(?:soy|le escribe|les escribe|te escribe|le saluda|les saluda|habla|i'm|i’m|im|i am|this is|here is|it's|its)(?![\p{L}\p{N}])/giu;

const TOKEN = /[ \t]*(?:([\p{L}][\p{L}'’-]*)(\.?)|(\S))/uy;

interface Tok {
  word: string;
  dot: boolean;
  /** Index just after the token in the scanned text. */
  end: number;
}

function tokensAfter(text: string, from: number, max: number): Tok[] {
  const out: Tok[] = [];
  TOKEN.lastIndex = from;
  while (out.length < max) {
    const m = TOKEN.exec(text);
    if (!m) break;
    if (m[1] === undefined) break; // punctuation, digit or line end stops a name
    out.push({ word: m[1], dot: m[2] === '.', end: TOKEN.lastIndex });
    if (m[2] === '.' && m[1].length > 2 && !TITLES.has(m[1].toLowerCase())) break; // sentence end
  }
  return out;
}

function isBlocked(word: string): boolean {
  const w = word.toLowerCase();
  return NOT_NAME.has(w) || GREETINGS.has(w) || FILLERS.has(w) || ES_WORDS.has(w) || EN_WORDS.has(w);
}

const isCapital = (w: string): boolean => /^\p{Lu}/u.test(w);

/**
 * A capitalised surname that is also a common word ("Hannah Price", "Rose Young", "Ana Mañana"):
 * accepted after a first name; never a greeting, a filler or a word that is never a name.
 */
/** Words that never end a name even capitalised ("Hi, I'm Sarah And I Need A Quote"). */
const FUNCTION_WORDS = new Set(
  'and y or o but pero will can could would should need needs necesito quiero want wants is are am was soy es son have has do does please thanks gracias i yo a the el la los las un una for para with con from of to que who which'.split(
    ' ',
  ),
);

function commonWordSurname(word: string, parts: readonly string[]): boolean {
  const w = word.toLowerCase();
  return (
    parts.length >= 1 &&
    !FUNCTION_WORDS.has(w) &&
    /^\p{Lu}\p{Ll}/u.test(word) &&
    w.length > 2 &&
    !NOT_NAME.has(w) &&
    !GREETINGS.has(w) &&
    !FILLERS.has(w)
  );
}

/** Reads "[el|la] [Title] Name Surname…" from tokens; undefined when it is not a plausible name. */
function readName(toks: readonly Tok[], allowLower: boolean): { name: string; end: number } | undefined {
  let i = 0;
  const first = toks[0];
  if (first && (first.word.toLowerCase() === 'el' || first.word.toLowerCase() === 'la')) {
    const next = toks[1];
    if (!next || (!TITLES.has(next.word.toLowerCase()) && !isCapital(next.word))) return undefined;
    i = 1;
  }
  let title: string | undefined;
  const t = toks[i];
  if (t && TITLES.has(t.word.toLowerCase()) && (t.dot || t.word.length > 3 || isCapital(t.word))) {
    title = TITLES.get(t.word.toLowerCase());
    i += 1;
  }
  const parts: string[] = [];
  let end = 0;
  for (; i < toks.length; i += 1) {
    const tok = toks[i];
    if (!tok) break;
    const lower = tok.word.toLowerCase();
    // "María de la Cruz", "Juan de Dios": particles only right after a first name, before a capital.
    if (parts.length === 1 && NAME_PARTICLES.has(lower) && lower !== 'y') {
      let j = i + 1;
      while (j < toks.length && NAME_PARTICLES.has((toks[j]?.word ?? '').toLowerCase())) j += 1;
      const after = toks[j];
      const run = toks.slice(i, j).map((t) => t.word.toLowerCase());
      const surnameLike =
        run.length > 1 ||
        lower === 'del' ||
        (after !== undefined && PARTICLE_NAMES.has(after.word.toLowerCase()));
      if (
        after &&
        surnameLike &&
        isCapital(after.word) &&
        !isBlocked(after.word) &&
        !PLACES.has(after.word.toLowerCase())
      ) {
        parts.push(...run);
        end = toks[j - 1]?.end ?? end;
        i = j - 1;
        continue;
      }
    }
    if (isBlocked(tok.word) && !commonWordSurname(tok.word, parts)) break;
    if (!isCapital(tok.word) && !allowLower) break;
    if (tok.word.length < 2 && !tok.dot) break;
    parts.push(tok.dot && tok.word.length === 1 ? `${tok.word.toUpperCase()}.` : tok.word);
    end = tok.end;
    if (tok.dot && tok.word.length > 1) break;
  }
  while (parts.length > 0 && NAME_PARTICLES.has(parts[parts.length - 1] ?? '')) parts.pop();
  // "Carlos de Logística del Norte": too long for a name, keep what precedes the particle.
  const count = (ps: string[]): number => ps.filter((p) => !NAME_PARTICLES.has(p)).length;
  if (count(parts) > 4) {
    const cut = parts.findIndex((p) => NAME_PARTICLES.has(p));
    if (cut > 0) parts.splice(cut);
  }
  if (parts.length === 0 || count(parts) > 4) return undefined;
  if (NAME_PARTICLES.has(parts[0] ?? '')) return undefined;
  const name = titleCase(parts.join(' '), NAME_PARTICLES);
  return { name: title ? `${title} ${name}` : name, end };
}

/** A name found in text: the value and the index just after it. */
export interface NameHit {
  name: string;
  index: number;
  end: number;
}

function fromCues(text: string, re: RegExp, allowLower: boolean): NameHit | undefined {
  for (const m of text.matchAll(re)) {
    const hit = readName(tokensAfter(text, m.index + m[0].length, 8), allowLower);
    if (hit) return { ...hit, index: m.index };
  }
  return undefined;
}

/** Words that describe a state, not a person ("frustrated", "preocupado", "looking"). */
const NOT_A_NAME_ENDING = /(?:ed|ing|ly|ado|ada|ados|adas|ido|ida|idos|idas|ando|iendo|mente)$/u;

/**
 * In a message typed all in lower case, "soy daniela ortega de…" / "i'm grace walker from…" name a
 * person too: accepted when the name has two words that look like a given name and a surname.
 */
function lowerCaseWeak(text: string): NameHit | undefined {
  if (/\p{Lu}/u.test(text)) return undefined;
  const hit = fromCues(text, WEAK_CUE, true);
  if (!hit) return undefined;
  const words = hit.name.toLowerCase().split(/\s+/u);
  // "emily", "kelly", "holly": a short word in -ly is a given name, not an adverb.
  const stateWord = (w: string): boolean => NOT_A_NAME_ENDING.test(w) && !(w.endsWith('ly') && w.length <= 5);
  if (words.length < 2 || words.length > 4 || words.some(stateWord)) return undefined;
  return hit;
}

/** A name stated with a cue phrase anywhere in `text`. */
export function nameFromCues(text: string, expectingName: boolean): NameHit | undefined {
  const strong = fromCues(text, STRONG_CUE, true);
  const weak = fromCues(text, WEAK_CUE, expectingName) ?? lowerCaseWeak(text);
  if (strong && weak) return strong.index <= weak.index ? strong : weak;
  return strong ?? weak;
}

/**
 * A short answer that is just a name ("Carlos López", "ing. carlos lópez"): 1-4 word tokens (plus a
 * title), no digits, not a greeting / yes / no.
 */
export function nameFromShortAnswer(segment: string): string | undefined {
  const s = segment.trim().replace(/[.!]+$/u, '');
  if (s === '' || /[\p{N}@?¿/:]/u.test(s) || s.length > 60) return undefined;
  const toks = tokensAfter(s, 0, 7);
  const consumed = toks.map((t) => t.word).join(' ');
  // Every character must belong to the tokens (no stray punctuation in the middle).
  if (consumed.replace(/\s+/gu, '').length !== s.replace(/[\s.]+/gu, '').length) return undefined;
  const first = toks[0];
  if (!first || FILLERS.has(first.word.toLowerCase()) || GREETINGS.has(first.word.toLowerCase()))
    return undefined;
  const name = readName(toks, true)?.name;
  if (name === undefined) return undefined;
  // The whole answer must be the name, not "Carlos necesito ayuda".
  const article = first.word.toLowerCase() === 'el' || first.word.toLowerCase() === 'la' ? 1 : 0;
  return toks.length === name.split(/\s+/u).length + article ? name : undefined;
}
