import type { Language } from '../protocol/index.ts';
import { EN_WORDS, ES_WORDS } from './lexicon.ts';

/** A language guess and how sure it is (0..1). */
export interface LanguageGuess {
  language: Language;
  confidence: number;
}

const STRONG_GREETINGS_ES = new Set(['hola', 'buenas', 'buenos', 'gracias', 'necesito', 'quiero']);
const STRONG_GREETINGS_EN = new Set(['hello', 'hi', 'thanks', 'need', 'want', 'please']);

/** Scores Spanish vs English evidence in `text`; names, emails, URLs and numbers carry no weight. */
export function languageEvidence(text: string): { es: number; en: number } {
  const clean = text
    .slice(0, 4000)
    .replace(/\S*@\S*/gu, ' ')
    .replace(/(?:https?:\/\/|www\.)\S*/giu, ' ');
  let es = Math.min(4, (clean.match(/[¿¡]/gu) ?? []).length * 2);
  let en = 0;
  for (const m of clean.matchAll(/[\p{L}]+(?:['’][\p{L}]+)?/gu)) {
    const raw = m[0];
    const capitalised = /^\p{Lu}/u.test(raw) && raw.length > 1;
    const w = raw.toLowerCase().replace(/’/g, "'");
    const inEs = ES_WORDS.has(w);
    const inEn = EN_WORDS.has(w) || (w === 'i' && raw === 'I');
    if (inEs) es += STRONG_GREETINGS_ES.has(w) ? 1.5 : 1;
    if (inEn) en += STRONG_GREETINGS_EN.has(w) ? 1.5 : 1;
    if (inEs || inEn) continue;
    // Unknown capitalised words are probably names ("López"): no evidence either way.
    if (capitalised) continue;
    if (/[áéíóúñü]/u.test(w)) es += 1;
    else if (w.includes("'")) en += 1;
    else if (w.length > 5 && /(?:ing|tion|ly)$/u.test(w)) en += 0.5;
    else if (w.length > 5 && /(?:ción|mente|amos|emos|ado|ada)$/u.test(w)) es += 0.5;
  }
  return { es, en };
}

/**
 * Guesses whether `text` is Spanish or English. Short or ambiguous messages ("ok", an email, a name)
 * keep `previous` (sticky per conversation), else `fallback`; switching away from `previous` needs
 * clear evidence.
 */
export function detectLanguage(
  text: string,
  previous: Language | undefined,
  fallback: Language,
): LanguageGuess {
  const { es, en } = languageEvidence(text);
  const diff = Math.abs(es - en);
  const total = es + en;
  const keep = previous ?? fallback;
  if (total === 0) return { language: keep, confidence: 0.2 };
  const winner: Language = es > en ? 'es' : 'en';
  const needed = previous !== undefined && winner !== previous ? 2 : 1;
  if (diff < needed) return { language: keep, confidence: 0.35 };
  return { language: winner, confidence: Math.min(0.99, 0.5 + diff * 0.1) };
}
