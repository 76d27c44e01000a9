import { components, type Tokenizer } from '@orama/orama';
import type { Language } from '../protocol/index.ts';

/**
 * Text helpers for the Orama knowledge index: an accent-folding tokenizer with stopwords and a
 * stemmer per language, markdown chunking and snippets. No network, no extra packages: English
 * uses Orama's bundled Porter stemmer; Spanish uses the light stemmer below (Savoy's, as in
 * Lucene's `SpanishLightStemmer`), which folds plural and gender endings only.
 */

const STOPWORDS: Record<Language, ReadonlySet<string>> = {
  es: new Set(
    (
      'a al algo algun alguna algunos ante antes como con contra cual cuales cuando de del desde donde ' +
      'durante e el ella ellas ellos en entre era es esa ese eso esta estan este esto estos fue ha hay ' +
      'hasta la las le les lo los me mi mis mucho muy nada ni no nos o os otra otro para pero poco por ' +
      'porque que quien se sea ser si sin sobre son su sus tambien te tiene tienen tu tus un una uno unos ' +
      'usted ustedes y ya yo hola quiero quisiera necesito saber puedo puede favor cuanto cuanta cuantos'
    ).split(' '),
  ),
  en: new Set(
    (
      'a about an and are as at be been but by can could do does for from had has have hello hi how i ' +
      'if in into is it its me my no not of on or our please so than that the their them then there ' +
      'these they this to tell us was we what when where which who why will with would you your want ' +
      'need know much many'
    ).split(' '),
  ),
};

/** Savoy's light Spanish stemmer on an accent-folded, lower-case word. */
export function stemSpanish(word: string): string {
  const n = word.length;
  if (n < 5) return word;
  const last = word[n - 1];
  if (last === 'o' || last === 'a' || last === 'e') return word.slice(0, -1);
  if (last !== 's') return word;
  if (word.endsWith('eses')) return word.slice(0, -2);
  if (word.endsWith('ces')) return `${word.slice(0, -3)}z`;
  const before = word[n - 2];
  if (before === 'o' || before === 'a' || before === 'e') return word.slice(0, -2);
  return word;
}

const stemEnglish: (word: string) => string =
  components.tokenizer.createTokenizer({ language: 'english', stemming: true }).stemmer ?? ((w) => w);

/** Lower-case, strip accents (ñ → n), split on anything that is not a letter or digit. */
export function foldWords(text: string): string[] {
  return text
    .normalize('NFD')
    .replace(/\p{M}+/gu, '')
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter(Boolean);
}

/** Both lists apply to both languages: people mix them, and neither list holds the other's content words. */
const STOP = new Set([...STOPWORDS.es, ...STOPWORDS.en]);

/** Index/query terms of `text`: folded words, stopwords (of either language) removed, stemmed. */
export function terms(text: string, language: Language): string[] {
  const stop = STOP;
  const stem = language === 'es' ? stemSpanish : stemEnglish;
  const out: string[] = [];
  for (const word of foldWords(text)) {
    if (stop.has(word)) continue;
    out.push(stem(word));
  }
  return out;
}

/** An Orama tokenizer over {@link terms}; the same one indexes and queries, so both agree. */
export function createTokenizer(language: Language): Tokenizer {
  return {
    language: language === 'es' ? 'spanish' : 'english',
    normalizationCache: new Map(),
    tokenize: (raw: string) => [...new Set(terms(raw, language))],
  };
}

