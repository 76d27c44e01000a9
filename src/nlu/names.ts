/** How to address a person by name in a reply. */

import type { Language } from '../protocol/index.ts';
import { NAME_PARTICLES, TITLES } from './lexicon.ts';

function titleKey(word: string): string {
  return word.toLowerCase().replace(/\.$/u, '');
}

function cap(word: string): string {
  return /\p{Lu}/u.test(word) ? word : word.charAt(0).toUpperCase() + word.slice(1);
}

/** Groups particles with the word that follows ("de la Cruz" is one surname). */
function groups(words: readonly string[]): string[] {
  const out: string[] = [];
  let pending: string[] = [];
  for (const w of words) {
    if (NAME_PARTICLES.has(w.toLowerCase()) && out.length > 0) {
      pending.push(w.toLowerCase());
      continue;
    }
    out.push([...pending, cap(w)].join(' '));
    pending = [];
  }
  return out;
}

/**
 * How to address the person: with a title, "Title Surname" ("Ing. Carlos López" → "Ing. López",
 * "Dra. Ana María Pérez Soto" → "Dra. Pérez"); without one, the first name ("Carlos López" →
 * "Carlos"). Spanish names of three words read as name + two surnames; English ones as
 * first + middle + last.
 */
export function addressName(name: string, language: Language): string {
  const words = name
    .trim()
    .split(/\s+/u)
    .filter((w) => w.length > 0);
  const first = words[0];
  if (first === undefined) return '';
  const title = TITLES.get(titleKey(first));
  if (title === undefined) return cap(first);
  const rest = groups(words.slice(1));
  let surname: string | undefined;
  if (rest.length <= 1) surname = rest[0];
  else if (rest.length === 2) surname = rest[1];
  else if (rest.length === 3) surname = language === 'es' ? rest[1] : rest[2];
  else surname = rest[rest.length - 2];
  return surname === undefined ? title : `${title} ${surname}`;
}
