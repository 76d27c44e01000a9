/**
 * Spanish / English detection for one inbound message.
 *
 * Why eld (Efficient Language Detector): word lists miss no-accent, lower-case, typo-laden chat ("hola
 * necesito info de los planes xq tenemos 20 camiones"); eld is a byte-n-gram model tuned for short text,
 * pure synchronous JavaScript, no native build or network. Static `eld/extrasmall`, measured on Node 20:
 * loads in ~0.16 s, ~33 MB heap; combined with the word lists below it passes the same short-chat cases
 * as `eld/small` (~0.35 s, 46 MB), which alone did better on bare two-word English. franc-min (2.5 MB)
 * was tried too: it calls "pls send me a quote" Portuguese. Restricted to es/en with
 * `setLanguageSubset`, so Portuguese, Italian… land on the nearer of the two by eld's own scores. eld is
 * unreliable on one or two words: those lean on the word lists and otherwise keep the conversation's language.
 */

import { eld } from 'eld/extrasmall';
import type { Language } from '../protocol/index.ts';
import { EN_WORDS, ES_WORDS } from './lexicon.ts';
import { fold } from './text.ts';

/** A language guess and how sure it is (0..1). */
export interface LanguageGuess {
  language: Language;
  confidence: number;
}

const detector = eld.newInstance();
detector.setLanguageSubset(['es', 'en']);

