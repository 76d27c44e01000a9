/**
 * The character data normalisation works from: invisible, control and tag characters, Cyrillic and
 * Greek look-alikes of Latin letters, and leetspeak look-alikes. The global regexes are shared
 * objects (their `lastIndex` state is the callers' concern, as before the split).
 */

// Zero-width, bidi controls, soft hyphen, word joiners, BOM, variation selectors, Mongolian vowel separator.
export const INVISIBLE_RE =
  // eslint-disable-next-line no-misleading-character-class -- the joiners and selectors are listed on purpose
  /[\u00AD\u034F\u061C\u115F\u1160\u17B4\u17B5\u180E\u200B-\u200F\u202A-\u202E\u2060-\u2064\u2066-\u206F\u3164\uFE00-\uFE0F\uFEFF\uFFA0]/gu;
// An invisible character inside a Latin / Cyrillic / Greek word is the trick; emoji ZWJ sequences
// and the zero-width spaces that Thai, Khmer or Japanese text uses between words are not.
export const INVISIBLE_IN_WORD_RE =
  // eslint-disable-next-line no-misleading-character-class -- the joiners are listed on purpose
  /[\p{Script=Latin}\p{Script=Cyrillic}\p{Script=Greek}][\u00AD\u034F\u180E\u200B-\u200F\u202A-\u202E\u2060-\u2064\u2066-\u206F\uFEFF]+[\p{Script=Latin}\p{Script=Cyrillic}\p{Script=Greek}]/u;
// C0/C1 controls except tab and line breaks.
// eslint-disable-next-line no-control-regex -- matching control characters is the point
export const CONTROL_RE = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]/gu;
// Unicode "tag" characters carry invisible ASCII (U+E0020..U+E007E mirror 0x20..0x7E).
export const TAG_RE = /[\u{E0000}-\u{E007F}]+/gu;

/** Cyrillic and Greek letters that look like Latin ones. */
export const HOMOGLYPHS: Readonly<Record<string, string>> = {
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
export const CONFUSABLE_SCRIPT_RE = /[\p{Script=Cyrillic}\p{Script=Greek}]/u;
export const LATIN_RE = /\p{Script=Latin}/u;

/** Leetspeak look-alikes, folded only inside tokens that also hold letters. */
export const LEET: Readonly<Record<string, string>> = {
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
export const LEET_TOKEN_RE = /[\p{L}0-9@$!|€]+/gu;
export const LEET_CHAR_RE = /[0-9@$!|€]/u;