/** Markdown reduced to plain text: no emphasis, code ticks or link targets. */
function plain(markdown: string): string {
  return markdown
    .replace(/^\s*(?:[-*+]|\d+[.)])\s+/, '')
    .replace(/!?\[([^\]]*)\]\([^)]*\)/g, '$1')
    .replace(/[*_`]+/g, '')
    .replace(/[ \t]+/g, ' ')
    .trim();
}

/** One searchable piece of a knowledge page. */
export interface Chunk {
  /** Section heading when the page has sub-sections, else undefined. */
  heading: string | undefined;
  text: string;
}

/**
 * Splits a markdown page into chunks of at most `max` characters: by section (`##`…), then by
 * paragraph and list item, packing neighbours together; an over-long unit is split by sentence,
 * then by word. The `#` page title itself is not repeated in the chunks.
 */
export function chunkMarkdown(body: string, max = 600): Chunk[] {
  const chunks: Chunk[] = [];
  let heading: string | undefined;
  let units: string[] = [];
  let paragraph: string[] = [];
  const endParagraph = (): void => {
    const unit = plain(paragraph.join(' '));
    if (unit) units.push(unit);
    paragraph = [];
  };
  const flush = (): void => {
    endParagraph();
    for (const text of pack(units, max)) chunks.push({ heading, text });
    units = [];
  };
  for (const line of body.split('\n')) {
    const h = /^\s*(#{1,6})\s+(.*)$/.exec(line);
    if (h) {
      flush();
      heading = h[1] === '#' ? undefined : plain(h[2] ?? '');
    } else if (!line.trim()) {
      endParagraph();
    } else {
      // A list item is a unit of its own; its continuation lines join it.
      if (/^\s*(?:[-*+]|\d+[.)])\s/.test(line)) endParagraph();
      paragraph.push(line.trim());
    }
  }
  flush();
  return chunks;
}

function pack(units: string[], max: number): string[] {
  const out: string[] = [];
  let current = '';
  for (const unit of units.flatMap((u) => split(u, max))) {
    if (current && current.length + 1 + unit.length > max) {
      out.push(current);
      current = '';
    }
    current = current ? `${current}\n${unit}` : unit;
  }
  if (current) out.push(current);
  return out;
}

function split(unit: string, max: number): string[] {
  if (unit.length <= max) return [unit];
  const pieces: string[] = [];
  let current = '';
  for (const part of unit.split(/(?<=[.!?;:])\s+|\s+/)) {
    if (current && current.length + 1 + part.length > max) {
      pieces.push(current);
      current = '';
    }
    current = current ? `${current} ${part}` : part.slice(0, max);
  }
  if (current) pieces.push(current);
  return pieces;
}

/** The lines and sentences of a text, blank ones left out. */
function units(text: string): string[] {
  return text.split(/\n|(?<=[.!?])\s+/).filter((u) => u.trim());
}

/**
 * The sentence (or line) of `text` that shares the most terms with the query; undefined when it
 * shares too few (a hit ranked on nothing the sentence says is no answer).
 */
export function bestSentence(
  text: string,
  queryTerms: ReadonlySet<string>,
  language: Language,
  title = '',
): { text: string; overlap: number } | undefined {
  let best: { text: string; overlap: number } | undefined;
  // What the page is about counts for each of its sentences ("Support and hours" → "Monday to Friday…").
  const fromTitle = new Set(terms(title, language).filter((t) => queryTerms.has(t)));
  // A line that only introduces a list ("… already uses:") says nothing by itself.
  for (const unit of units(text).filter((u) => !/:\s*$/u.test(u))) {
    const overlap = new Set([...fromTitle, ...terms(unit, language).filter((t) => queryTerms.has(t))]).size;
    if (overlap > (best?.overlap ?? 0)) best = { text: unit.trim(), overlap };
  }
  // One shared word of a long question ("…for my uncle's business") is chance, not an answer.
  const needed = Math.min(2, Math.ceil(queryTerms.size / 3));
  return best && best.overlap >= needed ? best : undefined;
}

/**
 * A snippet of at most `max` characters: starts at the top, or at the line or sentence sharing the
 * most terms with the query when that one would not fit otherwise; extends forward, cuts at a word boundary with an ellipsis.
 */
export function snippet(
  text: string,
  queryTerms: ReadonlySet<string>,
  language: Language,
  max = 300,
): string {
  const parts = units(text);
  let best = 0;
  let bestScore = 0;
  parts.forEach((unit, i) => {
    const score = terms(unit, language).filter((t) => queryTerms.has(t)).length;
    if (score > bestScore) [best, bestScore] = [i, score];
  });
  // Start at the top when the best line fits there anyway: openings carry the context.
  if (parts.slice(0, best + 1).join(' ').length <= max) best = 0;
  const prefix = best > 0 ? '…' : '';
  let out = prefix + parts.slice(best).join(' ').replace(/\s+/g, ' ').trim();
  if (out.length <= max) return out;
  out = out.slice(0, max - 1);
  const space = out.lastIndexOf(' ');
  if (space > max / 2) out = out.slice(0, space);
  return `${out.replace(/[\s.,;:]+$/, '')}…`;
}
