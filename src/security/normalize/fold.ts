/** The folding steps of normalisation, each a pure function of its input. */
import {
  CONFUSABLE_SCRIPT_RE,
  CONTROL_RE,
  HOMOGLYPHS,
  INVISIBLE_IN_WORD_RE,
  INVISIBLE_RE,
  LATIN_RE,
  LEET,
  LEET_CHAR_RE,
  LEET_TOKEN_RE,
  TAG_RE,
} from './confusables.ts';

/** Removes invisible and control characters; reports whether any was hiding inside a word. */
export function stripInvisible(text: string): { text: string; zeroWidth: boolean; control: boolean } {
  const zeroWidth = INVISIBLE_IN_WORD_RE.test(text);
  const control = CONTROL_RE.test(text);
  CONTROL_RE.lastIndex = 0;
  const out = text.replace(TAG_RE, '').replace(INVISIBLE_RE, '').replace(CONTROL_RE, ' ');
  return { text: out, zeroWidth, control };
}

/**
 * Folds Cyrillic/Greek look-alikes to Latin inside tokens that mix scripts, or that consist only of
 * look-alikes in a message written mostly in Latin letters (so Russian or Greek text stays what it is).
 */
export function foldHomoglyphs(text: string): { text: string; found: boolean } {
  if (!CONFUSABLE_SCRIPT_RE.test(text)) return { text, found: false };
  const latin = text.match(/\p{Script=Latin}/gu)?.length ?? 0;
  const other = text.match(/[\p{Script=Cyrillic}\p{Script=Greek}]/gu)?.length ?? 0;
  const latinMessage = latin > other;
  let found = false;
  const out = text.replace(/[\p{L}\p{M}]+/gu, (token) => {
    if (!CONFUSABLE_SCRIPT_RE.test(token)) return token;
    const mixed = LATIN_RE.test(token);
    const allConfusable = [...token].every((ch) => HOMOGLYPHS[ch] !== undefined || LATIN_RE.test(ch));
    if (!allConfusable || (!mixed && !latinMessage)) return token;
    found = true;
    return [...token].map((ch) => HOMOGLYPHS[ch] ?? ch).join('');
  });
  return { text: out, found };
}

/** Lower case without diacritics ("Instrucción" → "instruccion"), plain quotes and dashes. */
export function foldAccents(text: string): string {
  return text
    .normalize('NFD')
    .replace(/\p{M}+/gu, '')
    .toLowerCase()
    .replace(/[‘’‚‛′`´]/gu, "'")
    .replace(/[“”„‟″«»]/gu, '"')
    .replace(/[‐‑‒–—―]/gu, '-');
}

/** Collapses spaces and tabs; keeps single line breaks (some rules anchor at line starts). */
export function collapseSpaces(text: string): string {
  return text
    .replace(/[^\S\n]+/gu, ' ')
    .replace(/ ?\n[\s]*/gu, '\n')
    .trim();
}

/** Folds leetspeak ("1gn0r3" → "ignore") in tokens that mix letters and look-alikes. */
export function foldLeet(text: string): string {
  if (!LEET_CHAR_RE.test(text)) return text;
  const parts = text.split(/(\s+)/u);
  for (let i = 0; i < parts.length; i += 2) {
    const chunk = parts[i] ?? '';
    if (!LEET_CHAR_RE.test(chunk) || !/\p{L}/u.test(chunk)) continue;
    parts[i] = chunk.replace(LEET_TOKEN_RE, (token) => {
      if (!LEET_CHAR_RE.test(token) || !/\p{L}/u.test(token)) return token;
      // Trailing "!" or "|" is punctuation, not a letter.
      const core = token.replace(/[!|]+$/u, '');
      const tail = token.slice(core.length);
      return [...core].map((ch) => LEET[ch] ?? ch).join('') + tail;
    });
  }
  return parts.join('');
}

// "i-nstruction", "w-ith": one or two letters cut off a word by a hyphen.
export const SPLIT_HEAD_RE = /(?<![\p{L}-])(\p{L}{1,2})-(\p{L}{2,})(?![\p{L}-])/gu;
export const SPLIT_TAIL_RE = /(?<![\p{L}-])(\p{L}{3,})-(\p{L}{1,2})(?![\p{L}-])/gu;

/** Letters separated by single spaces / dots / dashes, at least four of them. */
const SPACED_RUN_RE = /(?<![\p{L}\p{N}])\p{L}(?:[ ._*\-/]\p{L}){3,}(?![\p{L}\p{N}])/gu;
/** Short runs (three letters) only join when they sit next to a long one ("a l l"). */
const SHORT_RUN_RE = /(?<![\p{L}\p{N}])\p{L}(?:[ ._*\-/]\p{L}){2}(?![\p{L}\p{N}])/gu;

/**
 * Joins spaced-out letters: "i g n o r e  a l l" → "ignore all". Words inside a run are told apart
 * by a wider gap; a run with single gaps only is joined whole and also returned in `squeezed`.
 */
export function collapseSpacedLetters(text: string): { text: string; squeezed: string[]; found: boolean } {
  const squeezed: string[] = [];
  if (!/\p{L}[ ._*\-/]\p{L}[ ._*\-/]\p{L}/u.test(text)) return { text, squeezed, found: false };
  let found = false;
  let out = text.replace(SPACED_RUN_RE, (run) => {
    found = true;
    const joined = run.replace(/[ ._*\-/]/gu, '');
    squeezed.push(joined);
    return joined;
  });
  if (found) out = out.replace(SHORT_RUN_RE, (run) => run.replace(/[ ._*\-/]/gu, ''));
  return { text: out, squeezed, found };
}
