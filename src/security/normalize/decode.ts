/** Finding and decoding encoded chunks hidden in a message. */
import { CONTROL_RE, TAG_RE } from './confusables.ts';

/** Kinds of encoded chunk that `decodeChunks` recognises. */
export type EncodingKind = 'base64' | 'hex' | 'binary' | 'url' | 'html_entities' | 'unicode_tags';

/** Printable text hidden in an encoded chunk of the message. */
export interface DecodedChunk {
  kind: EncodingKind;
  text: string;
}

/** Caps on decoding so a hostile message cannot make us do unbounded work. */
const MAX_CHUNKS = 16;
const MAX_DECODED_CHARS = 8_000;

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
