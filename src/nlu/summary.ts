/** Extractive summary of what the person needs, built from the need snippets of their messages. */

import type { Language } from '../protocol/index.ts';
import { capitaliseFirst, fold } from './text.ts';
import { thirdPerson } from './third-person.ts';

const MAX_CHARS = 300;
const MAX_SENTENCES = 3;
/** Share of the shorter snippet's content words that makes two snippets the same need. */
const SAME_NEED_OVERLAP = 0.6;
const GREETING =
  /^(?:(?:hola+|ola+|holi|buenos d[ií]as|buenas tardes|buenas noches|buenas|buen d[ií]a|hi+|hiya|hello|hey|good (?:morning|afternoon|evening)|saludos)(?![\p{L}])[\s,!.¡]*)+/iu;

function key(s: string): string {
  return fold(s)
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .trim();
}

/** Content words of a snippet (four letters or more), for spotting the same need said twice. */
function contentSet(k: string): Set<string> {
  return new Set(k.split(' ').filter((w) => w.length >= 4));
}

/** The two snippets say mostly the same ("quería preguntar si hay integración con shopify" / "saber si hay integración con shopify"). */
function sameNeed(a: string, b: string): boolean {
  const x = contentSet(a);
  const y = contentSet(b);
  const small = Math.min(x.size, y.size);
  if (small < 2) return false;
  let shared = 0;
  for (const w of x) if (y.has(w)) shared += 1;
  return shared / small >= SAME_NEED_OVERLAP;
}

function sentence(s: string): string {
  const body = capitaliseFirst(s.trim().replace(/[\s,;:]+$/u, ''));
  return /[.!?…]$/u.test(body) ? body : `${body}.`;
}

/**
 * A 2-3 sentence (≤ 300 chars) summary of `needs` (the need snippets of all messages, in order):
 * deduplicated, greetings trimmed, first letter capitalised, ending with a period. Returns '' when
 * there is nothing to summarise. Each snippet is rewritten in the third person (`thirdPerson`).
 */
export function summariseProblem(needs: readonly string[], language: Language): string {
  const unique: string[] = [];
  const keys: string[] = [];
  for (const raw of needs) {
    const s = raw.replace(GREETING, '').replace(/\s+/gu, ' ').trim();
    const k = key(s);
    if (k === '') continue;
    // Skip repeats and snippets already contained in an earlier one (and replace shorter earlier
    // ones); of two snippets that say the same need in other words, the longer stays.
    if (keys.some((other) => other.includes(k) || (sameNeed(other, k) && other.length >= k.length))) continue;
    const shorter = keys.findIndex((other) => k.includes(other) || sameNeed(other, k));
    if (shorter >= 0) {
      unique[shorter] = s;
      keys[shorter] = k;
      continue;
    }
    unique.push(s);
    keys.push(k);
  }
  if (unique.length === 0) return '';
  // Noted in the third person, as a salesperson writes it ("Tienen 20 furgonetas…").
  for (let i = 0; i < unique.length; i += 1) unique[i] = thirdPerson(unique[i] ?? '', language);
  // More than three snippets: fold the tail into the third sentence.
  const parts = unique.slice(0, MAX_SENTENCES - 1);
  if (unique.length >= MAX_SENTENCES) {
    parts.push(
      unique
        .slice(MAX_SENTENCES - 1)
        .map((u) => u.replace(/[.!?…]+$/u, ''))
        .join('; '),
    );
  }
  let out = '';
  for (const p of parts.map(sentence)) {
    const next = out === '' ? p : `${out} ${p}`;
    if (next.length <= MAX_CHARS) {
      out = next;
      continue;
    }
    if (out === '') out = p;
    break;
  }
  if (out.length > MAX_CHARS) {
    out = `${out.slice(0, MAX_CHARS - 1).replace(/[\s,;:]*\S*$/u, '')}.`;
  }
  return out;
}