const set = (words: string): Set<string> => new Set(words.split(' '));
const STRONG_GREETINGS_ES = set('hola buenas buenos gracias necesito quiero');
const STRONG_GREETINGS_EN = set('hello hi thanks need want please');
/** Chat shorthand the shared lists lack. */
const CHAT_ES = set('xq pq porq porfa porfis plis ke tmb tb pa ntp grax');
const CHAT_EN = set('pls plz thx thanx ty u ur btw gonna wanna gotta');
const WORD_RE = /[\p{L}]+(?:['’][\p{L}]+)?/gu;
/** Points a switch away from the conversation's language needs (a word-list hit is about 1). */
const SWITCH_NEEDS = 3;

/** `text` without emails and URLs, which carry no language. */
function stripNoise(text: string): string {
  return text
    .slice(0, 4000)
    .replace(/\S*@\S*/gu, ' ')
    .replace(/(?:https?:\/\/|www\.)\S*/giu, ' ');
}

/** Scores Spanish vs English evidence in `text`; names, emails, URLs and numbers carry no weight. */
export function languageEvidence(text: string): { es: number; en: number } {
  const clean = stripNoise(text);
  let es = Math.min(4, (clean.match(/[¿¡]/gu) ?? []).length * 2);
  let en = 0;
  for (const m of clean.matchAll(WORD_RE)) {
    const raw = m[0];
    const capitalised = /^\p{Lu}/u.test(raw) && raw.length > 1;
    const w = raw.toLowerCase().replace(/’/g, "'");
    const inEs = ES_WORDS.has(w) || CHAT_ES.has(w);
    const inEn = EN_WORDS.has(w) || CHAT_EN.has(w) || (w === 'i' && raw === 'I');
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

/** The words eld should see: no emails, URLs, numbers or names (unknown capitalised words but the first). */
function contentWords(text: string): string[] {
  const clean = stripNoise(text);
  const base = /\p{Ll}/u.test(clean) ? clean : clean.toLowerCase();
  return [...base.matchAll(WORD_RE)]
    .map((m) => m[0])
    .filter((w, i) => {
      if (i === 0 || !/^\p{Lu}/u.test(w)) return true;
      const lower = w.toLowerCase();
      return ES_WORDS.has(lower) || EN_WORDS.has(lower);
    });
}

/** eld's vote in word-list points: positive for Spanish, negative for English, 0 under three words. */
function eldEvidence(text: string): number {
  const words = contentWords(text);
  if (words.length < 3) return 0;
  const scores = detector.detect(words.join(' ')).getScores();
  const margin = (scores['es'] ?? 0) - (scores['en'] ?? 0);
  return margin * 10 * Math.min(1, words.length / 5);
}

const NAMES: Record<Language, string> = { en: 'english|ingles|inglish', es: 'spanish|espanol|castellano' };
const ASK_VERB =
  'speak|talk|write|reply|respond|answer|continue|switch|change|chat|prefer|habla[rsn]?|hablame|hablemos|hable|' +
  'hablen|escrib[ea]n?|escribeme|escribir|respond[ea]|respondeme|responder|contesta|contestame|contestar|' +
  'seguir|sigamos|sigue|continua|continuar|continuemos|cambia|cambiar|cambiemos|pasa|pasar|pasemos|prefiero';
const PLEASE = 'pls|plz|please|plis|porfa|porfis|porfavor|por favor';
/** Words that may sit around a bare language name ("in English?", "ok, español mejor"). */
const FILLER_RE =
  /\b(?:in|en|al|a|to|the|ok|okay|hi|hello|hola|sorry|perdon|only|solo|mejor|better|si|yes|por|favor|pls|plz|please|plis|porfa|porfis)\b/g;
const byLang = (source: (name: string, other: string) => string): Record<Language, RegExp> => ({
  en: new RegExp(source(NAMES.en, NAMES.es)),
  es: new RegExp(source(NAMES.es, NAMES.en)),
});
const ASKS = byLang(
  (n) => `\\b(?:${ASK_VERB})\\s+(?:[a-z]+\\s+){0,2}(?:${n})\\b|\\b(?:${n})\\s+(?:${PLEASE})\\b`,
);
const BARE = byLang((n) => `^(?:${n})$`);
const REFUSES = byLang(
  (_, other) =>
    `\\b(?:don t|dont|do not|can t|cant|cannot|no)\\s+(?:speak|understand|read|hablo|entiendo|leo)\\s+(?:[a-z]+\\s+)?(?:${other})\\b`,
);
const LANGS = ['en', 'es'] as const;

/**
 * The language the person explicitly asks for ("english pls", "can you speak english", "en español por
 * favor", "hablas español?", "no hablo inglés"); undefined when none, or when both are named.
 */
export function requestedLanguage(text: string): Language | undefined {
  const t = fold(text.slice(0, 600))
    .replace(/[^a-z]+/g, ' ')
    .trim();
  const refused = LANGS.filter((l) => REFUSES[l].test(t));
  if (refused.length === 1) return refused[0];
  const rest = t.replace(FILLER_RE, ' ').replace(/\s+/g, ' ').trim();
  const asked = LANGS.filter((l) => ASKS[l].test(t) || BARE[l].test(rest));
  return asked.length === 1 ? asked[0] : undefined;
}

/**
 * Guesses whether `text` is Spanish or English. An explicit request for a language wins at once.
 * Short or ambiguous messages ("ok", an email, a name) keep `previous` (sticky per conversation), else
 * `fallback`; switching away from `previous` needs clear evidence; mixed messages go with the dominant one.
 */
export function detectLanguage(
  text: string,
  previous: Language | undefined,
  fallback: Language,
): LanguageGuess {
  const asked = requestedLanguage(text);
  if (asked !== undefined) return { language: asked, confidence: 0.95 };
  const { es, en } = languageEvidence(text);
  const score = es - en + eldEvidence(text);
  const keep = previous ?? fallback;
  if (score === 0 && es + en === 0) return { language: keep, confidence: 0.2 };
  const winner: Language = score > 0 ? 'es' : 'en';
  const needed = previous !== undefined && winner !== previous ? SWITCH_NEEDS : 1;
  if (Math.abs(score) < needed) return { language: keep, confidence: 0.35 };
  return { language: winner, confidence: Math.min(0.99, 0.5 + Math.abs(score) * 0.08) };
}
