/**
 * Small text helpers shared by the NLU modules. Every regex here is linear on long input (no nested
 * unbounded quantifiers), so a 100 KB message cannot stall a conversation.
 */

/** Lower-cases and strips diacritics ("Producción" → "produccion"); for keyword matching only. */
export function fold(text: string): string {
  return text
    .normalize('NFD')
    .replace(/\p{M}+/gu, '')
    .toLowerCase();
}

/** URLs, `www.` hosts and bare domains (acme.com, bit.ly/x). */
export const URL_RE =
  /(?:https?:\/\/|www\.)[^\s<>"«»]+|(?<![\p{L}\p{N}@._-])[\p{L}\p{N}-]+(?:\.[\p{L}\p{N}-]+)*\.(?:com|net|org|io|co|mx|es|ar|cl|pe|app|dev|ly|gl|gd|me|info|biz|us|uk|xyz|site|online|shop|store|tk|ru|cn)(?![\p{L}\p{N}@])(?:\/[^\s<>"«»]*)?/giu;

/** All URLs in `text`. */
export function findUrls(text: string): string[] {
  return text.match(URL_RE) ?? [];
}

/** Replaces each `[start, end)` span by spaces, keeping every other index where it was. */
export function maskSpans(text: string, spans: readonly (readonly [number, number])[]): string {
  let out = text;
  for (const [start, end] of spans) {
    out = out.slice(0, start) + ' '.repeat(end - start) + out.slice(end);
  }
  return out;
}

/** `s` with the characters that mean something in a regular expression escaped. */
export function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/gu, '\\$&');
}

/** `text` with every occurrence of each phrase (any case) blanked; phrases under `minLength` are kept. */
export function withoutPhrases(text: string, phrases: readonly string[], minLength = 3): string {
  let out = text;
  for (const p of phrases)
    if (p.length >= minLength) out = out.replace(new RegExp(escapeRegExp(p), 'giu'), ' ');
  return out;
}

/** Spans of every match of a global regex. */
export function spansOf(text: string, re: RegExp): [number, number][] {
  const spans: [number, number][] = [];
  for (const m of text.matchAll(re)) spans.push([m.index, m.index + m[0].length]);
  return spans;
}

/** "carlos lópez" → "Carlos López"; words that already contain a capital letter are kept as written. */
export function titleCase(text: string, lowerParticles: ReadonlySet<string>): string {
  return text
    .split(/\s+/u)
    .filter((w) => w.length > 0)
    .map((w, i) => {
      if (/\p{Lu}/u.test(w)) return w;
      if (i > 0 && lowerParticles.has(w)) return w;
      return w.charAt(0).toUpperCase() + w.slice(1);
    })
    .join(' ');
}

/** Upper-cases the first letter of `text`. */
export function capitaliseFirst(text: string): string {
  const i = text.search(/\p{L}/u);
  if (i < 0) return text;
  return text.slice(0, i) + text.charAt(i).toUpperCase() + text.slice(i + 1);
}

/** Tests a list of regexes against `text`, returning how many match. */
export function countMatches(text: string, patterns: readonly RegExp[]): number {
  let n = 0;
  for (const re of patterns) if (re.test(text)) n += 1;
  return n;
}

/** Noisy-OR of independent weights: 1 - Π(1 - w). */
export function noisyOr(weights: readonly number[]): number {
  let keep = 1;
  for (const w of weights) keep *= 1 - Math.min(1, Math.max(0, w));
  return 1 - keep;
}

/** Clamps `n` into [min, max]. */
export function clamp(n: number, min: number, max: number): number {
  return Math.min(max, Math.max(min, n));
}
