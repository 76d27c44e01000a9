/**
 * Normalisation layer of the ThreatDetector: turns a message into the copies the rules match on,
 * and records which obfuscation tricks it found. The copies are for matching only; nothing here is
 * shown to anyone. Every regex is linear on long input (bounded quantifiers, no nested unbounded
 * repetition), so a 4,096-character WhatsApp message costs well under a millisecond.
 */

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

/** Kinds of encoded chunk that `decodeChunks` recognises. */
export type EncodingKind = 'base64' | 'hex' | 'binary' | 'url' | 'html_entities' | 'unicode_tags';

/** Printable text hidden in an encoded chunk of the message. */
export interface DecodedChunk {
  kind: EncodingKind;
  text: string;
}

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

// Zero-width, bidi controls, soft hyphen, word joiners, BOM, variation selectors, Mongolian vowel separator.
const INVISIBLE_RE =
  // eslint-disable-next-line no-misleading-character-class -- the joiners and selectors are listed on purpose
  /[\u00AD\u034F\u061C\u115F\u1160\u17B4\u17B5\u180E\u200B-\u200F\u202A-\u202E\u2060-\u2064\u2066-\u206F\u3164\uFE00-\uFE0F\uFEFF\uFFA0]/gu;
// An invisible character inside a Latin / Cyrillic / Greek word is the trick; emoji ZWJ sequences
// and the zero-width spaces that Thai, Khmer or Japanese text uses between words are not.
const INVISIBLE_IN_WORD_RE =
  // eslint-disable-next-line no-misleading-character-class -- the joiners are listed on purpose
  /[\p{Script=Latin}\p{Script=Cyrillic}\p{Script=Greek}][\u00AD\u034F\u180E\u200B-\u200F\u202A-\u202E\u2060-\u2064\u2066-\u206F\uFEFF]+[\p{Script=Latin}\p{Script=Cyrillic}\p{Script=Greek}]/u;
// C0/C1 controls except tab and line breaks.
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const CONTROL_RE = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]/gu;
// Unicode "tag" characters carry invisible ASCII (U+E0020..U+E007E mirror 0x20..0x7E).
const TAG_RE = /[\u{E0000}-\u{E007F}]+/gu;

/** Cyrillic and Greek letters that look like Latin ones. */
const HOMOGLYPHS: Readonly<Record<string, string>> = {
  а: 'a',
  в: 'b',
  е: 'e',
  ё: 'e',
  к: 'k',
  м: 'm',
  н: 'h',
  о: 'o',
  р: 'p',
  с: 'c',
  т: 't',
  у: 'y',
  х: 'x',
  ѕ: 's',
  і: 'i',
  ї: 'i',
  ј: 'j',
  ԁ: 'd',
  һ: 'h',
  ӏ: 'l',
  ԛ: 'q',
  ԝ: 'w',
  ɡ: 'g',
  ɑ: 'a',
  А: 'A',
  В: 'B',
  Е: 'E',
  К: 'K',
  М: 'M',
  Н: 'H',
  О: 'O',
  Р: 'P',
  С: 'C',
  Т: 'T',
  Х: 'X',
  Ѕ: 'S',
  І: 'I',
  Ј: 'J',
  Ү: 'Y',
  α: 'a',
  β: 'b',
  ε: 'e',
  η: 'n',
  ι: 'i',
  κ: 'k',
  ν: 'v',
  ο: 'o',
  ρ: 'p',
  τ: 't',
  υ: 'u',
  χ: 'x',
  γ: 'y',
  ω: 'w',
  Α: 'A',
  Β: 'B',
  Ε: 'E',
  Ζ: 'Z',
  Η: 'H',
  Ι: 'I',
  Κ: 'K',
  Μ: 'M',
  Ν: 'N',
  Ο: 'O',
  Ρ: 'P',
  Τ: 'T',
  Υ: 'Y',
  Χ: 'X',
};
const CONFUSABLE_SCRIPT_RE = /[\p{Script=Cyrillic}\p{Script=Greek}]/u;
const LATIN_RE = /\p{Script=Latin}/u;

/** Leetspeak look-alikes, folded only inside tokens that also hold letters. */
const LEET: Readonly<Record<string, string>> = {
  '0': 'o',
  '1': 'i',
  '3': 'e',
  '4': 'a',
  '5': 's',
  '7': 't',
  '@': 'a',
  $: 's',
  '!': 'i',
  '|': 'l',
  '€': 'e',
};
const LEET_TOKEN_RE = /[\p{L}0-9@$!|€]+/gu;
const LEET_CHAR_RE = /[0-9@$!|€]/u;

/** Caps on decoding so a hostile message cannot make us do unbounded work. */
const MAX_CHUNKS = 16;
const MAX_DECODED_CHARS = 8_000;

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
const SPLIT_HEAD_RE = /(?<![\p{L}-])(\p{L}{1,2})-(\p{L}{2,})(?![\p{L}-])/gu;
const SPLIT_TAIL_RE = /(?<![\p{L}-])(\p{L}{3,})-(\p{L}{1,2})(?![\p{L}-])/gu;

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

