/**
 * Normalisation layer of the ThreatDetector: turns a message into the copies the rules match on,
 * and records which obfuscation tricks it found. The copies are for matching only; nothing here is
 * shown to anyone. Every regex is linear on long input (bounded quantifiers, no nested unbounded
 * repetition), so a 4,096-character WhatsApp message costs well under a millisecond.
 */

import { CONTROL_RE } from './normalize/confusables.ts';
import { decodeChunks, type DecodedChunk } from './normalize/decode.ts';
import {
  SPLIT_HEAD_RE,
  SPLIT_TAIL_RE,
  collapseSpacedLetters,
  collapseSpaces,
  foldAccents,
  foldHomoglyphs,
  foldLeet,
  stripInvisible,
} from './normalize/fold.ts';

export { decodeChunks, isReadableText, type DecodedChunk, type EncodingKind } from './normalize/decode.ts';
export {
  collapseSpacedLetters,
  collapseSpaces,
  foldAccents,
  foldHomoglyphs,
  foldLeet,
  stripInvisible,
} from './normalize/fold.ts';

/** An obfuscation trick seen in the input. */
export type ObfuscationKind =
  | 'zero_width'
  | 'control'
  | 'homoglyph'
  | 'leet'
  | 'spaced'
  | 'base64'
  | 'hex'
  | 'binary'
  | 'url'
  | 'html_entities'
  | 'unicode_tags';

/** The copies of one message that the rules run on. */
export interface NormalizedText {
  /**
   * NFKC, invisible and control characters removed, homoglyphs folded, accents folded, lower case,
   * typographic quotes made plain, runs of spaces collapsed (line breaks kept).
   */
  plain: string;
  /** `plain` with leetspeak folded inside tokens that mix letters with look-alike digits or symbols. */
  leet: string;
  /** `leet` with spaced-out letters joined ("i g n o r e" → "ignore"). */
  collapsed: string;
  /** Each spaced-out run joined without any separator, for compact key phrases ("ignoreallprevious…"). */
  squeezed: string[];
  /** Case-preserved NFKC text without invisible characters (for the few case-sensitive rules). */
  cased: string;
  /** Printable text decoded from embedded base64 / hex / binary / URL / entity / tag-character chunks. */
  decoded: DecodedChunk[];
  /**
   * Only when homoglyphs or in-word invisible characters were found: the folded copy *without*
   * undoing them, so a caller can tell which matches they were hiding.
   */
  naive?: string;
  /** Obfuscation tricks seen while normalising (not counting what decoding found). */
  signals: Set<ObfuscationKind>;
}

/** Normalises one message into the copies the rules run on. */
export function normalize(text: string): NormalizedText {
  const signals = new Set<ObfuscationKind>();
  // A typed backslash-n is how people fake a line break in a one-line chat box.
  const nfkc = text.normalize('NFKC').replace(/\\[nr]/gu, '\n');
  const stripped = stripInvisible(nfkc);
  if (stripped.zeroWidth) signals.add('zero_width');
  if (stripped.control) signals.add('control');
  // Words split by spaced gaps are found before spaces are collapsed (the gap width tells words apart).
  const homoglyphs = foldHomoglyphs(stripped.text);
  if (homoglyphs.found) signals.add('homoglyph');
  const folded = foldAccents(homoglyphs.text);
  const plain = collapseSpaces(folded);
  const leetFolded = foldLeet(plain);
  if (leetFolded !== plain) signals.add('leet');
  const spaced = collapseSpacedLetters(folded);
  if (spaced.found) signals.add('spaced');
  const joined = spaced.found ? collapseSpaces(foldLeet(spaced.text)) : leetFolded;
  // "i-nstruction", "w-ith": a hyphen that cuts one or two letters off a word hides it.
  const collapsed = joined.includes('-')
    ? joined.replace(SPLIT_HEAD_RE, '$1$2').replace(SPLIT_TAIL_RE, '$1$2')
    : joined;
  const hidden = homoglyphs.found || stripped.zeroWidth;
  return {
    ...(hidden ? { naive: collapseSpaces(foldAccents(nfkc.replace(CONTROL_RE, ' '))) } : {}),
    plain,
    leet: leetFolded,
    collapsed,
    squeezed: spaced.squeezed,
    cased: collapseSpaces(stripped.text),
    decoded: decodeChunks(nfkc),
    signals,
  };
}