/** True when `s` reads as text: mostly printable, mostly letters and spaces, with some words. */
export function isReadableText(s: string): boolean {
  if (s.length < 6) return false;
  let printable = 0;
  let letters = 0;
  for (const ch of s) {
    const code = ch.codePointAt(0) ?? 0;
    if (code === 0xfffd) return false;
    if ((code >= 0x20 && code !== 0x7f && !(code >= 0x80 && code < 0xa0)) || ch === '\n' || ch === '\t') {
      printable += 1;
    }
    if (/[\p{L} ]/u.test(ch)) letters += 1;
  }
  const n = [...s].length;
  return printable / n >= 0.95 && letters / n >= 0.6 && /\p{L}{2,}[\s,.:;!?'"]+\p{L}{2,}/u.test(s);
}

const UTF8 = new TextDecoder('utf-8', { fatal: true });

function utf8(bytes: Uint8Array): string | undefined {
  try {
    return UTF8.decode(bytes);
  } catch {
    // Not UTF-8: binary data, not a hidden message.
    return undefined;
  }
}

const BASE64_RE = /(?<![A-Za-z0-9+/_-])[A-Za-z0-9+/_-]{16,}={0,2}/gu;
const HEX_RE = /(?<![0-9A-Za-z])(?:(?:0x)?[0-9A-Fa-f]{2}[\s:,\\x]{0,3}){8,}/gu;
const BINARY_RE = /(?<![01])(?:[01]{7,8}[\s,]{0,2}){4,}/gu;
const URL_ENC_RE = /(?:[^\s%]{0,40}%[0-9A-Fa-f]{2}){3,}[^\s%]{0,40}/gu;
const ENTITY_RE = /(?:&#(?:x[0-9A-Fa-f]{1,6}|[0-9]{1,7});\s?){4,}/gu;

function decodeBase64(chunk: string): string | undefined {
  // Long ordinary words also fit the alphabet; real base64 has mixed case or digits.
  if (!/[0-9+/=_-]/u.test(chunk) && !(/[a-z]/u.test(chunk) && /[A-Z].*[A-Z]/u.test(chunk.slice(1)))) {
    return undefined;
  }
  const std = chunk.replace(/-/gu, '+').replace(/_/gu, '/').replace(/=+$/u, '');
  if (std.length % 4 === 1) return undefined;
  return utf8(Buffer.from(std, 'base64'));
}

function decodeHex(chunk: string): string | undefined {
  const digits = chunk.replace(/0x/giu, '').replace(/[^0-9A-Fa-f]/gu, '');
  if (digits.length % 2 === 1 || !/[A-Fa-f]/u.test(digits) || !/[0-9]/u.test(digits)) return undefined;
  return utf8(Buffer.from(digits, 'hex'));
}

function decodeBinary(chunk: string): string | undefined {
  const groups = chunk.split(/[\s,]+/u).filter((g) => g.length > 0);
  if (groups.some((g) => g.length < 7)) return undefined;
  return utf8(Uint8Array.from(groups.map((g) => parseInt(g, 2))));
}

function decodeUrl(chunk: string): string | undefined {
  try {
    return decodeURIComponent(chunk.replace(/\+/gu, ' '));
  } catch {
    // Malformed escapes: leave the chunk as it is.
    return undefined;
  }
}

function decodeEntities(chunk: string): string | undefined {
  const out: string[] = [];
  for (const m of chunk.matchAll(/&#(x[0-9A-Fa-f]{1,6}|[0-9]{1,7});/gu)) {
    const body = m[1] ?? '';
    const code = body.startsWith('x') ? parseInt(body.slice(1), 16) : parseInt(body, 10);
    if (!Number.isFinite(code) || code > 0x10ffff) return undefined;
    out.push(String.fromCodePoint(code));
  }
  return out.join('');
}

/** Each decoder: its kind, a cheap test that the text may hold such a chunk, the chunk pattern, the decoder. */
const DECODERS: readonly (readonly [EncodingKind, RegExp, RegExp, (chunk: string) => string | undefined])[] =
  [
    ['base64', /[A-Za-z0-9+/_-]{16}/u, BASE64_RE, decodeBase64],
    ['hex', /[0-9A-Fa-f]{2}[\s:,\\x]{0,3}[0-9A-Fa-f]{2}/u, HEX_RE, decodeHex],
    ['binary', /[01]{7}/u, BINARY_RE, decodeBinary],
    ['url', /%[0-9A-Fa-f]{2}/u, URL_ENC_RE, decodeUrl],
    ['html_entities', /&#/u, ENTITY_RE, decodeEntities],
  ];

/**
 * Finds embedded encoded chunks that decode to readable text (base64, hex, 8-bit binary,
 * URL-encoding, numeric HTML entities, Unicode tag characters). Decodes one level deeper when a
 * decoded chunk itself holds an encoded one.
 */
export function decodeChunks(text: string, depth = 0): DecodedChunk[] {
  const found: DecodedChunk[] = [];
  let budget = MAX_DECODED_CHARS;
  const tags = text.match(TAG_RE);
  if (tags) {
    const hidden = tags
      .join('')
      .replace(/[\u{E0000}-\u{E007F}]/gu, (ch) =>
        String.fromCharCode((ch.codePointAt(0) ?? 0xe0000) - 0xe0000),
      )
      .replace(CONTROL_RE, '');
    if (hidden.trim().length > 0) found.push({ kind: 'unicode_tags', text: hidden.slice(0, budget) });
  }
  for (const [kind, maybe, re, decode] of DECODERS) {
    if (!maybe.test(text)) continue;
    for (const m of text.matchAll(re)) {
      if (found.length >= MAX_CHUNKS || budget <= 0) return found;
      const decoded = decode(m[0].trim());
      if (decoded === undefined || !isReadableText(decoded)) continue;
      const clipped = decoded.slice(0, budget);
      budget -= clipped.length;
      found.push({ kind, text: clipped });
      if (depth < 1) for (const inner of decodeChunks(clipped, depth + 1)) found.push(inner);
    }
  }
  return found;
}
